import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter } from '../../src/logs/line-splitter.js';
import type { LogLine } from '../../src/logs/log-sink.js';
import { cut } from '../support/bytes.js';

const enc = new TextEncoder();

/** Feeds `chunks` (strings are UTF-8 encoded) and end(), returning every line. */
function split(chunks: readonly (string | Uint8Array)[], maxLineLength?: number, stream: 'stdout' | 'stderr' = 'stdout'): LogLine[] {
  const splitter = new LineSplitter(stream, maxLineLength);
  const lines: LogLine[] = [];
  chunks.forEach((c, i) => lines.push(...splitter.push(typeof c === 'string' ? enc.encode(c) : c, 1000 + i)));
  lines.push(...splitter.end(9999));
  return lines;
}

const texts = (lines: readonly LogLine[]) => lines.map((l) => l.text);

/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;


/** Rebuilds the text from lines: continued pieces join directly, other lines with \n. */
function rejoin(lines: readonly LogLine[]): string {
  return lines.map((l) => (l.continued ? l.text : `${l.text}\n`)).join('').replace(/\n$/, '');
}

describe('LineSplitter', () => {
  it('splits on \\n and drops the line break', () => {
    expect(texts(split(['one\ntwo\nthree\n']))).toEqual(['one', 'two', 'three']);
  });

  it('splits on \\r\\n and drops both characters', () => {
    expect(texts(split(['one\r\ntwo\r\n']))).toEqual(['one', 'two']);
  });

  it('recognises a \\r\\n split between two chunks', () => {
    expect(texts(split(['one\r', '\ntwo\r', '\n']))).toEqual(['one', 'two']);
  });

  it('keeps a lone \\r in the middle of a line', () => {
    expect(texts(split(['progress 10%\rprogress 20%\rdone\n']))).toEqual(['progress 10%\rprogress 20%\rdone']);
  });

  it('keeps a lone \\r at the end of the last, unterminated line', () => {
    expect(texts(split(['tail\r']))).toEqual(['tail\r']);
  });

  it('strips only one \\r before \\n', () => {
    expect(texts(split(['a\r\r\n']))).toEqual(['a\r']);
  });

  it('keeps empty lines', () => {
    expect(texts(split(['a\n\n\nb\n', '\n']))).toEqual(['a', '', '', 'b', '']);
    expect(texts(split(['\r\n']))).toEqual(['']);
  });

  it('returns no line for an empty stream or a stream ending with a line break', () => {
    expect(split([])).toEqual([]);
    expect(split([''])).toEqual([]);
    expect(texts(split(['x\n']))).toEqual(['x']);
  });

  it('returns nothing from push until a line is complete', () => {
    const splitter = new LineSplitter('stdout');
    expect(splitter.push(enc.encode('par'), 1)).toEqual([]);
    expect(splitter.push(enc.encode('tial'), 2)).toEqual([]);
    expect(splitter.push(enc.encode(' line\nnext'), 3)).toEqual([{ stream: 'stdout', text: 'partial line', receivedAt: 3 }]);
  });

  it('flushes the last partial line on end(), stamped with the end time', () => {
    const splitter = new LineSplitter('stderr');
    splitter.push(enc.encode('a\nno newline'), 5);
    expect(splitter.end(42)).toEqual([{ stream: 'stderr', text: 'no newline', receivedAt: 42 }]);
  });

  it('tags every line with its stream and the time of the chunk that completed it', () => {
    const lines = split(['ab', 'c\nd', 'e\n'], undefined, 'stderr');
    expect(lines).toEqual([
      { stream: 'stderr', text: 'abc', receivedAt: 1001 },
      { stream: 'stderr', text: 'de', receivedAt: 1002 },
    ]);
    expect(lines.every((l) => !('continued' in l))).toBe(true);
  });

  describe('UTF-8', () => {
    for (const ch of ['é', '€', '😀', '日']) {
      it(`decodes '${ch}' whole when it is split across two chunks at every byte offset`, () => {
        const bytes = enc.encode(`a${ch}b\n${ch}`);
        for (let p = 0; p <= bytes.length; p++) {
          expect(texts(split(cut(bytes, [p]))), `cut at ${p}`).toEqual([`a${ch}b`, ch]);
        }
      });
    }

    it('decodes a 4-byte character delivered one byte per chunk', () => {
      expect(texts(split(Array.from(enc.encode('😀\n'), (b) => new Uint8Array([b]))))).toEqual(['😀']);
    });

    it('replaces an incomplete character at the end of the stream instead of dropping it', () => {
      expect(texts(split([enc.encode('x€').slice(0, 3)]))).toEqual(['x\uFFFD']);
    });
  });

  describe('long lines', () => {
    it('has a default cap of 1 MiB of UTF-16 code units', () => {
      expect(DEFAULT_MAX_LINE_LENGTH).toBe(1024 * 1024);
      const line = 'x'.repeat(DEFAULT_MAX_LINE_LENGTH);
      expect(split([`${line}\n`])).toEqual([{ stream: 'stdout', text: line, receivedAt: 1000 }]);
      expect(split([`${line}y\n`]).map((l) => [l.text.length, l.continued])).toEqual([
        [DEFAULT_MAX_LINE_LENGTH, true],
        [1, undefined],
      ]);
    });

    it('cuts a completed line longer than maxLineLength, continued on all pieces but the last', () => {
      const lines = split(['abcdefghij\nnext\n'], 4);
      expect(lines.map((l) => [l.text, l.continued === true])).toEqual([
        ['abcd', true],
        ['efgh', true],
        ['ij', false],
        ['next', false],
      ]);
      expect(lines.slice(0, 3).map((l) => l.text).join('')).toBe('abcdefghij');
    });

    it('does not cut a line of exactly maxLineLength', () => {
      expect(split(['abcd\n'], 4)).toEqual([{ stream: 'stdout', text: 'abcd', receivedAt: 1000 }]);
    });

    it('emits pieces of a long unfinished line before its end arrives, bounding memory', () => {
      const splitter = new LineSplitter('stdout', 4);
      expect(splitter.push(enc.encode('abcdefghij'), 1)).toEqual([
        { stream: 'stdout', text: 'abcd', receivedAt: 1, continued: true },
        { stream: 'stdout', text: 'efgh', receivedAt: 1, continued: true },
      ]);
      expect(splitter.push(enc.encode('k\n'), 2)).toEqual([{ stream: 'stdout', text: 'ijk', receivedAt: 2 }]);
    });

    it('cuts a long last line flushed by end()', () => {
      const lines = split(['abcdefg'], 3);
      expect(lines.map((l) => [l.text, l.continued === true])).toEqual([
        ['abc', true],
        ['def', true],
        ['g', false],
      ]);
    });

    it('does not count a \\r\\n split after a cut as part of the line', () => {
      const lines = split(['ab\r', '\n'], 2);
      expect(rejoin(lines)).toBe('ab');
      expect(lines.at(-1)?.continued).toBeUndefined();
    });

    it('gives back the line when its pieces are concatenated, for any line and cap', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !s.includes('\n') && !s.includes('\r')), fc.integer({ min: 2, max: 50 }), (line, max) => {
          const lines = split([`${line}\n`], max);
          expect(lines.map((l) => l.text).join('')).toBe(line);
          // Full pieces are `max` long, or one shorter where a surrogate pair would be cut.
          expect(lines.slice(0, -1).every((l) => l.continued === true && l.text.length >= max - 1 && l.text.length <= max)).toBe(true);
          expect(lines.at(-1)?.continued).toBeUndefined();
        }),
        { numRuns: 200 },
      );
    });

    it('never cuts a surrogate pair: every piece is well-formed UTF-16', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: fc.constantFrom('a', '😀', '日', '𝄞'), maxLength: 80 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.integer({ min: 2, max: 9 }),
          (s, rawCuts, max) => {
            const bytes = enc.encode(s);
            const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
            const lines = split(cut(bytes, positions), max);
            expect(lines.every((l) => !LONE_SURROGATE.test(l.text) && l.text.length <= max)).toBe(true);
            expect(rejoin(lines)).toBe(s);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('cuts one unit early rather than split a surrogate pair at the cap', () => {
      expect(texts(split(['ab😀c\n'], 3))).toEqual(['ab', '😀c']);
    });

    it('refuses a cap below 2 (a surrogate pair must fit)', () => {
      expect(() => new LineSplitter('stdout', 1)).toThrow(/maxLineLength must be an integer of at least 2, got 1/);
    });

    it('keeps a long unfinished line to at most the cap while it grows in many small chunks', () => {
      const splitter = new LineSplitter('stdout', 100);
      const out: LogLine[] = [];
      for (let i = 0; i < 1000; i++) out.push(...splitter.push(enc.encode('0123456789'), i));
      out.push(...splitter.end(2000));
      expect(out).toHaveLength(100);
      expect(out.slice(0, -1).every((l) => l.continued === true && l.text.length === 100)).toBe(true);
      expect(out.map((l) => l.text).join('')).toBe('0123456789'.repeat(1000));
    });
  });

  describe('properties', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\n', 'a', ' ', 'é', '€', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 120 });

    it('joining the lines with \\n gives back the text, for random text and random chunking', () => {
      fc.assert(
        fc.property(
          text.filter((s) => !s.endsWith('\n') && !s.includes('\r')),
          fc.array(fc.nat(), { maxLength: 8 }),
          (s, rawCuts) => {
            const bytes = enc.encode(s);
            const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
            const lines = split(cut(bytes, positions));
            expect(lines.every((l) => l.continued === undefined)).toBe(true);
            expect(lines.map((l) => l.text).join('\n')).toBe(s);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('gives back the text with a small cap too, joining continued pieces directly', () => {
      fc.assert(
        fc.property(
          text.filter((s) => !s.endsWith('\n') && !s.includes('\r')),
          fc.array(fc.nat(), { maxLength: 8 }),
          fc.integer({ min: 2, max: 6 }),
          (s, rawCuts, max) => {
            const bytes = enc.encode(s);
            const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
            const lines = split(cut(bytes, positions), max);
            expect(lines.every((l) => l.text.length <= max)).toBe(true);
            expect(rejoin(lines)).toBe(s);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
