import { Logger } from 'tslog';
import type { JobEvent, JobInfo, LogLine, LogSink } from '../log-sink.js';

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
 * stdout lines log at `info`, stderr lines at `warn`. Lifecycle events (created, started,
 * stopping, exited, removed) log at `debug`, `stopping` at `warn`; pull progress is left to
 * progress displays. A line cut at the line cap carries `continued: true`.
 */
export class TslogSink implements LogSink {
  readonly name = 'TslogSink';
  readonly #base: Log;
  #stdout: Log;
  #stderr: Log;
  #job: Log;

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
    this.#job = this.#base;
  }

  open(job: JobInfo): void {
    const bindings = { job: job.name, container: job.containerId.slice(0, 12) };
    this.#job = this.#base.getSubLogger({ name: job.name, bindings });
    this.#stdout = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stdout' } });
    this.#stderr = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stderr' } });
  }

  write(line: LogLine): void {
    const log = line.stream === 'stderr' ? this.#stderr : this.#stdout;
    if (line.continued) {
      if (line.stream === 'stderr') log.warn(line.text, { continued: true });
      else log.info(line.text, { continued: true });
    } else if (line.stream === 'stderr') log.warn(line.text);
    else log.info(line.text);
  }

  event(event: JobEvent): void {
    if (event.type === 'pull-progress') return;
    const { type, ...fields } = event;
    if (type === 'stopping') this.#job.warn(`job ${type}`, fields);
    else this.#job.debug(`job ${type}`, fields);
  }

  /** Waits for the logger's transports to flush. */
  async close(): Promise<void> {
    await this.#base.flush();
  }
}
