import { describe, it, expect } from 'vitest';
import { SinkFanout } from '../../src/logs/sink-fanout.js';
import type { JobInfo, LogLine, LogSink } from '../../src/logs/log-sink.js';

const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine => ({ stream, text, receivedAt: 1 });
const job: JobInfo = { name: 'job', image: 'busybox', containerId: 'abc123' };

class RecordingSink implements LogSink {
  readonly lines: string[] = [];
  opened: JobInfo | undefined;
  closed = 0;
  open(info: JobInfo): void {
    this.opened = info;
  }
  write(l: LogLine): void {
    this.lines.push(l.text);
  }
  close(): void {
    this.closed++;
  }
}

class ThrowingSink extends RecordingSink {
  calls = 0;
  override write(l: LogLine): void {
    this.calls++;
    super.write(l);
    throw new Error('disk full');
  }
}

class RejectingSink extends RecordingSink {
  calls = 0;
  override write(l: LogLine): Promise<void> {
    this.calls++;
    super.write(l);
    return Promise.reject(new Error('network down'));
  }
}

/** A promise with its resolve function exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets pending microtasks and a macrotask run. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe('SinkFanout', () => {
  it('sends each line to every sink in order', () => {
    const a = new RecordingSink();
    const b = new RecordingSink();
    const fanout = new SinkFanout([a, b]);
    fanout.write(line('1'));
    fanout.write(line('2'));
    expect(a.lines).toEqual(['1', '2']);
    expect(b.lines).toEqual(['1', '2']);
  });

  it('returns undefined, not a promise, from write when every sink is synchronous', () => {
    const fanout = new SinkFanout([new RecordingSink(), { write: () => undefined }]);
    expect(fanout.write(line('x'))).toBeUndefined();
  });

  it('returns undefined from write when there are no sinks', () => {
    expect(new SinkFanout([]).write(line('x'))).toBeUndefined();
  });

  it('returns a promise that settles only after an async sink has taken the line (backpressure)', async () => {
    const gate = deferred();
    const sync = new RecordingSink();
    const fanout = new SinkFanout([sync, { write: () => gate.promise }]);
    const result = fanout.write(line('x'));
    expect(result).toBeInstanceOf(Promise);
    expect(sync.lines).toEqual(['x']);

    let settled = false;
    void (result as Promise<void>).then(() => {
      settled = true;
    });
    await settle();
    expect(settled).toBe(false);
    gate.resolve();
    await settle();
    expect(settled).toBe(true);
    await expect(result).resolves.toBeUndefined();
  });

  it('waits for every async sink, not only the first', async () => {
    const g1 = deferred();
    const g2 = deferred();
    const fanout = new SinkFanout([{ write: () => g1.promise }, { write: () => g2.promise }]);
    let settled = false;
    void (fanout.write(line('x')) as Promise<void>).then(() => {
      settled = true;
    });
    g1.resolve();
    await settle();
    expect(settled).toBe(false);
    g2.resolve();
    await settle();
    expect(settled).toBe(true);
  });

  it('detaches a throwing sink after its first throw, records it once with its index, and keeps the others going', () => {
    const before = new RecordingSink();
    const bad = new ThrowingSink();
    const after = new RecordingSink();
    const fanout = new SinkFanout([before, bad, after]);

    expect(() => fanout.write(line('1'))).not.toThrow();
    fanout.write(line('2'));
    fanout.write(line('3'));

    expect(bad.calls).toBe(1);
    expect(before.lines).toEqual(['1', '2', '3']);
    expect(after.lines).toEqual(['1', '2', '3']);
    expect(fanout.failures).toHaveLength(1);
    expect(fanout.failures[0]?.index).toBe(1);
    expect(fanout.failures[0]?.sink).toBe('ThrowingSink');
    expect((fanout.failures[0]?.error as Error).message).toBe('disk full');
  });

  it('detaches a rejecting sink, records it once with its index, resolves write, and keeps the others going', async () => {
    const good = new RecordingSink();
    const bad = new RejectingSink();
    const fanout = new SinkFanout([good, bad]);

    await expect(fanout.write(line('1'))).resolves.toBeUndefined();
    expect(fanout.write(line('2'))).toBeUndefined(); // only sync sinks left
    await fanout.write(line('3'));

    expect(bad.calls).toBe(1);
    expect(good.lines).toEqual(['1', '2', '3']);
    expect(fanout.failures).toEqual([{ index: 1, sink: 'RejectingSink', during: 'write', error: expect.objectContaining({ message: 'network down' }) }]);
  });

  it('records a sink once even when several of its pending writes reject, and stops calling it', async () => {
    const rejects: ((e: unknown) => void)[] = [];
    let calls = 0;
    const fanout = new SinkFanout([
      {
        write: () => {
          calls++;
          return new Promise<void>((_, r) => {
            rejects.push(r);
          });
        },
      },
    ]);
    const first = fanout.write(line('1'));
    const second = fanout.write(line('2'));
    expect(calls).toBe(2);
    for (const r of rejects) r(new Error('late'));
    await Promise.all([first, second]);
    expect(fanout.failures).toHaveLength(1);
    expect(fanout.failures[0]?.index).toBe(0);
    expect(fanout.write(line('3'))).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('names a plain-object sink "Object" in its failure', () => {
    const fanout = new SinkFanout([
      {
        write: () => {
          throw new Error('x');
        },
      },
    ]);
    fanout.write(line('x'));
    expect(fanout.failures[0]).toMatchObject({ index: 0, sink: 'Object' });
  });

  it('passes events to the sinks that take them, skips the others, and detaches one whose event throws', () => {
    const seen: string[] = [];
    const taker: LogSink = { write() {}, event(e) { seen.push(e.type); } };
    const plain: LogSink = { write() {} };
    const breaking: LogSink = { write() {}, event() { throw new Error('no events here'); } };
    const fanout = new SinkFanout([taker, plain, breaking]);
    expect(fanout.event({ type: 'created', containerId: 'abc' })).toBeUndefined();
    fanout.event({ type: 'started', containerId: 'abc' });
    expect(seen).toEqual(['created', 'started']);
    expect(fanout.failures.map((f) => [f.index, (f.error as Error).message])).toEqual([[2, 'no events here']]);
  });

  it('calls open on every sink that has one, and detaches a sink whose open throws', () => {
    const a = new RecordingSink();
    const noOpen: LogSink = { write: () => undefined };
    const badOpen: LogSink & { lines: string[] } = {
      lines: [],
      open: () => {
        throw new Error('cannot open');
      },
      write(l) {
        this.lines.push(l.text);
      },
    };
    const fanout = new SinkFanout([a, noOpen, badOpen]);
    expect(fanout.open(job)).toBeUndefined();
    expect(a.opened).toEqual(job);
    expect(fanout.failures.map((f) => f.index)).toEqual([2]);
    fanout.write(line('x'));
    expect(badOpen.lines).toEqual([]);
    expect(a.lines).toEqual(['x']);
  });

  it('returns a promise from open when a sink opens asynchronously', async () => {
    const gate = deferred();
    const fanout = new SinkFanout([{ open: () => gate.promise, write: () => undefined }]);
    const result = fanout.open(job);
    expect(result).toBeInstanceOf(Promise);
    gate.resolve();
    await expect(result).resolves.toBeUndefined();
  });

  describe('close', () => {
    it('closes every sink, detached ones included', async () => {
      const good = new RecordingSink();
      const bad = new ThrowingSink();
      const fanout = new SinkFanout([good, bad]);
      fanout.write(line('x'));
      expect(fanout.failures).toHaveLength(1);
      await fanout.close();
      expect(good.closed).toBe(1);
      expect(bad.closed).toBe(1);
    });

    it('never rejects when a close throws or rejects, and still closes the others', async () => {
      const good = new RecordingSink();
      const fanout = new SinkFanout([
        {
          write: () => undefined,
          close: () => {
            throw new Error('sync close failure');
          },
        },
        { write: () => undefined, close: () => Promise.reject(new Error('async close failure')) },
        good,
        { write: () => undefined },
      ]);
      await expect(fanout.close()).resolves.toBeUndefined();
      expect(good.closed).toBe(1);
      expect(fanout.failures.map((f) => [f.index, (f.error as Error).message])).toEqual([
        [0, 'sync close failure'],
        [1, 'async close failure'],
      ]);
    });

    it('does not record a second failure for a detached sink whose close also fails', async () => {
      const fanout = new SinkFanout([
        {
          write: () => {
            throw new Error('write failure');
          },
          close: () => {
            throw new Error('close failure');
          },
        },
      ]);
      fanout.write(line('x'));
      await expect(fanout.close()).resolves.toBeUndefined();
      expect(fanout.failures.map((f) => (f.error as Error).message)).toEqual(['write failure']);
    });

    it('waits for async closes before resolving', async () => {
      const gate = deferred();
      let done = false;
      const fanout = new SinkFanout([{ write: () => undefined, close: () => gate.promise }]);
      const closing = fanout.close().then(() => {
        done = true;
      });
      await settle();
      expect(done).toBe(false);
      gate.resolve();
      await closing;
      expect(done).toBe(true);
    });
  });

  it('says what each sink was doing when it failed', async () => {
    const fanout = new SinkFanout([
      { open: () => { throw new Error('o'); }, write: () => undefined },
      { write: () => { throw new Error('w'); } },
      { write: () => undefined, event: () => Promise.reject(new Error('e')) },
      { write: () => undefined, close: () => { throw new Error('c'); } },
    ]);
    fanout.open(job);
    fanout.write(line('x'));
    await fanout.event({ type: 'started', containerId: 'abc' });
    await fanout.close();
    expect(fanout.failures.map((f) => [f.index, f.during, (f.error as Error).message])).toEqual([
      [0, 'open', 'o'],
      [1, 'write', 'w'],
      [2, 'event', 'e'],
      [3, 'close', 'c'],
    ]);
  });

  it('names a sink by its name property first', () => {
    const fanout = new SinkFanout([{ name: 'queue-sink', write: () => { throw new Error('x'); } }]);
    fanout.write(line('x'));
    expect(fanout.failures[0]?.sink).toBe('queue-sink');
  });

  it('calls onFailure once per failed sink, as it happens, and survives an onFailure that throws', async () => {
    const seen: string[] = [];
    const fanout = new SinkFanout(
      [new ThrowingSink(), new RejectingSink(), new RecordingSink()],
      {
        onFailure: (f) => {
          seen.push(`${f.index}:${f.sink}`);
          throw new Error('reporter broke');
        },
      },
    );
    fanout.write(line('1'));
    expect(seen).toEqual(['0:ThrowingSink']);
    await fanout.write(line('2'));
    fanout.write(line('3'));
    expect(seen).toEqual(['0:ThrowingSink', '1:RejectingSink']);
  });

  describe('routing bytes and lines (bytesToByteSinks)', () => {
    class ByteSink extends RecordingSink {
      readonly chunks: string[] = [];
      writeBytes(chunk: { stream: string; data: Uint8Array }): void {
        this.chunks.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`);
      }
    }
    const bytes = (text: string) => ({ stream: 'stdout' as const, data: Buffer.from(text), receivedAt: 1 });

    it('gives byte sinks bytes only and line sinks lines only', () => {
      const b = new ByteSink();
      const l = new RecordingSink();
      const fanout = new SinkFanout([b, l], { bytesToByteSinks: true });
      expect(fanout.needsBytes).toBe(true);
      expect(fanout.needsLines).toBe(true);
      fanout.writeBytes(bytes('raw'));
      fanout.write(line('a line'));
      expect(b.chunks).toEqual(['stdout:raw']);
      expect(b.lines).toEqual([]);
      expect(l.lines).toEqual(['a line']);
    });

    it('needs no lines when every sink takes bytes, and stops needing them when the last line sink fails', () => {
      expect(new SinkFanout([new ByteSink()], { bytesToByteSinks: true }).needsLines).toBe(false);
      const fanout = new SinkFanout([new ByteSink(), new ThrowingSink()], { bytesToByteSinks: true });
      expect(fanout.needsLines).toBe(true);
      fanout.write(line('x'));
      expect(fanout.needsLines).toBe(false);
      expect(fanout.needsBytes).toBe(true);
    });

    it('gives every sink lines when not routing by kind', () => {
      const b = new ByteSink();
      const fanout = new SinkFanout([b]);
      expect(fanout.needsLines).toBe(true);
      expect(fanout.needsBytes).toBe(false);
      fanout.write(line('x'));
      expect(b.lines).toEqual(['x']);
    });

    it('detaches a byte sink that throws in writeBytes and reports it once', () => {
      const bad: LogSink = { name: 'bad', write: () => undefined, writeBytes: () => { throw new Error('EPIPE'); } };
      const fanout = new SinkFanout([bad, new ByteSink()], { bytesToByteSinks: true });
      fanout.writeBytes(bytes('1'));
      fanout.writeBytes(bytes('2'));
      expect(fanout.failures.map((f) => [f.sink, f.during])).toEqual([['bad', 'write']]);
    });
  });
});
