import type { LogLine } from './log-sink.js';

/** Default cap on the length of one line, in UTF-16 code units (about 1 MiB of ASCII). */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Turns one stream's bytes into lines: one UTF-8 decoder for the whole stream (a character split
 * between two chunks is decoded whole), `\n` and `\r\n` endings, the last line flushed by `end()`
 * even without a line break, and lines longer than `maxLineLength` cut into pieces marked
 * `continued` so memory stays bounded.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #stream: 'stdout' | 'stderr';
  readonly #maxLineLength: number;
  #pending = '';

  constructor(stream: 'stdout' | 'stderr', maxLineLength = DEFAULT_MAX_LINE_LENGTH) {
    this.#stream = stream;
    this.#maxLineLength = maxLineLength;
  }

  /** Decodes `data` and returns the lines it completes. */
  push(data: Uint8Array, receivedAt: number): LogLine[] {
    return this.#split(this.#pending + this.#decoder.decode(data, { stream: true }), receivedAt, false);
  }

  /** Flushes the decoder and returns the last line, if the stream did not end with a line break. */
  end(receivedAt: number): LogLine[] {
    return this.#split(this.#pending + this.#decoder.decode(), receivedAt, true);
  }

  #split(text: string, receivedAt: number, final: boolean): LogLine[] {
    const lines: LogLine[] = [];
    const stream = this.#stream;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#cut(text.slice(start, end), receivedAt, lines);
      start = nl + 1;
    }
    let rest = start === 0 ? text : text.slice(start);
    while (rest.length > this.#maxLineLength) {
      lines.push({ stream, text: rest.slice(0, this.#maxLineLength), receivedAt, continued: true });
      rest = rest.slice(this.#maxLineLength);
    }
    if (final && rest !== '') {
      lines.push({ stream, text: rest, receivedAt });
      rest = '';
    }
    this.#pending = rest;
    return lines;
  }

  #cut(line: string, receivedAt: number, out: LogLine[]): void {
    const stream = this.#stream;
    let text = line;
    while (text.length > this.#maxLineLength) {
      out.push({ stream, text: text.slice(0, this.#maxLineLength), receivedAt, continued: true });
      text = text.slice(this.#maxLineLength);
    }
    out.push({ stream, text, receivedAt });
  }
}
