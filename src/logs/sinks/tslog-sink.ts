import { Logger } from 'tslog';
import type { JobInfo, LogLine, LogSink } from '../log-sink.js';

/** Options of {@link TslogSink}. */
export interface TslogSinkOptions {
  /**
   * The logger to write to; a sub-logger named after the job is made from it. Default: a new
   * logger named `docker-job`, pretty (or JSON with `TSLOG_TYPE=json`), without code positions.
   */
  readonly logger?: Logger<Record<string, unknown>>;
}

type Log = Logger<Record<string, unknown>>;

/**
 * The default sink for programmatic use: each line becomes a tslog record bound to the job's
 * name, the container id and the stream (`job`, `container`, `stream` fields in JSON output);
 * stdout lines log at `info`, stderr lines at `warn`.
 */
export class TslogSink implements LogSink {
  readonly #base: Log;
  #stdout: Log;
  #stderr: Log;

  constructor(options: TslogSinkOptions = {}) {
    this.#base =
      options.logger ??
      new Logger<Record<string, unknown>>({
        name: 'docker-job',
        stack: { capture: 'off' },
        pretty: { template: '{{yyyy}}-{{mm}}-{{dd}} {{hh}}:{{MM}}:{{ss}}.{{ms}}\t{{logLevelName}}\t{{name}}\t' },
      });
    this.#stdout = this.#base;
    this.#stderr = this.#base;
  }

  open(job: JobInfo): void {
    const bindings = { job: job.name, container: job.containerId.slice(0, 12) };
    this.#stdout = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stdout' } });
    this.#stderr = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stderr' } });
  }

  write(line: LogLine): void {
    if (line.stream === 'stderr') this.#stderr.warn(line.text);
    else this.#stdout.info(line.text);
  }
}
