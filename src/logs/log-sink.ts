import type { OutputStream, PullProgress } from '../engine/container-engine.js';

/** One line of a job's output. */
export interface LogLine {
  /**
   * The stream the line came from: `stdout` or `stderr`, or `merged` when they cannot be told
   * apart (a TTY job, an engine that merges them).
   */
  readonly stream: OutputStream;
  /** The line's text, without its line break (`\n` or `\r\n`). */
  readonly text: string;
  /** When docker-job received the bytes that completed the line (milliseconds since the epoch). */
  readonly receivedAt: number;
  /**
   * `true` when the line was longer than the line cap and was cut: the next line of the same
   * stream continues it (join the pieces without a separator to get the line back).
   */
  readonly continued?: boolean;
}

/**
 * A piece of a job's output as bytes, for sinks that take the {@link LogSink.writeBytes} fast path.
 * Pieces do not align with lines or UTF-8 characters; concatenated per stream, they are exactly
 * what the child wrote (after masking).
 */
export interface OutputBytes {
  /** The stream the bytes came from: `stdout`, `stderr`, or `merged` (see {@link LogLine.stream}). */
  readonly stream: OutputStream;
  /** The bytes. docker-job never reuses or changes them afterwards: a sink may keep them. */
  readonly data: Uint8Array;
  /** When docker-job received them (milliseconds since the epoch). */
  readonly receivedAt: number;
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
 * Something that happened to a job besides its output: what a progress display or an audit log
 * shows. Sinks receive them through {@link LogSink.event}; the set may grow, so ignore unknown types.
 */
export type JobEvent =
  /** The image is being pulled; `status` is the engine's progress text for one layer or the whole. */
  | ({
      /** The event's kind. */
      readonly type: 'pull-progress';
      /** The image being pulled. */
      readonly image: string;
    } & PullProgress)
  /** The pull finished. */
  | {
      /** The event's kind. */
      readonly type: 'pulled';
      /** The image that was pulled. */
      readonly image: string;
    }
  /** The container was created (not yet started). */
  | {
      /** The event's kind. */
      readonly type: 'created';
      /** The engine's id for the job. */
      readonly containerId: string;
    }
  /** The container was started. */
  | {
      /** The event's kind. */
      readonly type: 'started';
      /** The engine's id for the job. */
      readonly containerId: string;
    }
  /** docker-job is stopping the job: its timeout passed, or the caller canceled it. */
  | {
      /** The event's kind. */
      readonly type: 'stopping';
      /** Why: `timeoutMs` passed, or the caller's signal aborted. */
      readonly reason: 'timeout' | 'cancel';
      /** Seconds between the stop signal and a kill. */
      readonly graceSeconds: number;
    }
  /** The job's output ended and its exit status is known. */
  | {
      /** The event's kind. */
      readonly type: 'exited';
      /** The child's exit code. */
      readonly exitCode: number;
      /** The kernel killed the child for exceeding its memory limit; `undefined` when the engine cannot tell. */
      readonly oomKilled: boolean | undefined;
    }
  /** The container was removed. */
  | {
      /** The event's kind. */
      readonly type: 'removed';
      /** The engine's id for the job. */
      readonly containerId: string;
    };

/**
 * Where a job's output goes. Implement `write`; everything else is optional.
 *
 * - `write` is called once per line, in order per stream. Returning a promise applies backpressure:
 *   the next line waits for it, and so, in the end, does the container.
 * - A sink that throws or rejects is reported once and detached; the job and the other sinks go on.
 * - `close` is awaited before `runDockerJob` settles, on every path: flush there.
 *
 * See docs/logging.md for the guarantees (order, completeness, memory) and how to write a sink.
 */
export interface LogSink {
  /** A name for failure reports. Default: the sink's constructor name. */
  readonly name?: string;
  /** Called once, before the first line, with what the job is. */
  open?(job: JobInfo): void | Promise<void>;
  /** Receives one line. */
  write(line: LogLine): void | Promise<void>;
  /**
   * The fast path, for sinks that pass output on as bytes (a terminal, a pipe, a file). When a
   * sink has it, `runDockerJob` gives that sink the output only through `writeBytes`, as the
   * bytes arrive (secrets already masked), and never calls its `write`; the line splitting is
   * skipped entirely when no sink needs lines. `write` stays required, so the sink still works
   * wherever only lines are available (for instance inside {@link teeSinks} next to a line sink).
   * Returning a promise applies backpressure, as for `write`.
   */
  writeBytes?(chunk: OutputBytes): void | Promise<void>;
  /** Receives the job's lifecycle and pull-progress events, in order with the lines. Optional. */
  event?(event: JobEvent): void | Promise<void>;
  /** Flushes and releases what the sink holds. */
  close?(): void | Promise<void>;
}
