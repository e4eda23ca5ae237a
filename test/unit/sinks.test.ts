import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { Logger } from 'tslog';
import type { JobInfo, LogLine, LogSink, OutputBytes } from '../../src/logs/log-sink.js';
import { callbackSink } from '../../src/logs/sinks/callback-sink.js';
import { JsonLinesSink } from '../../src/logs/sinks/json-lines-sink.js';
import { MemorySink } from '../../src/logs/sinks/memory-sink.js';
import { StdioSink } from '../../src/logs/sinks/stdio-sink.js';
import { teeSinks } from '../../src/logs/sinks/tee-sink.js';
import { TslogSink } from '../../src/logs/sinks/tslog-sink.js';

const job: JobInfo = { name: 'etl-users', image: 'busybox', containerId: '0123456789abcdef0123' };
const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout', extra: Partial<LogLine> = {}): LogLine => ({ stream, text, receivedAt: Date.UTC(2026, 10, 23, 10, 0, 0, 123), ...extra });
const bytes = (text: string | Uint8Array, stream: 'stdout' | 'stderr' = 'stdout'): OutputBytes => ({ stream, data: typeof text === 'string' ? Buffer.from(text) : text, receivedAt: 1 });

/** A writable that keeps what it receives and can be made to stall or fail. */
class Collector extends Writable {
  readonly parts: Buffer[] = [];
  writes = 0;
  constructor(highWaterMark = 16 * 1024) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writes++;
    this.parts.push(Buffer.from(chunk));
    done();
  }
  get text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/** Lets pending immediates run. */
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('StdioSink', () => {
  it('writes bytes exactly as given, to the stream they came from', async () => {
    const out = new Collector();
    const err = new Collector();
    const sink = new StdioSink({ stdout: out, stderr: err });
    const invalid = new Uint8Array([0x66, 0xff, 0x0d, 0x0a]);
    sink.writeBytes(bytes('hello\r\n'));
    sink.writeBytes(bytes(invalid));
    sink.writeBytes(bytes('oops', 'stderr'));
    await sink.close();
    expect(Buffer.concat(out.parts)).toEqual(Buffer.concat([Buffer.from('hello\r\n'), invalid]));
    expect(err.text).toBe('oops');
  });

  it('writes lines with \\n, joining continued pieces, batched into few writes', async () => {
    const out = new Collector();
    const sink = new StdioSink({ stdout: out, stderr: new Collector() });
    for (let i = 0; i < 1000; i++) sink.write(line(`line ${i}`));
    sink.write(line('cut ', 'stdout', { continued: true }));
    sink.write(line('here'));
    await sink.close();
    expect(out.text).toBe([...Array.from({ length: 1000 }, (_, i) => `line ${i}`), 'cut here'].join('\n') + '\n');
    expect(out.writes).toBeLessThan(5);
  });

  it('writes gathered lines on the next turn of the event loop, without waiting for close', async () => {
    const out = new Collector();
    const sink = new StdioSink({ stdout: out, stderr: new Collector() });
    sink.write(line('soon'));
    expect(out.text).toBe('');
    await tick();
    expect(out.text).toBe('soon\n');
    await sink.close();
  });

  it('keeps stdout and stderr lines in order when both go to one stream', async () => {
    const both = new Collector();
    const sink = new StdioSink({ stdout: both, stderr: both });
    sink.write(line('o1'));
    sink.write(line('e1', 'stderr'));
    sink.write(line('o2'));
    await sink.close();
    expect(both.text).toBe('o1\ne1\no2\n');
  });

  it('returns a promise while the stream is full, and resolves it when the stream drains (backpressure)', async () => {
    const slow = new PassThrough({ highWaterMark: 16 });
    const sink = new StdioSink({ stdout: slow, stderr: new Collector() });
    const first = sink.writeBytes(bytes('x'.repeat(64)));
    expect(first).toBeInstanceOf(Promise);
    let resolved = false;
    void (first as Promise<void>).then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    slow.read(); // the reader catches up
    await tick();
    expect(resolved).toBe(true);
    const closing = sink.close();
    slow.resume();
    await closing;
  });

  it('fails (and so gets detached) instead of crashing the process when the stream errors', async () => {
    const broken = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const sink = new StdioSink({ stdout: broken, stderr: new Collector() });
    sink.writeBytes(bytes('first'));
    await tick();
    expect(() => sink.writeBytes(bytes('second'))).toThrow('write EPIPE');
    await expect(sink.close()).rejects.toThrow('write EPIPE');
  });

  it('waits on close until the streams have taken every write, and does not end them', async () => {
    let release!: () => void;
    const gated = new Writable({
      write(_chunk, _enc, done) {
        release = () => done();
      },
    });
    const sink = new StdioSink({ stdout: gated, stderr: new Collector() });
    sink.writeBytes(bytes('pending'));
    let closed = false;
    const closing = sink.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false);
    release();
    await closing;
    expect(gated.writableEnded).toBe(false);
  });
});

