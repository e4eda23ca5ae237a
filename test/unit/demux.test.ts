import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { demuxDockerStream, rawDockerStream, StreamProtocolError } from '../../src/engine/docker/demux.js';
import type { OutputChunk } from '../../src/engine/container-engine.js';
import { cut } from '../support/bytes.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One Docker multiplexed frame: [type, 0, 0, 0, size uint32 BE] + payload. */
function frame(type: number, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  const out = new Uint8Array(8 + body.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(4, body.length, false);
  out.set(body, 8);
  return out;
}

const stdout = (p: Uint8Array | string) => frame(1, p);
const stderr = (p: Uint8Array | string) => frame(2, p);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}


async function* source(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** Drains the demuxer: the chunks it yielded and the error it threw, if any. */
async function drain(chunks: readonly Uint8Array[]): Promise<{ out: OutputChunk[]; error: unknown }> {
  const out: OutputChunk[] = [];
  try {
    for await (const c of demuxDockerStream(source(chunks))) out.push({ stream: c.stream, data: Uint8Array.from(c.data) });
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  }
}

function bytesOf(out: readonly OutputChunk[], stream: 'stdout' | 'stderr'): Uint8Array {
  return concat(out.filter((c) => c.stream === stream).map((c) => c.data));
}

function textOf(out: readonly OutputChunk[], stream: 'stdout' | 'stderr'): string {
  return dec.decode(bytesOf(out, stream));
}

describe('demuxDockerStream', () => {
  it('splits stdout and stderr frames of one chunk into separate chunks, in order', async () => {
    const { out, error } = await drain([concat([stdout('out1 '), stderr('err1 '), stdout('out2')])]);
    expect(error).toBeUndefined();
    expect(out.map((c) => [c.stream, dec.decode(c.data)])).toEqual([
      ['stdout', 'out1 '],
      ['stderr', 'err1 '],
      ['stdout', 'out2'],
    ]);
  });

  it('joins consecutive frames of the same stream within one chunk into one output chunk', async () => {
    const { out } = await drain([concat([stdout('a'), stdout('b'), stdout('c'), stderr('x'), stderr('y')])]);
    expect(out.map((c) => [c.stream, dec.decode(c.data)])).toEqual([
      ['stdout', 'abc'],
      ['stderr', 'xy'],
    ]);
  });

  it('passes a piece of 8 KiB or more on as a view into the transport chunk, without a copy', async () => {
    const big = new Uint8Array(8192).fill(97);
    const chunk = concat([stdout('small'), stdout(big), stderr(big)]);
    const seen: OutputChunk[] = [];
    for await (const c of demuxDockerStream(source([chunk]))) seen.push(c);
    expect(seen.map((c) => [c.stream, c.data.length])).toEqual([
      ['stdout', 5],
      ['stdout', 8192],
      ['stderr', 8192],
    ]);
    expect(seen[1]?.data.buffer).toBe(chunk.buffer);
    expect(seen[2]?.data.buffer).toBe(chunk.buffer);
  });

  it('joins a byte-at-a-time child into chunks of up to about 64 KiB', async () => {
    const frames = Array.from({ length: 100_000 }, (_, i) => stdout(String.fromCharCode(97 + (i % 26))));
    const { out, error } = await drain([concat(frames)]);
    expect(error).toBeUndefined();
    expect(out.length).toBeLessThanOrEqual(2);
    expect(bytesOf(out, 'stdout').length).toBe(100_000);
  });

  it('does not join frames that arrive in different chunks (passes bytes on as they arrive)', async () => {
    const { out } = await drain([stdout('a'), stdout('b')]);
    expect(out.map((c) => dec.decode(c.data))).toEqual(['a', 'b']);
  });

  it('passes a partial payload on before the rest of its frame arrives', async () => {
    const whole = stdout('hello world');
    const it = demuxDockerStream(
      (async function* () {
        yield whole.slice(0, 8 + 5);
        // The consumer must have the first part before the source is asked for more.
        throw new Error('source read too early');
      })(),
    );
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value && dec.decode(first.value.data)).toBe('hello');
    await expect(it.next()).rejects.toThrow('source read too early');
  });

  it('gives the same bytes per stream for a cut at every byte position', async () => {
    const frames = [stdout('héllo '), stderr('wörld\n'), stdout(''), frame(0, 'stdin echo'), stdout('😀 end'), stderr(new Uint8Array([0, 255, 10]))];
    const bytes = concat(frames);
    for (let p = 0; p <= bytes.length; p++) {
      const { out, error } = await drain(cut(bytes, [p]));
      expect(error, `cut at ${p}`).toBeUndefined();
      expect(textOf(out, 'stdout'), `cut at ${p}`).toBe('héllo 😀 end');
      expect(bytesOf(out, 'stderr'), `cut at ${p}`).toEqual(concat([enc.encode('wörld\n'), new Uint8Array([0, 255, 10])]));
    }
  });

  it('gives the same bytes per stream for every pair of cut positions', async () => {
    const bytes = concat([stdout('ab'), stderr('cd'), stdout('ef')]);
    for (let p = 0; p <= bytes.length; p++) {
      for (let q = p; q <= bytes.length; q++) {
        const { out, error } = await drain(cut(bytes, [p, q]));
        expect(error).toBeUndefined();
        expect(textOf(out, 'stdout')).toBe('abef');
        expect(textOf(out, 'stderr')).toBe('cd');
      }
    }
  });

  it('handles one byte per chunk', async () => {
    const bytes = concat([stdout('one'), stderr('two'), stdout('three')]);
    const { out, error } = await drain(Array.from(bytes, (b) => new Uint8Array([b])));
    expect(error).toBeUndefined();
    expect(textOf(out, 'stdout')).toBe('onethree');
    expect(textOf(out, 'stderr')).toBe('two');
  });

  it('skips empty transport chunks', async () => {
    const { out, error } = await drain([new Uint8Array(0), stdout('x'), new Uint8Array(0)]);
    expect(error).toBeUndefined();
    expect(textOf(out, 'stdout')).toBe('x');
  });

  it('yields nothing for an empty stream', async () => {
    expect(await drain([])).toEqual({ out: [], error: undefined });
  });

  it('accepts a zero-length frame and yields no empty chunk for it', async () => {
    const { out, error } = await drain([stdout(''), concat([stderr(''), stdout('after')])]);
    expect(error).toBeUndefined();
    expect(out.every((c) => c.data.length > 0)).toBe(true);
    expect(textOf(out, 'stdout')).toBe('after');
  });

  it('reads a large frame whose size uses all four size bytes', async () => {
    const payload = new Uint8Array(70_000).map((_, i) => i % 251);
    const bytes = stdout(payload);
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0, 1, 0x11, 0x70]);
    const { out } = await drain(cut(bytes, [3, 9, 65_536, 69_000]));
    expect(bytesOf(out, 'stdout')).toEqual(payload);
  });

  it('drops stdin frames (type 0)', async () => {
    const { out, error } = await drain([concat([frame(0, 'typed input'), stdout('a'), frame(0, 'more'), stdout('b')])]);
    expect(error).toBeUndefined();
    expect(out.map((c) => [c.stream, dec.decode(c.data)])).toEqual([['stdout', 'ab']]);
  });

  describe('errors', () => {
    it('throws a StreamProtocolError with the daemon text of a type-3 frame, after yielding earlier data', async () => {
      const { out, error } = await drain([stdout('before '), concat([stderr('err '), stdout('same chunk'), frame(3, '  no space left on device\n')])]);
      expect(textOf(out, 'stdout')).toBe('before same chunk');
      expect(textOf(out, 'stderr')).toBe('err ');
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect((error as Error).name).toBe('StreamProtocolError');
      expect((error as Error).message).toBe('the engine reported an error in the output stream: no space left on device');
    });

    it('stops at a type-3 frame and yields nothing after it', async () => {
      const { out, error } = await drain([concat([frame(3, 'boom'), stdout('after')])]);
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect(out).toEqual([]);
    });

    it('collects the daemon text of a type-3 frame split across chunks', async () => {
      const bytes = concat([frame(3, 'split message')]);
      const { error } = await drain(cut(bytes, [10, 14]));
      expect((error as Error).message).toContain('split message');
    });

    it('keeps a multi-byte character of the daemon text whole when it is split across chunks', async () => {
      const bytes = frame(3, 'disque plein: é');
      for (let p = 8; p <= bytes.length; p++) {
        const { error } = await drain(cut(bytes, [p]));
        expect((error as Error).message, `cut at ${p}`).toContain('disque plein: é');
      }
    });

    it('throws for a zero-length type-3 frame', async () => {
      const { error } = await drain([frame(3, '')]);
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect((error as Error).message).toBe('the engine reported an error in the output stream');
    });

    it('throws for an unknown frame type and names it', async () => {
      const { error } = await drain([stdout('ok'), frame(7, 'x')]);
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect((error as Error).message).toBe('unknown frame type 7 in the output stream');
    });

    it('passes on data from earlier chunks before throwing for an unknown frame type', async () => {
      const { out } = await drain([stdout('ok'), frame(7, 'x')]);
      expect(textOf(out, 'stdout')).toBe('ok');
    });

    it('passes on data from the same chunk before throwing for an unknown frame type', async () => {
      const { out, error } = await drain([concat([stdout('ok'), frame(7, 'x')])]);
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect(textOf(out, 'stdout')).toBe('ok');
    });

    it('throws when the stream ends inside a frame header, after yielding earlier data', async () => {
      const bytes = concat([stdout('complete'), stderr('next')]);
      const { out, error } = await drain([bytes.slice(0, 8 + 8 + 3)]);
      expect(textOf(out, 'stdout')).toBe('complete');
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect((error as Error).message).toBe('the output stream ended inside a frame header (3 of 8 bytes)');
    });

    it('throws when the stream ends inside a payload, after yielding the partial payload', async () => {
      const bytes = stdout('0123456789');
      const { out, error } = await drain([bytes.slice(0, 8 + 4)]);
      expect(textOf(out, 'stdout')).toBe('0123');
      expect(error).toBeInstanceOf(StreamProtocolError);
      expect((error as Error).message).toBe('the output stream ended 6 bytes before the end of a frame');
    });

    it('propagates an error of the source after yielding what arrived', async () => {
      const it = demuxDockerStream(
        (async function* () {
          yield stdout('partial');
          throw new Error('socket hang up');
        })(),
      );
      const out: string[] = [];
      await expect(
        (async () => {
          for await (const c of it) out.push(dec.decode(c.data));
        })(),
      ).rejects.toThrow('socket hang up');
      expect(out).toEqual(['partial']);
    });
  });

  describe('property', () => {
    const streamFrame = fc.record({ stream: fc.constantFrom('stdout' as const, 'stderr' as const, 'stdin' as const), bytes: fc.uint8Array({ maxLength: 40 }) });

    it('gives back the per-stream concatenation of random frames, for any chunking', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(streamFrame, { maxLength: 12 }),
          fc.array(fc.nat(), { maxLength: 10 }),
          async (frames, rawCuts) => {
            const bytes = concat(frames.map((f) => frame(f.stream === 'stdout' ? 1 : f.stream === 'stderr' ? 2 : 0, f.bytes)));
            const positions = [...new Set(rawCuts.map((n) => (bytes.length === 0 ? 0 : n % (bytes.length + 1))))].sort((a, b) => a - b);
            const { out, error } = await drain(cut(bytes, positions));
            expect(error).toBeUndefined();
            expect(bytesOf(out, 'stdout')).toEqual(concat(frames.filter((f) => f.stream === 'stdout').map((f) => f.bytes)));
            expect(bytesOf(out, 'stderr')).toEqual(concat(frames.filter((f) => f.stream === 'stderr').map((f) => f.bytes)));
            expect(out.every((c) => c.data.length > 0)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe('rawDockerStream', () => {
  it('passes every chunk on unchanged, as the merged stream (a TTY is one device)', async () => {
    const chunks = [enc.encode('hello '), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 3]), enc.encode('\x1b[31mred\x1b[0m')];
    const out: OutputChunk[] = [];
    for await (const c of rawDockerStream(source(chunks))) out.push(c);
    expect(out).toEqual(chunks.map((data) => ({ stream: 'merged', data })));
    expect(out[1]?.data).toBe(chunks[1]);
  });

  it('yields nothing for an empty source', async () => {
    const out: OutputChunk[] = [];
    for await (const c of rawDockerStream(source([]))) out.push(c);
    expect(out).toEqual([]);
  });
});
