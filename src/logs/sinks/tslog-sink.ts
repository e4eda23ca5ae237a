import { Logger } from 'tslog';
import type { JobInfo, LogLine, LogSink } from '../log-sink.js';

/** Options of {@link TslogSink}. */
export interface TslogSinkOptions {
  /** The logger to write to; a sub-logger named after the job is made from it. Default: a new pretty logger. */
  readonly logger?: Logger<Record<string, unknown>>;
}

/**
 * The default sink for programmatic use: each line becomes a tslog record with the job's name,
 * the stream and the container id as fields; stdout lines log at `info`, stderr lines at `warn`.
 */
export class TslogSink implements LogSink {
  #base: Logger<Record<string, unknown>>;
  #log: Logger<Record<string, unknown>>;
  #fields: { job: string; container: string } = { job: '', container: '' };

  constructor(options: TslogSinkOptions = {}) {
    this.#base = options.logger ?? new Logger<Record<string, unknown>>({ name: 'docker-job' });
    this.#log = this.#base;
  }

  open(job: JobInfo): void {
    this.#log = this.#base.getSubLogger({ name: job.name });
    this.#fields = { job: job.name, container: job.containerId.slice(0, 12) };
  }

  write(line: LogLine): void {
    const fields = { ...this.#fields, stream: line.stream };
    if (line.stream === 'stderr') this.#log.warn(fields, line.text);
    else this.#log.info(fields, line.text);
  }
}
