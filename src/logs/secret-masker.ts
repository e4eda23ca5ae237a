/**
 * Streaming replacement of secret values in a job's output, on bytes, before anything decodes or
 * splits them. Internal: `runDockerJob` builds one per stream from `RunOptions.maskSecrets`.
 */
import { MASK, secretNameMatcher, secretValues, type SecretNameMatcher } from '../core/secrets.js';

/** What replaces a secret value in the output: the same mask as in configuration. */
const MASK_BYTES = Buffer.from(MASK);

/**
 * Replaces every occurrence of the given values in one stream of bytes with `***`, including an
 * occurrence split across two chunks.
 *
 * Matching is on the values' UTF-8 bytes, which for valid UTF-8 is the same as matching characters
 * (UTF-8 is self-synchronising: a character's bytes never start inside another character). Where
 * values overlap, the leftmost occurrence wins, and the longest value among those starting there.
 *
 * To catch a value split across chunks, the end of a chunk that could be the start of a value (at
 * most the longest value's length minus one byte, and only when it matches a value's beginning) is
 * held back until the next chunk or {@link end}. Everything else passes on at once, and a chunk
 * with no match and nothing held back passes through without a copy.
 * @internal
 */
export class SecretMasker {
  /** The values' bytes, longest first (so the first found at a position is the longest). */
  readonly #values: Buffer[];
  readonly #longest: number;
  /** `#starts[b] === 1` when some value starts with byte `b`. */
  readonly #starts = new Uint8Array(256);
  #held: Buffer = Buffer.alloc(0);

  /** @param values the secrets; empty values are ignored (masking '' would mask everything). */
  constructor(values: Iterable<string>) {
    const unique = new Set([...values].filter((v) => v !== ''));
    this.#values = [...unique].map((v) => Buffer.from(v, 'utf8')).sort((a, b) => b.length - a.length);
    this.#longest = this.#values[0]?.length ?? 0;
    for (const v of this.#values) this.#starts[v[0] as number] = 1;
  }

  /** How many bytes are held back, waiting for the next chunk. */
  get heldBytes(): number {
    return this.#held.length;
  }

  /** Masks a chunk. Returns the bytes that can be passed on now (possibly empty). */
  push(data: Uint8Array): Uint8Array {
    if (this.#longest === 0) return data;
    const buf = this.#held.length === 0 ? viewOf(data) : Buffer.concat([this.#held, data]);
    return this.#mask(buf, false);
  }

  /** Flushes what was held back, masked. Call once, when the stream has ended. */
  end(): Uint8Array {
    const held = this.#held;
    this.#held = Buffer.alloc(0);
    return held.length === 0 ? held : this.#mask(held, true);
  }

  #mask(buf: Buffer, final: boolean): Uint8Array {
    const len = buf.length;
    let hold = final ? len : this.#holdFrom(buf, 0);
    const next = this.#values.map((v) => buf.indexOf(v, 0));
    let parts: Uint8Array[] | undefined;
    let pos = 0;
    for (;;) {
      // The leftmost occurrence at or after pos; on a tie the longest (values are sorted longest first).
      let start = -1;
      let length = 0;
      for (let i = 0; i < next.length; i++) {
        let at = next[i] as number;
        if (at !== -1 && at < pos) next[i] = at = buf.indexOf(this.#values[i] as Buffer, pos);
        if (at !== -1 && (start === -1 || at < start)) {
          start = at;
          length = (this.#values[i] as Buffer).length;
        }
      }
      // A match at or after the held-back part may still grow into a longer one: decide later.
      if (start === -1 || start >= hold) break;
      (parts ??= []).push(buf.subarray(pos, start), MASK_BYTES);
      pos = start + length;
      if (pos > hold) hold = final ? len : this.#holdFrom(buf, pos);
    }
    this.#held = hold === len ? Buffer.alloc(0) : Buffer.from(buf.subarray(hold)); // a copy: never pin a whole chunk
    if (parts === undefined) return hold === len ? buf : buf.subarray(0, hold);
    parts.push(buf.subarray(pos, hold));
    return Buffer.concat(parts);
  }

  /**
   * The first position at or after `from` whose remaining bytes are a proper beginning of some
   * value (so more bytes could complete it); `buf.length` when there is none.
   */
  #holdFrom(buf: Buffer, from: number): number {
    const len = buf.length;
    for (let p = Math.max(from, len - this.#longest + 1); p < len; p++) {
      if (this.#starts[buf[p] as number] === 0) continue;
      const rest = len - p;
      for (const v of this.#values) {
        if (v.length > rest && buf.compare(v, 0, rest, p, len) === 0) return p;
      }
    }
    return len;
  }
}

function viewOf(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Values shorter than this are not masked by default. See {@link MaskSecretsOptions.minLength}. */
export const DEFAULT_MASK_MIN_LENGTH = 6;

/**
 * The byte sequences to mask for a set of secret values: each value of at least `minLength`
 * characters, and for a value with line breaks also its `\r\n` form (what a TTY prints).
 * @internal
 */
export function maskableValues(values: Iterable<string>, minLength: number = DEFAULT_MASK_MIN_LENGTH): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (value === '' || [...value].length < minLength) continue;
    out.add(value);
    if (value.includes('\n')) out.add(value.replace(/\r?\n/g, '\r\n'));
  }
  return [...out];
}

/**
 * How `runDockerJob` masks secrets in the child's output (`RunOptions.maskSecrets`). By default
 * the values of the job's environment variables whose names look secret are replaced with `***`
 * before any sink sees them.
 */
export interface MaskSecretsOptions {
  /** More values to mask, besides those of the secret-looking variables. */
  readonly values?: readonly string[];
  /** Decides which variable names are secret. Default: {@link secretNameMatcher}`()`. */
  readonly isSecret?: SecretNameMatcher;
  /**
   * Values shorter than this many characters are not masked (default 6): a variable such as
   * `AUTH_ENABLED=true` or `TOKEN_TTL=3600` would otherwise mask every `true` and `3600` in the
   * output, and a value that short protects little anyway. Set 1 to mask every non-empty value.
   */
  readonly minLength?: number;
}

/**
 * The values to mask in a job's output, from its environment and `RunOptions.maskSecrets`
 * (`undefined` and `true` mean the defaults; `false` masks nothing).
 * @internal
 */
export function resolveMaskValues(env: Readonly<Record<string, string>>, option: boolean | MaskSecretsOptions | undefined): string[] {
  if (option === false) return [];
  const options = option === true || option === undefined ? {} : option;
  const values = [...secretValues(env, options.isSecret ?? secretNameMatcher()), ...(options.values ?? [])];
  return maskableValues(values, options.minLength ?? DEFAULT_MASK_MIN_LENGTH);
}
