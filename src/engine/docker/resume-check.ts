/**
 * Resuming a cut output stream from the engine's log, checked: the log is re-read from its first
 * byte and the bytes already delivered are skipped, which is right only if the log reproduces the
 * stream byte for byte. It does not when the log rotated (json-file with `max-size`, the `local`
 * driver: the re-read starts later) or when the log driver rewrote bytes (json-file stores each
 * invalid UTF-8 byte as U+FFFD, three bytes). So the skipped bytes are compared with what was
 * delivered where it is remembered: the first and the last {@link RESUME_WINDOW} bytes of each
 * stream. A difference is a {@link ResumeMismatch}, never a silent gap or repeat.
 *
 * What the comparison cannot see: a log that lost a prefix of exactly the length by which the
 * output repeats itself in both windows (a job printing one identical line over and over). Then
 * the lines lost are copies of the lines kept.
 * @internal
 */

/** Bytes of each stream remembered at its start and at its end. */
export const RESUME_WINDOW = 4096;

/** A re-read of the log differs from what was delivered. */
export class ResumeMismatch extends Error {
  /** The stream whose re-read differs. */
  readonly stream: string;
  /** The bytes of that stream delivered before the resume. */
  readonly delivered: number;

  constructor(stream: string, message: string, delivered: number) {
    super(message);
    this.name = 'ResumeMismatch';
    this.stream = stream;
    this.delivered = delivered;
  }
}

/** What was delivered of one stream: its length, its first and its last {@link RESUME_WINDOW} bytes. */
export class DeliveredStream {
  /** Bytes delivered. */
  length = 0;
  readonly #window: number;
  readonly #head: Uint8Array;
  /** A ring: the byte delivered at offset `i` is at `i % window` while it is among the last `window`. */
  readonly #ring: Uint8Array;

  constructor(window = RESUME_WINDOW) {
    this.#window = window;
    this.#head = new Uint8Array(window);
    this.#ring = new Uint8Array(window);
  }

  /** Notes `data` as delivered after everything before it. */
  record(data: Uint8Array): void {
    const w = this.#window;
    if (this.length < w) this.#head.set(data.subarray(0, w - this.length), this.length);
    // Only the last `w` bytes of `data` can end up in the ring.
    const keep = data.length > w ? data.subarray(data.length - w) : data;
    const start = (this.length + data.length - keep.length) % w;
    const first = Math.min(keep.length, w - start);
    this.#ring.set(keep.subarray(0, first), start);
    if (first < keep.length) this.#ring.set(keep.subarray(first), 0);
    this.length += data.length;
  }

  /** The first `min(window, length)` bytes. */
  head(): Uint8Array {
    return this.#head.subarray(0, Math.min(this.#window, this.length));
  }

  /** The last `min(window, length)` bytes, in order. */
  tail(): Uint8Array {
    const w = this.#window;
    const n = Math.min(w, this.length);
    const start = (this.length - n) % w;
    if (start + n <= w) return this.#ring.slice(start, start + n);
    const out = new Uint8Array(n);
    out.set(this.#ring.subarray(start));
    out.set(this.#ring.subarray(0, n - (w - start)), w - start);
    return out;
  }
}

/**
 * Skips the first `delivered.length` bytes of a re-read of one stream, checking the bytes at the
 * start and just before the resume point against those delivered.
 */
export class ResumeSkip {
  readonly #stream: string;
  /** Where the re-read must reach before it delivers anything: the bytes delivered before. */
  readonly #target: number;
  readonly #head: Uint8Array;
  readonly #tail: Uint8Array;
  /** Offset of the tail window in the stream. */
  readonly #tailStart: number;
  /** Bytes of the re-read seen so far. */
  #pos = 0;

  constructor(stream: string, delivered: DeliveredStream) {
    this.#stream = stream;
    this.#target = delivered.length;
    this.#head = delivered.head();
    this.#tail = delivered.tail();
    this.#tailStart = this.#target - this.#tail.length;
  }

  /** The re-read has reached the resume point: what follows is new. */
  get done(): boolean {
    return this.#pos >= this.#target;
  }

  /**
   * Takes the next bytes of the re-read and returns those past the resume point (empty while it is
   * not reached).
   * @throws {ResumeMismatch} when they differ from what was delivered there.
   */
  take(data: Uint8Array): Uint8Array {
    if (this.done) return data;
    const from = this.#pos;
    const n = Math.min(data.length, this.#target - from);
    const skipped = data.subarray(0, n);
    this.#check(skipped, from, this.#head, 0);
    this.#check(skipped, from, this.#tail, this.#tailStart);
    this.#pos += n;
    return data.subarray(n);
  }

  /**
   * The re-read has ended.
   * @throws {ResumeMismatch} when it ended before the resume point: the log holds less than was delivered.
   */
  end(): void {
    if (this.done) return;
    throw new ResumeMismatch(this.#stream, `the log of ${this.#stream} ends after ${this.#pos} bytes, but ${this.#target} were delivered`, this.#target);
  }

  /** Compares the bytes of `data` (at stream offset `at`) that fall in `window` (at `windowStart`). */
  #check(data: Uint8Array, at: number, window: Uint8Array, windowStart: number): void {
    const lo = Math.max(at, windowStart);
    const hi = Math.min(at + data.length, windowStart + window.length);
    if (lo >= hi) return;
    const seen = data.subarray(lo - at, hi - at);
    const kept = window.subarray(lo - windowStart, hi - windowStart);
    if (Buffer.from(seen.buffer, seen.byteOffset, seen.byteLength).equals(kept)) return;
    let i = 0;
    while (seen[i] === kept[i]) i++;
    throw new ResumeMismatch(this.#stream, `the log of ${this.#stream} differs from what was delivered at byte ${lo + i}`, this.#target);
  }
}
