import type { JobEvent, JobInfo, LogLine, LogSink, OutputBytes } from './log-sink.js';

/** A sink that threw or rejected, and was detached. */
export interface SinkFailure {
  /** The sink's position in the list it was given in (`RunOptions.sinks`, or {@link teeSinks}). */
  readonly index: number;
  /** The sink's `name`, else its constructor's name, for messages. */
  readonly sink: string;
  /** What the sink was doing when it failed. */
  readonly during: 'open' | 'write' | 'event' | 'close';
  /** What it threw or rejected with. */
  readonly error: unknown;
}

/** Options of {@link SinkFanout}. @internal */
export interface SinkFanoutOptions {
  /**
   * Route output by kind: sinks with `writeBytes` get bytes only (through {@link SinkFanout.writeBytes})
   * and are skipped by {@link SinkFanout.write}. Without it, `write` reaches every sink.
   */
  readonly bytesToByteSinks?: boolean;
  /** Called once per sink, when it fails and is detached. Its own errors are ignored. */
  readonly onFailure?: (failure: SinkFailure) => void;
}

type Phase = SinkFailure['during'];

/**
 * Sends output to every sink, isolating them from each other: a sink that throws or rejects is
 * detached and recorded once, and the others go on. When sinks return promises, a call returns a
 * promise that settles when all of them have taken the output (backpressure); when none do, it
 * returns nothing and costs no microtask.
 * @internal
 */
export class SinkFanout {
  /** Every failure so far, in the order they happened. */
  readonly failures: SinkFailure[] = [];
  readonly #all: readonly LogSink[];
  readonly #active: (LogSink | undefined)[];
  readonly #split: boolean;
  readonly #onFailure: ((failure: SinkFailure) => void) | undefined;
  #lineSinks = 0;
  #byteSinks = 0;

  constructor(sinks: readonly LogSink[], options: SinkFanoutOptions = {}) {
    this.#all = [...sinks];
    this.#active = [...sinks];
    this.#split = options.bytesToByteSinks ?? false;
    this.#onFailure = options.onFailure;
    for (const sink of sinks) {
      if (this.#split && typeof sink.writeBytes === 'function') this.#byteSinks++;
      else this.#lineSinks++;
    }
  }

  /** Some attached sink takes lines: the output must be split into lines. */
  get needsLines(): boolean {
    return this.#lineSinks > 0;
  }

  /** Some attached sink takes bytes (only when routing by kind). */
  get needsBytes(): boolean {
    return this.#byteSinks > 0;
  }

  open(job: JobInfo): Promise<void> | void {
    return this.#each('open', (sink) => sink.open?.(job));
  }

  /** Sends a line to the line sinks (to every sink when not routing by kind). */
  write(line: LogLine): Promise<void> | void {
    let pending: Promise<void>[] | undefined;
    const sinks = this.#active;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i];
      if (sink === undefined || (this.#split && sink.writeBytes !== undefined)) continue;
      try {
        const r = sink.write(line);
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
          (pending ??= []).push((r as Promise<void>).then(undefined, (error: unknown) => this.#fail(i, 'write', error)));
        }
      } catch (error) {
        this.#fail(i, 'write', error);
      }
    }
    if (pending) return pending.length === 1 ? (pending[0] as Promise<void>) : Promise.all(pending).then(noop);
  }

  /** Sends bytes to the sinks that have `writeBytes`. */
  writeBytes(chunk: OutputBytes): Promise<void> | void {
    return this.#each('write', (sink) => sink.writeBytes?.(chunk));
  }

  event(event: JobEvent): Promise<void> | void {
    return this.#each('event', (sink) => sink.event?.(event));
  }

  /** Closes every sink, detached ones included (they may hold resources). Never rejects. */
  async close(): Promise<void> {
    await Promise.all(
      this.#all.map(async (sink, i) => {
        try {
          await sink.close?.();
        } catch (error) {
          this.#fail(i, 'close', error);
        }
      }),
    );
  }

  #each(phase: Phase, fn: (sink: LogSink) => void | Promise<void>): Promise<void> | void {
    let pending: Promise<void>[] | undefined;
    const sinks = this.#active;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i];
      if (sink === undefined) continue;
      try {
        const r = fn(sink);
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
          (pending ??= []).push((r as Promise<void>).then(undefined, (error: unknown) => this.#fail(i, phase, error)));
        }
      } catch (error) {
        this.#fail(i, phase, error);
      }
    }
    if (pending) return pending.length === 1 ? (pending[0] as Promise<void>) : Promise.all(pending).then(noop);
  }

  #fail(index: number, during: Phase, error: unknown): void {
    const sink = during === 'close' ? this.#all[index] : this.#active[index];
    if (sink === undefined || this.failures.some((f) => f.index === index)) return; // reported once already
    this.#active[index] = undefined;
    if (this.#split && typeof sink.writeBytes === 'function') this.#byteSinks--;
    else this.#lineSinks--;
    const failure: SinkFailure = { index, sink: sinkName(sink), during, error };
    this.failures.push(failure);
    try {
      this.#onFailure?.(failure);
    } catch {
      // A reporter that fails must not break the job either.
    }
  }
}

function noop(): void {}

/** The name a sink goes by in failure reports. */
export function sinkName(sink: LogSink): string {
  if (typeof sink.name === 'string' && sink.name !== '') return sink.name;
  return (sink as { constructor?: { name?: string } }).constructor?.name || 'sink';
}
