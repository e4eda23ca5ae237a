import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { maskableValues, SecretMasker } from '../../src/logs/secret-masker.js';
import { cut } from '../support/bytes.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds the chunks through one masker and returns everything it let out, decoded. */
function mask(values: readonly string[], chunks: readonly (string | Uint8Array)[]): string {
  const masker = new SecretMasker(values);
  const out: Uint8Array[] = chunks.map((c) => masker.push(typeof c === 'string' ? enc.encode(c) : c));
  out.push(masker.end());
  return dec.decode(Buffer.concat(out));
}


/** The obvious whole-text implementation: leftmost occurrence first, longest value at a tie. */
function reference(values: readonly string[], text: string): string {
  const sorted = [...new Set(values)].filter((v) => v !== '').sort((a, b) => b.length - a.length);
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const hit = sorted.find((v) => text.startsWith(v, pos));
    if (hit) {
      out += '***';
      pos += hit.length;
    } else {
      out += text[pos];
      pos++;
    }
  }
  return out;
}

describe('SecretMasker', () => {
  it('replaces every occurrence of a value with ***', () => {
    expect(mask(['hunter22'], ['password is hunter22, again: hunter22\n'])).toBe('password is ***, again: ***\n');
  });

  it('passes output without a value through unchanged, without a copy', () => {
    const masker = new SecretMasker(['hunter22']);
    const chunk = Buffer.from('nothing to see here\n');
    expect(masker.push(chunk)).toBe(chunk);
    expect(masker.end()).toHaveLength(0);
  });

  it('does nothing (and copies nothing) without values', () => {
    const masker = new SecretMasker(['', '']);
    const chunk = enc.encode('hunter22');
    expect(masker.push(chunk)).toBe(chunk);
  });

  it('masks a value split across two chunks at every position', () => {
    const text = 'before s3cr3t-value after';
    const bytes = enc.encode(text);
    for (let p = 0; p <= bytes.length; p++) {
      expect(mask(['s3cr3t-value'], cut(bytes, [p])), `cut at ${p}`).toBe('before *** after');
    }
  });

  it('masks a value delivered one byte per chunk', () => {
    expect(mask(['tok3n!'], Array.from(enc.encode('a tok3n! b tok3n!'), (b) => new Uint8Array([b])))).toBe('a *** b ***');
  });

  it('masks a multi-byte value split inside a character', () => {
    const bytes = enc.encode('x=пароль😀 y');
    for (let p = 0; p <= bytes.length; p++) {
      expect(mask(['пароль😀'], cut(bytes, [p])), `cut at ${p}`).toBe('x=*** y');
    }
  });

  it('masks a value that spans a line break', () => {
    expect(mask(['-----BEGIN KEY-----\nMIIB'], ['key:\n-----BEGIN KEY-----\nMIIB...\n'])).toBe('key:\n***...\n');
  });

  it('holds back only an end that could start a value, and lets the rest out at once', () => {
    const masker = new SecretMasker(['secret-value']);
    expect(dec.decode(masker.push(enc.encode('line one\nsec')))).toBe('line one\n');
    expect(masker.heldBytes).toBe(3);
    expect(dec.decode(masker.push(enc.encode('ond line\n')))).toBe('second line\n');
    expect(masker.heldBytes).toBe(0);
  });

  it('lets out a held-back beginning that never completes, at the end', () => {
    const masker = new SecretMasker(['secret-value']);
    expect(dec.decode(masker.push(enc.encode('no newline: secret-va')))).toBe('no newline: ');
    expect(dec.decode(masker.end())).toBe('secret-va');
  });

  it('prefers the longest of values starting at the same place, even across chunks', () => {
    expect(mask(['abcdef', 'abcdefghij'], ['xx abcdefgh', 'ij yy'])).toBe('xx *** yy');
    expect(mask(['abcdef', 'abcdefghij'], ['xx abcdefgh', 'XX yy'])).toBe('xx ***ghXX yy');
  });

  it('prefers the leftmost of overlapping values', () => {
    expect(mask(['abcdef', 'defghi'], ['abcdefghi'])).toBe('***ghi');
  });

  it('masks adjacent and repeated occurrences', () => {
    expect(mask(['aaaa'], ['aaaaaaaaa'])).toBe('******a');
    expect(mask(['xyz123'], ['xyz123xyz123'])).toBe('******');
  });

  describe('properties', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', '\n', 'é', '😀');
    const value = fc.string({ unit: alphabet, minLength: 1, maxLength: 6 });

    it('gives the same output as masking the whole text at once, for any chunking', () => {
      fc.assert(
        fc.property(
          fc.array(value, { minLength: 1, maxLength: 4 }),
          fc.string({ unit: alphabet, maxLength: 80 }),
          fc.array(fc.nat(), { maxLength: 10 }),
          (values, text, rawCuts) => {
            const bytes = enc.encode(text);
            const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
            expect(mask(values, cut(bytes, positions))).toBe(reference(values, text));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('leaves no value in the output when values are inserted into random text', () => {
      fc.assert(
        fc.property(
          fc.array(fc.string({ unit: fc.constantFrom('s', 'e', 'c', 'r', '€'), minLength: 3, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
          fc.array(fc.tuple(fc.string({ unit: fc.constantFrom('x', 'y', '\n', ' '), maxLength: 10 }), fc.nat()), { maxLength: 10 }),
          fc.array(fc.nat(), { maxLength: 12 }),
          (values, pieces, rawCuts) => {
            const text = pieces.map(([filler, n]) => filler + (values[n % values.length] as string)).join('');
            const bytes = enc.encode(text);
            const positions = [...new Set(rawCuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
            const out = mask(values, cut(bytes, positions));
            for (const v of values) expect(out.includes(v), `${JSON.stringify(v)} in ${JSON.stringify(out)}`).toBe(false);
            expect(out.replaceAll('***', '')).toBe(pieces.map(([filler]) => filler).join(''));
          },
        ),
        { numRuns: 500 },
      );
    });

    it('never holds back more than the longest value minus one byte', () => {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), fc.array(fc.string({ unit: alphabet, maxLength: 20 }), { maxLength: 8 }), (values, chunks) => {
          const masker = new SecretMasker(values);
          const longest = Math.max(...values.map((v) => enc.encode(v).length));
          for (const c of chunks) {
            masker.push(enc.encode(c));
            expect(masker.heldBytes).toBeLessThan(longest);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('maskableValues', () => {
  it('keeps values of at least minLength characters, once each', () => {
    expect(maskableValues(['hunter22', 'true', '', 'hunter22', 'ab'], 6)).toEqual(['hunter22']);
    expect(maskableValues(['true', 'ab'], 1)).toEqual(['true', 'ab']);
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    expect(maskableValues(['😀😀😀'], 3)).toEqual(['😀😀😀']);
    expect(maskableValues(['éé'], 3)).toEqual([]);
  });

  it('adds the \\r\\n form of a value with line breaks, as a TTY prints it', () => {
    expect(maskableValues(['line one\nline two'], 6)).toEqual(['line one\nline two', 'line one\r\nline two']);
  });
});
