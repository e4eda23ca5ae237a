/**
 * Stage 6 of a run, result: how the run ended, built in one place. A job that ran resolves with a
 * {@link JobResult}, whatever its exit code; a run that failed rejects with what failed it, and a
 * job that could not be removed either is named in that error (or is the error, after a success).
 */
import type { ExitStatus } from '../../engine/container-engine.js';
import { isEngineError } from '../../errors/engine-error.js';
import { DEFAULT_TAIL_LINES } from '../../logs/output-tail.js';
import { describeJobResult } from '../job-message.js';
import type { JobResult } from '../run-options.js';
import type { PreparedRun } from './prepare.js';
import type { StopReason } from './stop.js';

/** How a run went, as the earlier stages left it. @internal */
export interface RunOutcome {
  /** When the run began (`performance.now()`). */
  readonly startedAt: number;
  /** The job's id, once created. */
  readonly jobId: string | undefined;
  /** The job's exit, once it ended. */
  readonly exit: ExitStatus | undefined;
  /** Why docker-job stopped it, if it did. */
  readonly stopReason: StopReason | undefined;
  /** What failed the run, if something did. */
  readonly failure?: { readonly error: unknown };
  /** The error of a remove that failed, if one did. */
  readonly removeError?: unknown;
}

/**
 * The run's result.
 * @throws what failed the run, or the job that could not be removed.
 */
export function result(run: PreparedRun, outcome: RunOutcome): JobResult {
  const { job, options } = run;
  const { exit, failure, jobId } = outcome;
  // A job we could not remove is a leak the caller must hear about, even after a success, and
  // together with what failed the run.
  if (failure !== undefined) throw 'removeError' in outcome ? withLeak(failure.error, outcome.removeError, jobId ?? '') : failure.error;
  if ('removeError' in outcome) throw outcome.removeError;
  if (exit === undefined || jobId === undefined) throw new Error('unreachable: a run without a failure has an exit');
  const facts = {
    exitCode: exit.exitCode,
    failed: exit.exitCode !== 0 || outcome.stopReason !== undefined,
    containerId: jobId,
    image: job.image,
    durationMs: Math.round(performance.now() - outcome.startedAt),
    timedOut: outcome.stopReason === 'timeout',
    canceled: outcome.stopReason === 'cancel',
    oomKilled: exit.oomKilled,
    ...(exit.startError === undefined ? {} : { startError: exit.startError }),
    sinkFailures: run.sinks.failures, // failures while closing are included
    tail: run.pipeline.tail(options.tailLines ?? DEFAULT_TAIL_LINES),
  };
  return { ...facts, message: describeJobResult({ ...facts, name: job.name, ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }) }) };
}

/** Whether a job that ended succeeded: exited 0 on its own. */
export function succeeded(exit: ExitStatus, stopReason: StopReason | undefined): boolean {
  return exit.exitCode === 0 && stopReason === undefined;
}

/**
 * The error of a failed run whose job could not be removed either. An engine error stays an
 * {@link EngineError} of its kind (an unreachable engine is the usual reason for both), its message
 * naming the job left behind; both errors are its `cause`. Anything else becomes an AggregateError
 * of the two.
 */
function withLeak(failure: unknown, removeError: unknown, jobId: string): Error {
  const leak = `its container ${jobId.slice(0, 12)} could not be removed either (${messageOf(removeError)}); sweepOrphans() removes it later`;
  const both = new AggregateError([failure, removeError], `${messageOf(failure)}; and ${leak}`);
  if (!isEngineError(failure)) return both;
  return failure.with({ hint: failure.hint === undefined ? `And ${leak}` : `${failure.hint}. And ${leak}`, cause: both });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
