/**
 * Stage 5 of a run, clean up: on every path, the job removed (unless its remove policy keeps a
 * finished one), every line delivered and the sinks closed.
 */
import { removesContainer } from '../../core/job-fields.js';
import type { EngineJob } from '../../engine/container-engine.js';
import type { PreparedRun } from './prepare.js';
import type { JobControl, RunDeadlines } from './stop.js';

/**
 * Cleans up after a run. `succeeded`: whether the job exited 0 on its own; `undefined` when the
 * run failed before the job ended (it may not even have stopped: it is always removed).
 * @returns the error of a remove that failed, if one did.
 * @internal
 */
export async function cleanUp(run: PreparedRun, control: JobControl, handle: EngineJob | undefined, succeeded: boolean | undefined, deadlines: RunDeadlines): Promise<{ readonly removeError?: unknown }> {
  control.dispose();
  let removeError: { readonly removeError?: unknown } = {};
  if (handle !== undefined && (succeeded === undefined || removesContainer(run.job.remove, succeeded))) {
    try {
      await handle.remove({ signal: AbortSignal.timeout(deadlines.removeMs) });
      await run.sinks.event({ type: 'removed', containerId: handle.id });
    } catch (error) {
      removeError = { removeError: error };
    }
  }
  // The output ends once the job is gone; every line reaches the sinks before they close.
  await run.pipeline.finish();
  await run.sinks.close();
  return removeError;
}
