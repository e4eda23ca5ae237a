import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { OutputChunk } from '../../src/engine/container-engine.js';
import type { LogLine, LogSink, OutputBytes } from '../../src/logs/log-sink.js';
import { OutputPipeline } from '../../src/logs/output-pipeline.js';
import { SinkFanout } from '../../src/logs/sink-fanout.js';
import { MemorySink } from '../../src/logs/sinks/memory-sink.js';

const enc = new TextEncoder();

class BytesSink implements LogSink {
  readonly chunks: OutputBytes[] = [];
  write(): void {
    throw new Error('a byte sink must not get lines from the pipeline');
  }
  writeBytes(chunk: OutputBytes): void {
    this.chunks.push(chunk);
  }
  text(stream: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString('utf8');
  }
}

async function* source(chunks: readonly OutputChunk[], failWith?: Error): AsyncGenerator<OutputChunk> {
  for (const c of chunks) yield c;
  if (failWith) throw failWith;
}

const out = (text: string): OutputChunk => ({ stream: 'stdout', data: enc.encode(text) });
const err = (text: string): OutputChunk => ({ stream: 'stderr', data: enc.encode(text) });

function pipelineWith(sinks: LogSink[], maskValues: string[] = []) {
  const fanout = new SinkFanout(sinks, { bytesToByteSinks: true });
  return { fanout, pipeline: new OutputPipeline(fanout, { maskValues }) };
}

describe('OutputPipeline', () => {
  it('gives line sinks lines and byte sinks the bytes, each stream in order', async () => {
    const lines = new MemorySink();
    const bytes = new BytesSink();
    const { pipeline } = pipelineWith([lines, bytes]);
    await pipeline.run(source([out('a\nb'), err('x\r\n'), out('c\n'), err('y')]));
    expect(lines.text('stdout')).toBe('a\nbc');
    expect(lines.text('stderr')).toBe('x\ny');
    expect(bytes.text('stdout')).toBe('a\nbc\n');
    expect(bytes.text('stderr')).toBe('x\r\ny');
  });

  it('masks secrets for every kind of sink and for the tail, across chunks', async () => {
    const lines = new MemorySink();
    const bytes = new BytesSink();
    const { pipeline } = pipelineWith([lines, bytes], ['hunter22']);
    await pipeline.run(source([out('pass=hun'), out('ter22\nagain hunter'), out('22')]));
    expect(lines.text()).toBe('pass=***\nagain ***');
    expect(bytes.text('stdout')).toBe('pass=***\nagain ***');
    expect(pipeline.tail().stdout).toEqual(['pass=***', 'again ***']);
  });

  it('delivers the last partial line and held-back bytes when the source fails, then rethrows', async () => {
    const lines = new MemorySink();
    const bytes = new BytesSink();
    const { pipeline } = pipelineWith([lines, bytes], ['secret-value']);
    await expect(pipeline.run(source([out('done\nlast words: sec')], new Error('connection reset')))).rejects.toThrow('connection reset');
    expect(lines.text()).toBe('done\nlast words: sec');
    expect(bytes.text('stdout')).toBe('done\nlast words: sec');
  });

  it('waits for a slow sink before pulling the next chunk (backpressure)', async () => {
    let pulled = 0;
    let inSink = 0;
    let maxAhead = 0;
    async function* counting(): AsyncGenerator<OutputChunk> {
      for (let i = 0; i < 20; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - inSink);
        yield out(`line ${i}\n`);
      }
    }
    const slow: LogSink = {
      async write() {
        inSink++;
        await new Promise((r) => setTimeout(r, 1));
      },
    };
    const { pipeline } = pipelineWith([slow]);
    await pipeline.run(counting());
    expect(inSink).toBe(20);
    expect(maxAhead).toBe(1);
  });

  it('costs no promise per line when every sink is synchronous', () => {
    const { pipeline } = pipelineWith([new MemorySink(), new BytesSink()]);
    expect(pipeline.push('stdout', enc.encode('a\nb\nc\n'), 1)).toBeUndefined();
  });

  it('stops splitting lines once the last line sink has failed', async () => {
    let calls = 0;
    const failing: LogSink = {
      write() {
        calls++;
        throw new Error('gone');
      },
    };
    const bytes = new BytesSink();
    const { pipeline, fanout } = pipelineWith([failing, bytes]);
    await pipeline.run(source([out('1\n2\n'), out('3\n')]));
    expect(calls).toBe(1);
    expect(fanout.needsLines).toBe(false);
    expect(bytes.text('stdout')).toBe('1\n2\n3\n');
    expect(pipeline.tail().stdout).toEqual(['1', '2', '3']);
  });

  it('keeps a tail per stream even when no sink takes lines', async () => {
    const { pipeline } = pipelineWith([new BytesSink()]);
    await pipeline.run(source([out('o1\no2\n'), err('e1\ne2\ne3')]));
    expect(pipeline.tail(2)).toEqual({ stdout: ['o1', 'o2'], stderr: ['e2', 'e3'], merged: [] });
  });

  it('ends only once, however often it is asked', async () => {
    const lines = new MemorySink();
    const { pipeline } = pipelineWith([lines]);
    await pipeline.run(source([out('x')]));
    await pipeline.end();
    expect(lines.lines.map((l) => l.text)).toEqual(['x']);
  });

  it('gives line sinks the same lines whatever the chunking, with masking on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'k', 'e', 'y', '\n', 'é'), maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), async (text, rawCuts) => {
        const bytes = enc.encode(text);
        const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: OutputChunk[] = [];
        let start = 0;
        for (const p of [...positions, bytes.length]) {
          chunks.push({ stream: 'stdout', data: bytes.slice(start, p) });
          start = p;
        }
        const sink = new MemorySink();
        const { pipeline } = pipelineWith([sink], ['keykey']);
        await pipeline.run(source(chunks));
        const expected = text.replaceAll('keykey', '***').split('\n');
        if (expected.at(-1) === '') expected.pop();
        expect(sink.lines.map((l: LogLine) => l.text)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
