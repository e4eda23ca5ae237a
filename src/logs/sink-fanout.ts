import type { JobEvent, JobInfo, LogLine, LogSink } from './log-sink.js';

/** A sink that failed and was detached. */
export interface SinkFailure {
  /** The sink's position in the list given to `runDockerJob`. */
  readonly index: number;
  /** The sink's constructor name, for messages. */
  readonly sink: string;
  /** What it threw or rejected with. */
  readonly error: unknown;
}

/**
 * Sends each line to every sink, isolating them from each other: a sink that throws or rejects is
 * detached and recorded once, and the others go on. When sinks return promises, `write` returns a
 * promise that settles when all of them have taken the line (backpressure); when none do, it
 * returns nothing and costs no microtask.
 * @internal
 */
export class SinkFanout {
  readonly failures: SinkFailure[] = [];
  readonly #all: readonly LogSink[];
  readonly #active: (LogSink | undefined)[];

  constructor(sinks: readonly LogSink[]) {
    this.#all = [...sinks];
    this.#active = [...sinks];
  }

  open(job: JobInfo): Promise<void> | void {
    return this.#each((sink) => sink.open?.(job));
  }

  write(line: LogLine): Promise<void> | void {
    return this.#each((sink) => sink.write(line));
  }

  event(event: JobEvent): Promise<void> | void {
    return this.#each((sink) => sink.event?.(event));
  }

  /** Closes every sink, detached ones included (they may hold resources). Never rejects. */
  async close(): Promise<void> {
    await Promise.all(
      this.#all.map(async (sink, i) => {
        try {
          await sink.close?.();
        } catch (error) {
          this.#fail(i, error);
        }
      }),
    );
  }

  #each(fn: (sink: LogSink) => void | Promise<void>): Promise<void> | void {
    let pending: Promise<void>[] | undefined;
    const sinks = this.#active;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i];
      if (sink === undefined) continue;
      try {
        const r = fn(sink);
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
          (pending ??= []).push((r as Promise<void>).then(undefined, (error: unknown) => this.#fail(i, error)));
        }
      } catch (error) {
        this.#fail(i, error);
      }
    }
    if (pending) return Promise.all(pending).then(() => undefined);
  }

  #fail(index: number, error: unknown): void {
    const sink = this.#active[index];
    if (sink === undefined) return; // reported once already
    this.#active[index] = undefined;
    this.failures.push({ index, sink: sink.constructor?.name ?? 'sink', error });
  }
}
