import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { JobEvent, JobInfo, LogLine, LogSink } from '../log-sink.js';
import { StreamWriter } from './stream-writer.js';

/** Options of {@link JsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** For a file path: add to the end of an existing file (default), or replace it (`false`). */
  readonly append?: boolean;
  /** Also write the job's lifecycle events as records (default `true`). */
  readonly events?: boolean;
}

/**
 * Writes one JSON object per line ([JSON Lines](https://jsonlines.org)) to a file or a stream:
 *
 * ```json
 * {"time":"2026-11-23T10:00:00.123Z","stream":"stdout","text":"rows loaded: 42","job":"etl","container":"0123456789ab"}
 * {"time":"2026-11-23T10:00:00.200Z","event":"exited","exitCode":0,"oomKilled":false,"job":"etl","container":"0123456789ab"}
 * ```
 *
 * `time` is when docker-job received the line; `stream` is `stdout`, `stderr` or `merged` (stdout
 * and stderr that cannot be told apart); a line cut at the line cap has `"continued":true`.
 * Given a path, the file is opened in `open` (a file that cannot be opened fails the sink there,
 * and it is detached and reported) and closed in `close`; given a stream, the stream is left open.
 * Records are written in batches, with backpressure.
 */
export class JsonLinesSink implements LogSink {
  readonly name = 'JsonLinesSink';
  readonly #target: string | Writable;
  readonly #append: boolean;
  readonly #events: boolean;
  #writer: StreamWriter | undefined;
  #opening: Promise<void> | undefined;
  /** `,"job":...,"container":...}` once the job is known. */
  #suffix = '}';
  #lastMs = Number.NaN;
  #lastIso = '';

  /** @param target a file path, or a writable stream */
  constructor(target: string | Writable, options: JsonLinesSinkOptions = {}) {
    this.#target = target;
    this.#append = options.append ?? true;
    this.#events = options.events ?? true;
  }

  async open(job: JobInfo): Promise<void> {
    this.#suffix = `,"job":${JSON.stringify(job.name)},"container":${JSON.stringify(job.containerId.slice(0, 12))}}`;
    this.#ensureWriter();
    await this.#opening;
  }

  write(line: LogLine): Promise<void> | void {
    const record = `{"time":"${this.#time(line.receivedAt)}","stream":"${line.stream}","text":${JSON.stringify(line.text)}${line.continued ? ',"continued":true' : ''}${this.#suffix}\n`;
    return this.#ensureWriter().text(record);
  }

  /** The lines of one chunk share their receipt time: format it once. */
  #time(ms: number): string {
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastIso = new Date(ms).toISOString();
    }
    return this.#lastIso;
  }

  event(event: JobEvent): Promise<void> | void {
    if (!this.#events) return;
    const { type, ...fields } = event;
    const body = JSON.stringify({ time: new Date().toISOString(), event: type, ...fields }).slice(0, -1);
    return this.#ensureWriter().text(`${body}${this.#suffix}\n`);
  }

  async close(): Promise<void> {
    if (this.#writer === undefined) return;
    await this.#opening?.catch(() => {}); // the writer reports the failure
    await this.#writer.close(typeof this.#target === 'string');
  }

  #ensureWriter(): StreamWriter {
    if (this.#writer) return this.#writer;
    if (typeof this.#target === 'string') {
      const file = createWriteStream(this.#target, { flags: this.#append ? 'a' : 'w' });
      this.#writer = new StreamWriter(file);
      this.#opening = once(file, 'open').then(() => undefined);
    } else this.#writer = new StreamWriter(this.#target);
    return this.#writer;
  }
}
