import type { OutputStream } from '../engine/container-engine.js';
import type { LogLine } from './log-sink.js';

/**
 * Default cap on the length of one line: 1 MiB of text, counted in UTF-16 code units (1,048,576
 * characters of ASCII; at most 3 MiB of UTF-8). A longer line is delivered in pieces of at most
 * this length, each but the last marked `continued: true`.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Turns one stream's bytes into lines.
 *
 * - One UTF-8 decoder for the whole stream: a character split between two chunks is decoded whole,
 *   never replaced.
 * - `\n` and `\r\n` end a line (a lone `\r` stays in the text: progress bars use it).
 * - `end()` flushes the last line even without a line break, and a character left incomplete
 *   at the very end becomes U+FFFD rather than vanishing.
 * - A line longer than `maxLineLength` UTF-16 code units is cut into pieces of at most that length,
 *   as soon as they are complete (memory stays bounded whatever the child prints); every piece but
 *   the last has `continued: true`. A cut never separates the two halves of a surrogate pair.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #stream: OutputStream;
  readonly #max: number;
  /** The start of the current line: text without a line break yet, at most `#max` units long. */
  #pending = '';

  constructor(stream: OutputStream, maxLineLength = DEFAULT_MAX_LINE_LENGTH) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 2) {
      throw new RangeError(`LineSplitter: maxLineLength must be an integer of at least 2, got ${maxLineLength}`);
    }
    this.#stream = stream;
    this.#max = maxLineLength;
  }

  /** Decodes `data` and returns the lines it completes. */
  push(data: Uint8Array, receivedAt: number): LogLine[] {
    return this.#split(this.#decoder.decode(data, { stream: true }), receivedAt, false);
  }

  /** Flushes the decoder and returns the last line, if the stream did not end with a line break. */
  end(receivedAt: number): LogLine[] {
    return this.#split(this.#decoder.decode(), receivedAt, true);
  }

  #split(text: string, receivedAt: number, final: boolean): LogLine[] {
    const lines: LogLine[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl !== -1 && this.#pending !== '') {
      // The first line began in an earlier chunk. Only the new text is searched for line breaks.
      const first = this.#pending + text.slice(0, nl);
      this.#pending = '';
      this.#line(first, receivedAt, lines);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      this.#line(text.slice(start, nl), receivedAt, lines);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    let rest = this.#pending + (start === 0 ? text : text.slice(start));
    // An unfinished line beyond the cap: deliver its complete pieces now. A trailing '\r' is kept
    // back, since it may be the start of a '\r\n' split between chunks.
    while (rest.length > this.#max + (rest.charCodeAt(rest.length - 1) === 13 ? 1 : 0)) {
      const cut = this.#cutAt(rest);
      lines.push({ stream: this.#stream, text: rest.slice(0, cut), receivedAt, continued: true });
      rest = rest.slice(cut);
    }
    if (final && rest !== '') {
      this.#line(rest, receivedAt, lines, true);
      rest = '';
    }
    this.#pending = rest;
    return lines;
  }

  /** Emits a complete line (its text still ending in the `\r` of a `\r\n`), cut if over the cap. */
  #line(raw: string, receivedAt: number, out: LogLine[], unterminated = false): void {
    let text = !unterminated && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    while (text.length > this.#max) {
      const cut = this.#cutAt(text);
      out.push({ stream: this.#stream, text: text.slice(0, cut), receivedAt, continued: true });
      text = text.slice(cut);
    }
    out.push({ stream: this.#stream, text, receivedAt });
  }

  /** Where to cut a text longer than the cap: at the cap, or one before it to keep a surrogate pair whole. */
  #cutAt(text: string): number {
    const last = text.charCodeAt(this.#max - 1);
    return last >= 0xd800 && last <= 0xdbff ? this.#max - 1 : this.#max;
  }
}
