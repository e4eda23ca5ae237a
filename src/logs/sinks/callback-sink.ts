import type { JobEvent, JobInfo, LogLine, LogSink } from '../log-sink.js';

/** Options of {@link callbackSink}. */
export interface CallbackSinkOptions {
  /** A name for failure reports. Default `callbackSink`. */
  readonly name?: string;
  /** Called once before the first line, with what the job is. */
  readonly onOpen?: (job: JobInfo) => void | Promise<void>;
  /** Called with each lifecycle event. */
  readonly onEvent?: (event: JobEvent) => void | Promise<void>;
  /** Called once at the end, before `runDockerJob` settles. */
  readonly onClose?: () => void | Promise<void>;
}

/**
 * A sink from a function: `onLine` receives every line. Return a promise to apply backpressure;
 * throw or reject and the sink is detached and reported, while the job goes on.
 *
 * @example
 * const errors: string[] = [];
 * await runDockerJob(config, { sinks: [callbackSink((l) => { if (l.stream === 'stderr') errors.push(l.text); })] });
 */
export function callbackSink(onLine: (line: LogLine) => void | Promise<void>, options: CallbackSinkOptions = {}): LogSink {
  const { onOpen, onEvent, onClose } = options;
  return {
    name: options.name ?? 'callbackSink',
    write: onLine,
    ...(onOpen ? { open: onOpen } : {}),
    ...(onEvent ? { event: onEvent } : {}),
    ...(onClose ? { close: onClose } : {}),
  };
}