describe('JsonLinesSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docker-job-jsonl-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const records = async (path: string) => (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one JSON object per line with time, stream, text, job and container', async () => {
    const path = join(dir, 'lines.jsonl');
    const sink = new JsonLinesSink(path);
    await sink.open(job);
    sink.write(line('rows loaded: 42'));
    sink.write(line('quote " and\ttab and é', 'stderr'));
    sink.write(line('cut', 'stdout', { continued: true }));
    await sink.close();
    expect(await records(path)).toEqual([
      { time: '2026-11-23T10:00:00.123Z', stream: 'stdout', text: 'rows loaded: 42', job: 'etl-users', container: '0123456789ab' },
      { time: '2026-11-23T10:00:00.123Z', stream: 'stderr', text: 'quote " and\ttab and é', job: 'etl-users', container: '0123456789ab' },
      { time: '2026-11-23T10:00:00.123Z', stream: 'stdout', text: 'cut', continued: true, job: 'etl-users', container: '0123456789ab' },
    ]);
  });

  it('writes events as records, unless told not to', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonLinesSink(path);
    await sink.open(job);
    sink.event({ type: 'exited', exitCode: 3, oomKilled: false });
    await sink.close();
    expect(await records(path)).toEqual([{ time: expect.stringMatching(/Z$/), event: 'exited', exitCode: 3, oomKilled: false, job: 'etl-users', container: '0123456789ab' }]);

    const quiet = join(dir, 'quiet.jsonl');
    const noEvents = new JsonLinesSink(quiet, { events: false });
    await noEvents.open(job);
    noEvents.event({ type: 'started', containerId: 'x' });
    noEvents.write(line('only me'));
    await noEvents.close();
    expect((await records(quiet)).map((r) => r['text'])).toEqual(['only me']);
  });

  it('appends to an existing file by default, and replaces it with append: false', async () => {
    const path = join(dir, 'append.jsonl');
    await writeFile(path, '{"old":true}\n');
    const sink = new JsonLinesSink(path);
    await sink.open(job);
    sink.write(line('new'));
    await sink.close();
    expect((await records(path)).length).toBe(2);

    const replacing = new JsonLinesSink(path, { append: false });
    await replacing.open(job);
    replacing.write(line('only'));
    await replacing.close();
    expect((await records(path)).map((r) => r['text'])).toEqual(['only']);
  });

  it('fails in open when the file cannot be opened, and close does not throw a second time', async () => {
    const sink = new JsonLinesSink(join(dir, 'no', 'such', 'dir', 'x.jsonl'));
    await expect(sink.open(job)).rejects.toThrow(/ENOENT/);
    await expect(sink.close()).rejects.toThrow(/ENOENT/);
  });

  it('writes to a stream it is given and leaves it open', async () => {
    const out = new Collector();
    const sink = new JsonLinesSink(out);
    await sink.open(job);
    sink.write(line('to a stream'));
    await sink.close();
    expect(JSON.parse(out.text)).toMatchObject({ text: 'to a stream' });
    expect(out.writableEnded).toBe(false);
  });

  it('writes 100,000 lines in few writes and keeps them all', async () => {
    const out = new Collector(1 << 30);
    const sink = new JsonLinesSink(out);
    await sink.open(job);
    for (let i = 0; i < 100_000; i++) sink.write(line(`line ${i}`));
    await sink.close();
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines[99_999] as string)).toMatchObject({ text: 'line 99999' });
    expect(out.writes).toBeLessThan(200);
  });
});

describe('callbackSink', () => {
  it('calls the function with each line and the optional hooks', async () => {
    const seen: string[] = [];
    const sink = callbackSink((l) => void seen.push(l.text), {
      onOpen: (j) => void seen.push(`open ${j.name}`),
      onEvent: (e) => void seen.push(`event ${e.type}`),
      onClose: () => void seen.push('close'),
    });
    await sink.open?.(job);
    await sink.write(line('a'));
    await sink.event?.({ type: 'started', containerId: 'x' });
    await sink.close?.();
    expect(seen).toEqual(['open etl-users', 'a', 'event started', 'close']);
    expect(sink.name).toBe('callbackSink');
  });

  it('passes the promise of an async function on (backpressure)', () => {
    const sink = callbackSink(async () => {});
    expect(sink.write(line('a'))).toBeInstanceOf(Promise);
  });

  it('has only the hooks it was given', () => {
    const sink = callbackSink(() => {}, { name: 'mine' });
    expect(sink.name).toBe('mine');
    expect(sink.open).toBeUndefined();
    expect(sink.event).toBeUndefined();
    expect(sink.close).toBeUndefined();
  });
});

