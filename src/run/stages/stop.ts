/**
 * Stage 4 of a run, stop: what stops a started job and when (its timeout, the caller's
 * signal, the caller's kill signal), and the deadlines that keep a run from hanging on an engine
 * that stopped answering. One object per run; every timer and listener it holds goes with
 * {@link JobControl.dispose}.
 */
import type { EngineJob } from '../../engine/container-engine.js';
import type { SinkFanout } from '../../logs/sink-fanout.js';

/** Why docker-job stopped a job. */
export type StopReason = 'timeout' | 'cancel';

/** How long a run waits on an engine that may have gone away, in milliseconds. @internal */
export interface RunDeadlines {
  /** Beyond the job's grace period, how long a stop (or a kill) may take. */
  readonly stopMs: number;
  /** After the engine answered a stop (or failed to), how long the output and the exit may take to end. */
  readonly giveUpMs: number;
  /** How long the removal of the job may take. */
  readonly removeMs: number;
}

/** The deadlines of a run against a real engine. @internal */
export const DEFAULT_DEADLINES: RunDeadlines = Object.freeze({ stopMs: 60_000, giveUpMs: 60_000, removeMs: 120_000 });

/** What {@link JobControl} needs to know of the job. */
export interface ControlledJob {
  /** Seconds between the stop signal and a kill. */
  readonly stopTimeout: number;
  /** Stop the job this long after its start. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Stops a started job at most once, for the first reason that comes (its timeout, the caller's
 * `signal`), and at once on the caller's `killSignal`; nothing once its exit is known. If the
 * engine does not end the job's output and exit soon after a stop, {@link giveUp} aborts, which
 * releases the job's streams.
 * @internal
 */
export class JobControl {
  /** Aborts when the run gives up on the job's streams; the job's `start` takes it as its signal. */
  readonly giveUp: AbortSignal;
  readonly #giveUp = new AbortController();
  readonly #job: ControlledJob;
  readonly #events: SinkFanout;
  readonly #deadlines: RunDeadlines;
  readonly #signal: AbortSignal | undefined;
  readonly #killSignal: AbortSignal | undefined;
  #handle: EngineJob | undefined;
  /** Once the job has exited, a timeout or an abort no longer stops anything. */
  #exitKnown = false;
  #reason: StopReason | undefined;
  #stopping: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #giveUpTimer: NodeJS.Timeout | undefined;

  constructor(job: ControlledJob, events: SinkFanout, options: { readonly signal?: AbortSignal | undefined; readonly killSignal?: AbortSignal | undefined }, deadlines: RunDeadlines) {
    this.giveUp = this.#giveUp.signal;
    this.#job = job;
    this.#events = events;
    this.#deadlines = deadlines;
    this.#signal = options.signal;
    this.#killSignal = options.killSignal;
  }

  /** Why the job was stopped, if it was. */
  get reason(): StopReason | undefined {
    return this.#reason;
  }

  /** Starts watching a started job: its timeout runs from now, and the caller's signals stop it. */
  watch(handle: EngineJob): void {
    this.#handle = handle;
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#signal?.aborted) this.#onAbort(); // aborted while starting: the listener would never fire
    this.#killSignal?.addEventListener('abort', this.#onKill, { once: true });
    if (this.#killSignal?.aborted) this.#onKill();
    const { timeoutMs } = this.#job;
    if (timeoutMs !== undefined) this.#timer = setTimeout(() => this.#requestStop('timeout'), timeoutMs);
  }

  /** The job has exited: a timeout or an abort that comes while its output drains stops nothing. */
  exited(): void {
    this.#exitKnown = true;
    this.#unwatch();
  }

  /** Waits for a stop in flight to be answered; a stop that failed changes nothing once the exit is known. */
  async settled(): Promise<void> {
    await this.#stopping?.catch(() => {});
  }

  /** Drops every timer and listener, and releases any stream still open. */
  dispose(): void {
    this.#unwatch();
    clearTimeout(this.#giveUpTimer);
    this.#giveUp.abort();
  }

  #unwatch(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#killSignal?.removeEventListener('abort', this.#onKill);
  }

  readonly #onAbort = (): void => this.#requestStop('cancel');

  readonly #onKill = (): void => {
    if (this.#handle === undefined || this.#exitKnown) return;
    this.#requestStop('cancel');
    this.#handle.stop({ timeoutSeconds: 0, signal: AbortSignal.timeout(this.#deadlines.stopMs) }).catch(() => {});
  };

  #requestStop(reason: StopReason): void {
    const handle = this.#handle;
    if (this.#reason !== undefined || handle === undefined || this.#exitKnown) return;
    this.#reason = reason;
    const grace = this.#job.stopTimeout;
    void this.#events.event({ type: 'stopping', reason, graceSeconds: grace });
    const stopping = handle.stop({ timeoutSeconds: grace, signal: AbortSignal.timeout(grace * 1000 + this.#deadlines.stopMs) });
    this.#stopping = stopping;
    // Once the engine says the job stopped (or could not say), its output and exit follow at once;
    // if they do not within the deadline, the engine is gone: give up rather than hang.
    const giveUpAfter = (why: unknown) => {
      if (this.#giveUp.signal.aborted) return;
      this.#giveUpTimer = setTimeout(() => this.#giveUp.abort(why), this.#deadlines.giveUpMs);
    };
    stopping.then(
      () => giveUpAfter(new Error('the engine reported the job stopped, but its output and exit did not end')),
      (error: unknown) => giveUpAfter(error),
    );
  }
}
