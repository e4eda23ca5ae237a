import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { OutputTail } from '../../src/logs/output-tail.js';

const enc = new TextEncoder();

function tailOf(chunks: readonly string[], maxBytes?: number): OutputTail {
  const tail = new OutputTail(maxBytes);
  for (const c of chunks) tail.push(enc.encode(c));
  return tail;
}

describe('OutputTail', () => {
  it('gives back the last lines, without line breaks', () => {
    expect(tailOf(['one\ntwo\r\nthree\n']).lines(2)).toEqual(['two', 'three']);
    expect(tailOf(['one\ntwo\nthree']).lines(5)).toEqual(['one', 'two', 'three']);
  });

  it('is empty for a stream without output, or for 0 lines', () => {
    expect(new OutputTail().lines()).toEqual([]);
    expect(tailOf(['x\n']).lines(0)).toEqual([]);
  });

  it('keeps empty lines', () => {
    expect(tailOf(['a\n\nb\n']).lines()).toEqual(['a', '', 'b']);
  });

  it('keeps only a window of the last bytes, and drops the line cut by the window', () => {
    const tail = tailOf(['first line\n', 'second\n', 'third\n'], 12);
    // The window holds "cond\nthird\n": "cond" is the end of a cut line, dropped.
    expect(tail.lines()).toEqual(['third']);
  });

  it('gives back the end of a line longer than the window, marked with …', () => {
    expect(tailOf(['x'.repeat(100) + 'the end'], 10).lines()).toEqual(['…xxxthe end']);
    expect(tailOf(['x'.repeat(100) + 'the end\n'], 10).lines()).toEqual(['…xxthe end']);
  });

  it('does not start inside a UTF-8 character when the window cuts one', () => {
    const tail = tailOf(['ééééé'], 5); // 10 bytes: the window starts at a character boundary or inside one
    expect(tail.lines()[0]).toMatch(/^…é+$/);
    const odd = tailOf(['éééé!'], 6); // the window starts in the middle of an é
    expect(odd.lines()).toEqual(['…éé!']);
  });

  it('wraps around its ring buffer correctly, chunk after chunk', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '\n'), maxLength: 30 }), { maxLength: 20 }), fc.integer({ min: 1, max: 40 }), (chunks, cap) => {
        const tail = new OutputTail(cap);
        for (const c of chunks) tail.push(enc.encode(c));
        const all = chunks.join('');
        const window = all.slice(-cap);
        const expected = all.length <= cap ? all.split('\n') : [];
        if (all.length <= cap) {
          if (expected.at(-1) === '') expected.pop();
          expect(tail.lines(1000)).toEqual(expected);
        } else {
          // Every line given back is a whole line of the window (or the marked end of a cut one).
          for (const line of tail.lines(1000)) expect(window.includes(line.replace(/^…/, ''))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes a chunk larger than the window whole', () => {
    expect(tailOf(['a\nb\nc\nd\n'.repeat(1000) + 'last\n'], 16).lines(2)).toEqual(['d', 'last']);
  });

  it('refuses a window of no bytes', () => {
    expect(() => new OutputTail(0)).toThrow(/maxBytes must be a positive integer/);
  });
});
