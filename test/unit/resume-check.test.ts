import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveredStream, RESUME_WINDOW, ResumeMismatch, ResumeSkip } from '../../src/engine/docker/resume-check.js';

/** `data` cut at the given points (sorted, deduplicated, inside it). */
function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, data.length]) {
    if (p > from) out.push(data.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

function delivered(data: Uint8Array, cuts: number[] = [], window?: number): DeliveredStream {
  const d = new DeliveredStream(window);
  for (const c of chunked(data, cuts)) d.record(c);
  return d;
}

/** Feeds a re-read through a skip; what it lets through, or the mismatch. */
function reread(skip: ResumeSkip, log: Uint8Array, cuts: number[] = [], ended = true): Uint8Array | ResumeMismatch {
  const parts: Uint8Array[] = [];
  try {
    for (const c of chunked(log, cuts)) parts.push(skip.take(c));
    if (ended) skip.end();
  } catch (error) {
    if (error instanceof ResumeMismatch) return error;
    throw error;
  }
  return Buffer.concat(parts);
}

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('DeliveredStream', () => {
  it('remembers the first and the last window of bytes, however they were chunked', () => {
    fc.assert(
      fc.property(bytes(0, 80), cuts, fc.integer({ min: 1, max: 16 }), (data, at, window) => {
        const d = delivered(data, at, window);
        expect(d.length).toBe(data.length);
        expect(Buffer.from(d.head())).toEqual(Buffer.from(data.subarray(0, window)));
        expect(Buffer.from(d.tail())).toEqual(Buffer.from(data.subarray(Math.max(0, data.length - window))));
      }),
    );
  });
});

describe('ResumeSkip', () => {
  it('passes on exactly what follows the delivered bytes when the log reproduces the stream', () => {
    fc.assert(
      fc.property(bytes(0, 10_000), fc.nat(), cuts, cuts, (stream, d, sent, read) => {
        const n = d % (stream.length + 1);
        const skip = new ResumeSkip('stdout', delivered(stream.subarray(0, n), sent));
        expect(Buffer.from(reread(skip, stream, read) as Uint8Array)).toEqual(Buffer.from(stream.subarray(n)));
        expect(skip.done).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a log that lost its first bytes (rotated), wherever the resume point is', () => {
    fc.assert(
      fc.property(bytes(64, 12_000), fc.nat(), fc.integer({ min: 1, max: 9_000 }), cuts, (stream, d, lost, read) => {
        const n = 64 + (d % (stream.length - 63)); // at least 64 bytes delivered: random bytes do not repeat by chance
        const log = stream.subarray(Math.min(lost, stream.length));
        const result = reread(new ResumeSkip('stderr', delivered(stream.subarray(0, n))), log, read);
        expect(result).toBeInstanceOf(ResumeMismatch);
        expect(result).toMatchObject({ stream: 'stderr', delivered: n });
      }),
      { numRuns: 200 },
    );
  });

  it('finds bytes the log driver rewrote (an invalid byte stored as U+FFFD) before the resume point', () => {
    fc.assert(
      fc.property(bytes(64, 9_000), fc.nat(), fc.nat(), cuts, (stream, d, at, read) => {
        const n = 64 + (d % (stream.length - 63));
        const p = at % n;
        const log = Buffer.concat([stream.subarray(0, p), Buffer.from([0xef, 0xbf, 0xbd]), stream.subarray(p + 1)]);
        fc.pre(!Buffer.from(stream.subarray(p, p + 3)).equals(Buffer.from([0xef, 0xbf, 0xbd])));
        expect(reread(new ResumeSkip('stdout', delivered(stream.subarray(0, n))), log, read)).toBeInstanceOf(ResumeMismatch);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a log that ends before the resume point, but only once it has ended', () => {
    const stream = Buffer.from('line 1\nline 2\nline 3\n');
    const skip = new ResumeSkip('stdout', delivered(stream));
    expect(reread(skip, stream.subarray(0, 10), [], false)).toEqual(Buffer.alloc(0));
    expect(skip.done).toBe(false);
    expect(() => skip.end()).toThrow(/the log of stdout ends after 10 bytes, but 21 were delivered/);
  });

  it('names the first byte that differs', () => {
    const sent = Buffer.from('out line 1\nout line 2\n');
    const log = Buffer.from('out line 1\nout line 3\n');
    expect(reread(new ResumeSkip('stdout', delivered(sent)), log)).toMatchObject({ message: 'the log of stdout differs from what was delivered at byte 20' });
  });

  it('checks only the remembered windows: a log that lost a whole number of repeats of identical output passes (the documented limit)', () => {
    const line = Buffer.from('waiting for the database\n');
    const stream = Buffer.concat(Array.from({ length: Math.ceil((3 * RESUME_WINDOW) / line.length) }, () => line));
    const n = stream.length - 10 * line.length;
    const log = stream.subarray(4 * line.length); // four lines lost to a rotation
    expect(reread(new ResumeSkip('stdout', delivered(stream.subarray(0, n))), log)).not.toBeInstanceOf(ResumeMismatch);
    // One line with a number in it, anywhere in either window, is enough to see it.
    const numbered = Buffer.from(stream);
    numbered.write('7', n - 3 * line.length);
    expect(reread(new ResumeSkip('stdout', delivered(numbered.subarray(0, n))), numbered.subarray(4 * line.length))).toBeInstanceOf(ResumeMismatch);
  });
});
