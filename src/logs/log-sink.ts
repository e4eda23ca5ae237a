/** One line of a job's output. */
export interface LogLine {
  /** The stream the line came from. With a TTY everything arrives as `stdout`. */
  readonly stream: 'stdout' | 'stderr';
  /** The line's text, without its line break (`\n` or `\r\n`). */
  readonly text: string;
  /** When docker-job received the bytes that completed the line (milliseconds since the epoch). */
  readonly receivedAt: number;
  /**
   * `true` when the line was longer than the line cap and was cut: the next line of the same
   * stream continues it.
   */
  readonly continued?: boolean;
}

/** What a sink is told about the job before its first line. */
export interface JobInfo {
  /** The job's name: its configured name, else the image. */
  readonly name: string;
  /** The image the job runs. */
  readonly image: string;
  /** The engine's id for the job (container id). */
  readonly containerId: string;
}

/**
 * Where a job's output goes. Implement `write`; `open` and `close` are optional.
 *
 * - `write` is called once per line, in order per stream. Returning a promise applies backpressure:
 *   the next line waits for it.
 * - A sink that throws or rejects is reported once and detached; the job and the other sinks go on.
 * - `close` is awaited before `runDockerJob` settles, on every path.
 */
export interface LogSink {
  /** Called once, before the first line, with what the job is. */
  open?(job: JobInfo): void | Promise<void>;
  /** Receives one line. */
  write(line: LogLine): void | Promise<void>;
  /** Flushes and releases what the sink holds. */
  close?(): void | Promise<void>;
}
