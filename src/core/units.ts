import type { ParseResult } from './command.js';

const BINARY_UNITS: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|b)?$/i;

/**
 * Parses an amount of memory the way `docker run --memory`, `--memory-swap` and `--shm-size` do
 * (docker's `RAMInBytes`): a decimal number, an optional single space, and an optional unit `b`,
 * `k`, `m`, `g`, `t` or `p` (powers of 1024, any case, optionally followed by `b` or `ib`):
 * `512m`, `1.5g`, `64MiB`, `1024`. Fractions of a byte are dropped, as docker drops them.
 *
 * Stricter than docker in one way: exponents (`1e3m`) and signs are refused.
 * Pure; never throws.
 * @example parseByteSize('512m') // { ok: true, value: 536870912 }
 */
export function parseByteSize(text: string): ParseResult<number> {
  const match = SIZE.exec(text);
  if (!match) return { ok: false, message: `"${text}" is not an amount of memory`, expected: 'a number with an optional unit b, k, m, g, t, p (powers of 1024), e.g. 512m or 1.5g' };
  const unit = match[2]?.toLowerCase();
  const bytes = Math.trunc(Number(match[1]) * (unit === undefined ? 1 : (BINARY_UNITS[unit] as number)));
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: `"${text}" is too large`, expected: `at most ${Number.MAX_SAFE_INTEGER} bytes` };
  return { ok: true, value: bytes };
}

/**
 * Writes a byte count in the largest binary unit that divides it: `536870912` → `512m`. Parsing
 * the result with {@link parseByteSize} gives the same count. Pure.
 */
export function formatByteSize(bytes: number): string {
  for (const unit of ['p', 't', 'g', 'm', 'k'] as const) {
    const size = BINARY_UNITS[unit] as number;
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

const NANO = 1_000_000_000;

/**
 * Parses a number of CPUs the way `docker run --cpus` does, into nano-CPUs (the engine's
 * `NanoCpus`). A string is a decimal with at most nine decimals, converted exactly (`"1.5"` →
 * 1500000000; `"0.0000000001"` is refused as too precise, as docker refuses it). A number is
 * rounded to the nearest nano-CPU, so `0.1 + 0.2` means 0.3 CPUs. `0` means no limit.
 * Pure; never throws.
 */
export function parseNanoCpus(input: string | number): ParseResult<number> {
  if (typeof input === 'number') {
    const nano = Math.round(input * NANO);
    if (!Number.isFinite(input) || input < 0) return { ok: false, message: `${input} is not a number of CPUs`, expected: 'a number of CPUs, 0 or more, such as 1.5' };
    if (!Number.isSafeInteger(nano)) return { ok: false, message: `${input} is too large`, expected: 'a realistic number of CPUs' };
    return { ok: true, value: nano };
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(input);
  if (!match || input === '' || input === '.') return { ok: false, message: `"${input}" is not a number of CPUs`, expected: 'a decimal number such as 1.5' };
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > 9) return { ok: false, message: `"${input}" is too precise`, expected: 'at most nine decimals (the engine counts nano-CPUs)' };
  const nano = Number(whole || '0') * NANO + Number(fraction.padEnd(9, '0'));
  if (!Number.isSafeInteger(nano)) return { ok: false, message: `"${input}" is too large`, expected: 'a realistic number of CPUs' };
  return { ok: true, value: nano };
}
