/**
 * The deadline of a job's long streams. The attach and wait streams have no keepalive: a connection
 * that dies silently (a half-open `tcp://` connection, a NAT that forgot it) sends nothing, ends
 * nothing, and would hang the job forever. So while the exit is not known, a job whose streams are
 * silent for {@link WATCH_INTERVAL_MS} asks the engine about its container:
 *
 * - it still runs: a quiet job; ask again later;
 * - it no longer runs (or is gone), yet the wait has not answered: the wait and the output stream
 *   are given up (destroyed), and the job's own recovery takes over: the wait is registered again
 *   (`condition=not-running` answers at once) and the output resumed from the engine's log;
 * - the engine cannot be reached (or does not answer) for longer than the reconnect timeout: the
 *   job fails with an {@link EngineError} naming the engine.
 *
 * Once the exit is known, an output stream that delivers nothing for {@link WATCH_INTERVAL_MS}
 * while it is being read has stalled (the container is gone, its streams are closed): it is given
 * up and resumed from the log the same way.
 *
 * "Silent" counts only the time the job waits on the engine: while the consumer holds a chunk (a
 * slow sink), the stream is not read, and that is not the engine's silence.
 * @internal
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isUnreachable } from './engine-calls.js';

/** How long a job's streams may be silent before the engine is asked about its container. */
export const WATCH_INTERVAL_MS = 30_000;
/** Pause between tries while the engine does not answer. */
const RETRY_MS = 1_000;

export interface JobWatchOptions {
  /** See {@link WATCH_INTERVAL_MS}. */
  readonly intervalMs: number;
  /** How long the engine may be unreachable before the job fails. */
  readonly reconnectTimeoutMs: number;
  /** Asks the engine whether the container still runs; `false` when it is gone. Rejects when the engine does not answer. */
  readonly isRunning: () => Promise<boolean>;
  /** The engine has not answered for longer than the reconnect timeout: fail the job. */
  readonly onUnreachable: (cause: unknown, forMs: number) => void;
}

/** Where the job's output is: not read yet, waiting on the engine, held by the consumer, or done. */
type OutputPhase = 'idle' | 'reading' | 'delivering' | 'ended';

/** Watches one started job's streams. See the module's description. @internal */
export class JobWatch {
  readonly #options: JobWatchOptions;
  /** Ends the watch loop: once the exit is known, or when the watch stops. */
  readonly #loop = new AbortController();
  #finished = false;
  #wait: Readable | undefined;
  #source: Readable | undefined;
  #phase: OutputPhase = 'idle';
  /** When the output last made progress or changed phase (`performance.now()`). */
  #since = performance.now();
  #exitKnown = false;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(options: JobWatchOptions) {
    this.#options = options;
    void this.#watch();
  }

  /** The wait stream now in use. */
  waitOn(stream: Readable): void {
    this.#wait = stream;
  }

  /** The output stream now read (attach, or a logs stream resuming it). */
  readFrom(stream: Readable): void {
    this.#source = stream;
    this.reading();
  }

  /** The output waits on the engine for its next chunk. */
  reading(): void {
    this.#enter('reading');
  }

  /** A chunk arrived that the consumer does not see (skipped on a resume): progress all the same. */
  progress(): void {
    this.#enter('reading');
  }

  /** The consumer holds a chunk. */
  delivering(): void {
    this.#enter('delivering');
  }

  /** The output has ended (or its reader gave up). */
  outputEnded(): void {
    this.#enter('ended');
    if (this.#exitKnown) this.stop();
  }

  /** The exit is known (or failed): the engine need not be asked any more. */
  exitSettled(): void {
    this.#exitKnown = true;
    this.#loop.abort(); // the stall timer alone guards the output from now on
    if (this.#phase === 'ended') this.stop();
    else this.#armStallTimer();
  }

  /** Stops watching: no timer, no request left behind. */
  stop(): void {
    this.#finished = true;
    this.#loop.abort();
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  /** Destroys the streams in use with `error` (the job failed). */
  release(error: Error): void {
    this.stop();
    this.#wait?.destroy(error);
    this.#source?.destroy(error);
  }

  #enter(phase: OutputPhase): void {
    this.#phase = phase;
    this.#since = performance.now();
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (this.#exitKnown) this.#armStallTimer();
  }

  /** After the exit: an output read that delivers nothing for the interval has stalled. */
  #armStallTimer(): void {
    if (this.#phase !== 'reading' || this.#finished) return;
    const source = this.#source;
    if (source === undefined) return;
    this.#stallTimer = setTimeout(() => {
      source.destroy(new Error(`the output stream delivered nothing for ${this.#options.intervalMs} ms after the container exited`));
    }, this.#options.intervalMs);
    this.#stallTimer.unref();
  }

  async #watch(): Promise<void> {
    const { intervalMs, reconnectTimeoutMs } = this.#options;
    const stopped = this.#loop.signal;
    let checked = Number.NEGATIVE_INFINITY;
    let unreachableSince: number | undefined;
    while (!stopped.aborted) {
      const quietFrom = this.#phase === 'delivering' ? undefined : Math.max(this.#since, checked);
      const due = quietFrom === undefined ? intervalMs : quietFrom + intervalMs - performance.now();
      if (due > 0) {
        // Unref'd: a watch never keeps a process alive on its own.
        await sleep(due, undefined, { signal: stopped, ref: false }).catch(() => {});
        continue;
      }
      const askedAt = performance.now();
      checked = askedAt;
      let running: boolean;
      try {
        running = await this.#options.isRunning();
        unreachableSince = undefined;
      } catch (error) {
        if (!isUnreachable(error) && !isNoAnswer(error)) continue; // the engine answered: ask again later
        unreachableSince ??= askedAt;
        const away = performance.now() - unreachableSince;
        if (away >= reconnectTimeoutMs) {
          if (!stopped.aborted) this.#options.onUnreachable(error, away);
          return;
        }
        checked = performance.now() - intervalMs + Math.min(RETRY_MS, intervalMs); // try again soon
        continue;
      }
      if (running || stopped.aborted) continue;
      // Exited, but the wait has not said so: give up the streams; their recovery takes over.
      const gone = new Error('the container no longer runs, but the stream has not ended: the connection is gone');
      this.#wait?.destroy(gone);
      if (this.#phase === 'reading') this.#source?.destroy(gone);
    }
  }
}

/** The call's deadline passed: the engine did not answer. */
function isNoAnswer(error: unknown): boolean {
  const e = error as { name?: string; cause?: { name?: string } } | undefined;
  return e?.name === 'TimeoutError' || (e?.name === 'AbortError' && e.cause?.name === 'TimeoutError');
}
