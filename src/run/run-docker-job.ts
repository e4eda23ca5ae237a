/**
 * `runDockerJob`: one job from its configuration to its result, in six stages (src/run/stages/):
 *
 * 1. prepare: the job resolved, its engine checked against it, the sinks made; nothing contacted;
 * 2. create: the image pulled as the policy says, the job created;
 * 3. run and watch: started, its output carried to the sinks until it ends and the exit is known;
 * 4. stop: meanwhile its timeout, the caller's signal and kill signal, and the deadlines on an
 *    engine that stops answering;
 * 5. clean up: on every path, the job removed (or kept, as its remove policy says), the sinks closed;
 * 6. result: the one place the result (or the error) is built.
 */
import type { JobConfig } from '../core/job-fields.js';
import type { EngineJob, ExitStatus } from '../engine/container-engine.js';
import type { JobResult, RunOptions } from './run-options.js';
import { cleanUp } from './stages/clean-up.js';
import { create } from './stages/create.js';
import { prepare } from './stages/prepare.js';
import { result, succeeded } from './stages/result.js';
import { DEFAULT_DEADLINES, JobControl, type RunDeadlines } from './stages/stop.js';
import { runAndWatch } from './stages/watch.js';

export type { JobResult, RunOptions } from './run-options.js';

/**
 * Runs one job to completion: pulls the image if the pull policy says so, creates the container,
 * streams every byte of its stdout and stderr into the sinks as lines, and resolves with its exit
 * status. The container is removed on every path (unless the job's `remove` policy keeps it),
 * and the sinks are closed before the promise settles.
 *
 * A non-zero exit, a timeout and a cancellation after start all *resolve* (see {@link JobResult}).
 * @throws {ConfigError} when `config` is invalid, or sets a field the engine cannot honour (nothing is contacted).
 * @throws {EngineError} when the engine cannot be reached or refuses the job.
 */
export function runDockerJob(config: JobConfig, options: RunOptions = {}): Promise<JobResult> {
  return runJob(config, options, DEFAULT_DEADLINES);
}

/** {@link runDockerJob} with the deadlines given: tests shorten them. @internal */
export async function runJob(config: JobConfig, options: RunOptions, deadlines: RunDeadlines): Promise<JobResult> {
  const startedAt = performance.now();
  const run = prepare(config, options);
  const control = new JobControl(run.job, run.sinks, options, deadlines);
  let handle: EngineJob | undefined;
  let exit: ExitStatus | undefined;
  let failure: { error: unknown } | undefined;
  try {
    handle = await create(run);
    exit = await runAndWatch(run, handle, control);
  } catch (error) {
    failure = { error };
  }
  const { removeError } = await cleanUp(run, control, handle, exit && succeeded(exit, control.reason), deadlines);
  return result(run, {
    startedAt,
    jobId: handle?.id,
    exit,
    stopReason: control.reason,
    ...(failure === undefined ? {} : { failure }),
    ...(removeError === undefined ? {} : { removeError }),
  });
}
