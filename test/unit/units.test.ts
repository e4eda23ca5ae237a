import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatByteSize, parseByteSize, parseNanoCpus } from '../../src/core/units.js';

const size = (text: string) => {
  const r = parseByteSize(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.message}`);
  return r.value;
};

describe('parseByteSize (docker RAMInBytes)', () => {
  it('reads the units docker reads, in powers of 1024, any case, with optional b or ib', () => {
    expect(size('512m')).toBe(536_870_912);
    for (const text of ['512M', '512mb', '512MB', '512mib', '512MiB', '512 m', '0.5g', '524288k']) expect(size(text), text).toBe(536_870_912);
    expect(size('1.5g')).toBe(1_610_612_736);
    expect(size('6m')).toBe(6_291_456);
    expect(size('1t')).toBe(1024 ** 4);
    expect(size('2p')).toBe(2 * 1024 ** 5);
  });

  it('reads a bare number or b as bytes, and drops fractions of a byte as docker does', () => {
    expect(size('1024')).toBe(1024);
    expect(size('1024b')).toBe(1024);
    expect(size('1.5')).toBe(1);
    expect(size('7.5m')).toBe(7_864_320);
    expect(size('0.1m')).toBe(104_857);
    expect(size('0')).toBe(0);
    expect(size('.5k')).toBe(512);
  });

  it('refuses other suffixes, signs, exponents, blanks and empty text, saying what is expected', () => {
    for (const text of ['512xb', '512ki', '512mbb', '-1', '+5m', '1e3m', '512  m', ' 512m', '', 'm', '1,5g', 'Infinity', 'NaN']) {
      const r = parseByteSize(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.expected).toContain('512m');
    }
  });

  it('refuses sizes past what a number holds exactly', () => {
    expect(parseByteSize('99999999p')).toMatchObject({ ok: false, message: '"99999999p" is too large' });
  });

  it('formats a byte count in the largest unit that divides it, and reads it back', () => {
    expect(formatByteSize(536_870_912)).toBe('512m');
    expect(formatByteSize(1_610_612_736)).toBe('1536m');
    expect(formatByteSize(1000)).toBe('1000');
    expect(formatByteSize(0)).toBe('0');
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (n) => {
        expect(size(formatByteSize(n))).toBe(n);
      }), { numRuns: 500 });
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseByteSize(s).ok === 'boolean'), { numRuns: 500 });
  });
});

describe('parseNanoCpus (docker --cpus)', () => {
  const nano = (input: string | number) => {
    const r = parseNanoCpus(input);
    if (!r.ok) throw new Error(`expected ${input} to parse: ${r.message}`);
    return r.value;
  };

  it('converts decimals exactly, up to nine places', () => {
    expect(nano('1.5')).toBe(1_500_000_000);
    expect(nano('0.001')).toBe(1_000_000);
    expect(nano('2')).toBe(2_000_000_000);
    expect(nano('0.000000001')).toBe(1);
    expect(nano('.5')).toBe(500_000_000);
    expect(nano('3.')).toBe(3_000_000_000);
    expect(nano(1.5)).toBe(1_500_000_000);
    expect(nano(0)).toBe(0);
  });

  it('refuses a value more precise than a nano-CPU, as docker does', () => {
    expect(parseNanoCpus('0.0000000001')).toMatchObject({ ok: false, message: '"0.0000000001" is too precise' });
  });

  it('rounds a number to the nearest nano-CPU, so binary fractions do not get in the way', () => {
    expect(nano(0.1 + 0.2)).toBe(300_000_000);
    expect(nano(1e-9)).toBe(1);
    expect(nano(1e-10)).toBe(0);
  });

  it('refuses what is not a plain decimal', () => {
    for (const input of ['', '.', 'abc', '-1', '1e3', '3/2', '1,5', ' 1', 1e21, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(parseNanoCpus(input).ok, String(input)).toBe(false);
  });

  it('gives the same nano-CPUs for a decimal string and for the number it denotes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 999_999_999 }), (whole, frac) => {
        const text = `${whole}.${String(frac).padStart(9, '0')}`;
        expect(nano(text)).toBe(whole * 1e9 + frac);
        expect(nano(Number(text))).toBe(whole * 1e9 + frac);
      }),
      { numRuns: 500 },
    );
  });
});
