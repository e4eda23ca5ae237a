/** Default number of lines {@link OutputTail} gives back per stream. */
export const DEFAULT_TAIL_LINES = 20;

/** Default size of the window of last bytes {@link OutputTail} keeps per stream. */
export const DEFAULT_TAIL_BYTES = 16 * 1024;

const NL = 0x0a;

/**
 * The last bytes of one stream, in a fixed ring buffer, and the last lines they hold: what a failure
 * message shows (as execa shows stderr). Memory is bounded by `maxBytes` whatever the child prints;
 * a line longer than the window comes back as its end, prefixed with `…`.
 * @internal
 */
export class OutputTail {
  readonly #capacity: number;
  #ring: Buffer | undefined;
  /** Where the next byte goes. */
  #at = 0;
  /** Bytes stored (at most the capacity). */
  #size = 0;
  /** Bytes pushed in total. */
  #total = 0;

  constructor(maxBytes: number = DEFAULT_TAIL_BYTES) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`OutputTail: maxBytes must be a positive integer, got ${maxBytes}`);
    this.#capacity = maxBytes;
  }

  /** Keeps the end of `data`. */
  push(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    const ring = (this.#ring ??= Buffer.alloc(this.#capacity));
    const cap = this.#capacity;
    this.#total += n;
    const src = n > cap ? data.subarray(n - cap) : data;
    const first = Math.min(src.length, cap - this.#at);
    ring.set(src.subarray(0, first), this.#at);
    if (first < src.length) ring.set(src.subarray(first), 0);
    this.#at = (this.#at + src.length) % cap;
    this.#size = Math.min(cap, this.#size + src.length);
  }

  /** The last `maxLines` lines held (fewer if the stream had fewer), line breaks removed. */
  lines(maxLines: number = DEFAULT_TAIL_LINES): string[] {
    if (this.#size === 0 || maxLines <= 0) return [];
    const ring = this.#ring as Buffer;
    const start = (this.#at - this.#size + this.#capacity) % this.#capacity;
    let bytes = start + this.#size <= this.#capacity ? ring.subarray(start, start + this.#size) : Buffer.concat([ring.subarray(start), ring.subarray(0, this.#at)]);
    let cutOff = false;
    if (this.#total > this.#size) {
      // The window starts inside a line: drop that piece, unless it is all there is.
      const nl = bytes.indexOf(NL);
      if (nl !== -1 && nl < bytes.length - 1) bytes = bytes.subarray(nl + 1);
      else {
        let i = 0;
        while (i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i++; // not inside a character
        bytes = bytes.subarray(i);
        cutOff = true;
      }
    }
    const lines = bytes.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    const kept = lines.slice(-maxLines).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (cutOff && kept.length === lines.length && kept.length > 0) kept[0] = `…${kept[0]}`;
    return kept;
  }
}
