import type { Logger } from 'tslog';
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
 * stdout lines log at `info`, stderr lines at `warn`, lines of a `merged` stream (stdout and
 * stderr that cannot be told apart) at `info`. Lifecycle events (created, started,
 * stopping, exited, removed) log at `debug`, `stopping` at `warn`; pull progress is left to
 * progress displays. A line cut at the line cap carries `continued: true`.
 */
export class TslogSink implements LogSink {
  readonly name = 'TslogSink';
  #base: Log | undefined;
  /** tslog is loaded when the first default logger is needed, so programs without this sink never load it. */
  readonly #loading: Promise<void> | undefined;
  #stdout: Log | undefined;
  #stderr: Log | undefined;
  #merged: Log | undefined;
  #job: Log | undefined;

  constructor(options: TslogSinkOptions = {}) {
    if (options.logger) this.#base = options.logger;
    else {
      this.#loading = import('tslog').then(({ Logger }) => {
        this.#base = new Logger<Record<string, unknown>>({
          name: 'docker-job',
          stack: { capture: 'off' },
          pretty: { template: '{{yyyy}}-{{mm}}-{{dd}} {{hh}}:{{MM}}:{{ss}}.{{ms}}\t{{logLevelName}}\t{{name}}\t' },
        });
      });
      this.#loading.catch(() => {}); // reported by open or write, whichever awaits it
    }
  }

  open(job: JobInfo): void | Promise<void> {
    if (this.#base === undefined) return (this.#loading as Promise<void>).then(() => this.open(job));
    const bindings = { job: job.name, container: job.containerId.slice(0, 12) };
    this.#job = this.#base.getSubLogger({ name: job.name, bindings });
    this.#stdout = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stdout' } });
    this.#stderr = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'stderr' } });
    this.#merged = this.#base.getSubLogger({ name: job.name, bindings: { ...bindings, stream: 'merged' } });
  }

  write(line: LogLine): void | Promise<void> {
    const log = (line.stream === 'stderr' ? this.#stderr : line.stream === 'merged' ? this.#merged : this.#stdout) ?? this.#base;
    if (log === undefined) return (this.#loading as Promise<void>).then(() => this.write(line));
    if (line.continued) {
      if (line.stream === 'stderr') log.warn(line.text, { continued: true });
      else log.info(line.text, { continued: true });
    } else if (line.stream === 'stderr') log.warn(line.text);
    else log.info(line.text);
  }

  event(event: JobEvent): void | Promise<void> {
    if (event.type === 'pull-progress') return;
    const log = this.#job ?? this.#base;
    if (log === undefined) return (this.#loading as Promise<void>).then(() => this.event(event));
    const { type, ...fields } = event;
    if (type === 'stopping') log.warn(`job ${type}`, fields);
    else log.debug(`job ${type}`, fields);
  }

  /** Waits for the logger's transports to flush. */
  async close(): Promise<void> {
    await this.#loading;
    await this.#base?.flush();
  }
}