describe('teeSinks', () => {
  it('sends lines, events, open and close to every member', async () => {
    const a = new MemorySink();
    const b = new MemorySink();
    const events: string[] = [];
    const tee = teeSinks([a, b, callbackSink(() => {}, { onEvent: (e) => void events.push(e.type) })]);
    await tee.open?.(job);
    await tee.write(line('x'));
    await tee.event?.({ type: 'started', containerId: 'c' });
    await tee.close?.();
    expect(a.text()).toBe('x');
    expect(b.text()).toBe('x');
    expect(events).toEqual(['started']);
  });

  it('isolates a failing member: reports it once, never throws, the others go on', async () => {
    const good = new MemorySink();
    const reported: string[] = [];
    const tee = teeSinks([{ name: 'bad', write: () => Promise.reject(new Error('down')) }, good], { onFailure: (f) => void reported.push(`${f.index} ${f.sink}`) });
    await tee.write(line('1'));
    await tee.write(line('2'));
    expect(good.text()).toBe('1\n2');
    expect(reported).toEqual(['0 bad']);
    expect(tee.failures).toHaveLength(1);
  });

  it('takes bytes only when every member does', () => {
    const byteSink = (): LogSink => ({ write: () => {}, writeBytes: () => {} });
    expect(teeSinks([byteSink(), byteSink()]).writeBytes).toBeTypeOf('function');
    expect(teeSinks([byteSink(), new MemorySink()]).writeBytes).toBeUndefined();
    expect(teeSinks([]).writeBytes).toBeUndefined();
  });

  it('passes bytes on to every member when all take bytes', () => {
    const got: string[] = [];
    const member = (n: string): LogSink => ({ write: () => {}, writeBytes: (c) => void got.push(`${n}:${Buffer.from(c.data).toString()}`) });
    teeSinks([member('a'), member('b')]).writeBytes?.(bytes('raw'));
    expect(got).toEqual(['a:raw', 'b:raw']);
  });
});

describe('TslogSink', () => {
  function capture() {
    const records: Record<string, unknown>[] = [];
    const logger = new Logger<Record<string, unknown>>({ type: 'hidden', name: 'test' });
    logger.attachTransport((record) => void records.push(record as Record<string, unknown>));
    return { logger, records };
  }
  const meta = (r: Record<string, unknown>) => r['_logMeta'] as { logLevelName: string; name?: string };

  it('logs stdout at info and stderr at warn, bound to job, container and stream', async () => {
    const { logger, records } = capture();
    const sink = new TslogSink({ logger });
    sink.open(job);
    sink.write(line('hello'));
    sink.write(line('careful', 'stderr'));
    await sink.close();
    expect(records.map((r) => [meta(r).logLevelName, r['0'], r['job'], r['container'], r['stream']])).toEqual([
      ['INFO', 'hello', 'etl-users', '0123456789ab', 'stdout'],
      ['WARN', 'careful', 'etl-users', '0123456789ab', 'stderr'],
    ]);
  });

  it('marks a cut line as continued', () => {
    const { logger, records } = capture();
    const sink = new TslogSink({ logger });
    sink.open(job);
    sink.write(line('piece', 'stdout', { continued: true }));
    expect(records[0]).toMatchObject({ 0: 'piece', 1: { continued: true } });
  });

  it('logs lifecycle events at debug (stopping at warn) and skips pull progress', () => {
    const { logger, records } = capture();
    const sink = new TslogSink({ logger });
    sink.open(job);
    sink.event({ type: 'pull-progress', image: 'busybox', status: 'Downloading' });
    sink.event({ type: 'started', containerId: 'abc' });
    sink.event({ type: 'stopping', reason: 'timeout', graceSeconds: 10 });
    expect(records.map((r) => [meta(r).logLevelName, r['0']])).toEqual([
      ['DEBUG', 'job started'],
      ['WARN', 'job stopping'],
    ]);
  });
});

describe('TslogSink without a logger of its own', () => {
  it('loads tslog when needed and logs to a default logger, even before open', async () => {
    const sink = new TslogSink();
    const written = sink.write(line('before open'));
    expect(written).toBeInstanceOf(Promise); // tslog is still loading
    await written;
    await sink.open(job);
    expect(sink.write(line('after open'))).toBeUndefined();
    await sink.close();
  });
});
