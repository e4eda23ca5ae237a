import type { LogSink } from '../log-sink.js';
import { SinkFanout, type SinkFailure } from '../sink-fanout.js';

/** Options of {@link teeSinks}. */
export interface TeeSinkOptions {
  /** A name for failure reports. Default `teeSinks`. */
  readonly name?: string;
  /** Called once for each member that fails and is detached. */
  readonly onFailure?: (failure: SinkFailure) => void;
}

/** A sink made of several: see {@link teeSinks}. */
export interface TeeSink extends LogSink {
  /** The members that failed and were detached, in order (`index` is the position in the list). */
  readonly failures: readonly SinkFailure[];
}

/**
 * One sink that sends everything to several, with the same isolation `runDockerJob` gives its own
 * list: a member that throws or rejects is detached and reported once (to `onFailure` and in
 * `failures`), and the others go on; the tee itself never fails, so the job never hears of it.
 * It waits for every member that applies backpressure, and closes every member.
 *
 * The tee takes the bytes fast path only when every member does; otherwise every member receives
 * lines. To keep each sink's own fast path and have its failures listed in
 * `JobResult.sinkFailures`, pass the sinks to `runDockerJob` as a list instead; the tee is for
 * handing several sinks to something that takes one.
 *
 * @example
 * const sink = teeSinks([new StdioSink(), new JsonLinesSink('/var/log/job.jsonl')]);
 */
export function teeSinks(sinks: readonly LogSink[], options: TeeSinkOptions = {}): TeeSink {
  const fanout = new SinkFanout(sinks, options.onFailure ? { onFailure: options.onFailure } : {});
  const tee: TeeSink = {
    name: options.name ?? 'teeSinks',
    failures: fanout.failures,
    open: (job) => fanout.open(job),
    write: (line) => fanout.write(line),
    event: (event) => fanout.event(event),
    close: () => fanout.close(),
  };
  if (sinks.length > 0 && sinks.every((s) => typeof s.writeBytes === 'function')) {
    return { ...tee, writeBytes: (chunk) => fanout.writeBytes(chunk) };
  }
  return tee;
}
