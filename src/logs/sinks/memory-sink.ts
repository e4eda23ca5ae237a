import type { OutputStream } from '../../engine/container-engine.js';
import type { LogLine, LogSink } from '../log-sink.js';

/** Options of {@link MemorySink}. */
export interface MemorySinkOptions {
  /** Keep at most this many lines, dropping the oldest (a ring buffer). Default: keep all. */
  readonly maxLines?: number;
}

/**
 * Keeps lines in memory, for tests and for callers who want the output as a value. With
 * `maxLines` it keeps only the newest lines and counts the ones it dropped.
 */
export class MemorySink implements LogSink {
  readonly #max: number;
  #lines: LogLine[] = [];
  #start = 0;
  /** How many lines were dropped because of `maxLines`. */
  dropped = 0;

  constructor(options: MemorySinkOptions = {}) {
    this.#max = options.maxLines ?? Number.POSITIVE_INFINITY;
    if (!(this.#max >= 1)) throw new RangeError(`MemorySink: maxLines must be at least 1, got ${options.maxLines}`);
  }

  write(line: LogLine): void {
    if (this.#lines.length < this.#max) {
      this.#lines.push(line);
      return;
    }
    this.#lines[this.#start] = line;
    this.#start = (this.#start + 1) % this.#max;
    this.dropped++;
  }

  /** The kept lines, oldest first. */
  get lines(): LogLine[] {
    return this.#start === 0 ? [...this.#lines] : [...this.#lines.slice(this.#start), ...this.#lines.slice(0, this.#start)];
  }

  /** The kept text of one stream (`stdout`, `stderr` or `merged`), or of all, lines joined with `\n`. */
  text(stream?: OutputStream): string {
    return this.lines
      .filter((l) => stream === undefined || l.stream === stream)
      .map((l) => l.text)
      .join('\n');
  }
}
