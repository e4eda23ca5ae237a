/**
 * Stage 3 of a run, run and watch: the job started, its output carried to the sinks while the
 * stop stage watches it, until both its output has ended and its exit is known.
 */
import type { EngineJob, ExitStatus } from '../../engine/container-engine.js';
import type { PreparedRun } from './prepare.js';
import type { JobControl } from './stop.js';

/** Runs a created job to its end; resolves with its exit. @internal */
export async function runAndWatch(run: PreparedRun, handle: EngineJob, control: JobControl): Promise<ExitStatus> {
  run.options.signal?.throwIfAborted();
  const started = await handle.start({ signal: control.giveUp });
  await run.sinks.event({ type: 'started', containerId: handle.id });
  control.watch(handle);
  // The job is over when both the output has ended and the exit is known.
  const exited = started.exit.finally(() => control.exited());
  const [exit] = await Promise.all([exited, run.pipeline.run(started.output)]);
  // The exit and every byte are known: a stop that failed (the engine blinked) changes nothing.
  await control.settled();
  await run.sinks.event({ type: 'exited', exitCode: exit.exitCode, oomKilled: exit.oomKilled });
  return exit;
}
