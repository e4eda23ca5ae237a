import { randomUUID } from 'node:crypto';
import { variableOf } from '../core/env.js';
import { isResolvedJob, parseJobConfig } from '../core/job-config.js';
import { effectivePullPolicy, removesContainer, SPEC_FIELDS, unsupportedFieldIssues, type JobConfig, type ResolvedJob } from '../core/job-fields.js';
import { ConfigError } from '../errors/config-error.js';
import { createDockerEngine } from '../engine/docker/docker-engine.js';
import type { ContainerEngine, EngineCapabilities, EngineJob, JobSpec, PullProgress } from '../engine/container-engine.js';
import { EngineError, isEngineError } from '../errors/engine-error.js';
import type { LogSink } from '../logs/log-sink.js';
import { OutputPipeline, type OutputTailLines } from '../logs/output-pipeline.js';
import { DEFAULT_TAIL_LINES } from '../logs/output-tail.js';
import { resolveMaskValues, type MaskSecretsOptions } from '../logs/secret-masker.js';
import { SinkFanout, type SinkFailure } from '../logs/sink-fanout.js';
import { TslogSink } from '../logs/sinks/tslog-sink.js';
import { LABELS, OWNER, launcherLabels } from './labels.js';
import { registryAuthDefaults } from '../engine/docker/docker-auth.js';
import { resolveImageAuth, type RegistryAuth, type RegistryAuthOptions } from '../registry/resolve-registry-auth.js';
import { currentLauncher, type LauncherIdentity } from './launcher.js';
import { describeJobResult } from './job-message.js';

/** Options of {@link runDockerJob}. */
export interface RunOptions {
  /** Where the job's output goes. Default: one {@link TslogSink}. Pass `[]` to discard output. */
  readonly sinks?: readonly LogSink[];
  /**
   * Cancels the job. Before the container starts, the call rejects with the signal's reason and
   * nothing runs; after, the container is stopped (stop signal, then a kill after `stopTimeout`),
   * its output up to then is delivered, and the result has `canceled: true`.
   */
  readonly signal?: AbortSignal;
  /**
   * Kills the job at once (a stop with no grace period) when it aborts, whether or not `signal`
   * already asked for a graceful stop: what a second Ctrl-C does in the CLI.
   */
  readonly killSignal?: AbortSignal;
  /** The engine to run on. Default: the local Docker Engine (`DOCKER_HOST` or the default socket). */
  readonly engine?: ContainerEngine;
  /** Called with the engine's pull progress when the image is pulled. */
  readonly onPullProgress?: (event: PullProgress) => void;
  /**
   * Where the credentials for pulling the image come from: `credentials` as they are, else the
   * Docker config in `dockerConfigDir` (`auths`, `credHelpers`, `credsStore`). Default: the Docker
   * config the docker CLI would read (`DOCKER_CONFIG`, else `~/.docker`). Read only when a pull
   * happens. Credentials are never logged.
   */
  readonly registryAuth?: RegistryAuthOptions;
  /**
   * The environment the Docker config (`DOCKER_CONFIG`, `HOME`) and credential helpers are taken
   * from when a pull needs credentials. Default: `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Replace secret values in the child's output with `***` before any sink, the tail or the
   * message sees them. Default: on, for the values of the job's environment variables whose names
   * look secret (see {@link MaskSecretsOptions}); `false` turns it off. A job without secret
   * values pays nothing for it.
   */
  readonly maskSecrets?: boolean | MaskSecretsOptions;
  /** Called once for each sink that fails and is detached, as it happens (they are also in {@link JobResult.sinkFailures}). */
  readonly onSinkFailure?: (failure: SinkFailure) => void;
  /**
   * The line cap, in UTF-16 code units: a longer line reaches line sinks in pieces marked
   * `continued`. Default 1,048,576 (1 MiB of ASCII).
   */
  readonly maxLineLength?: number;
  /** How many of the last lines of each stream {@link JobResult.tail} keeps. Default 20. */
  readonly tailLines?: number;
}

/** How a job ended. The same shape whether the child succeeded, failed, timed out or was canceled. */
export interface JobResult {
  /** The child's exit code; 126/127 when it could not be started; 137 when killed. */
  readonly exitCode: number;
  /** `true` unless the child exited 0 on its own. */
  readonly failed: boolean;
  /** The container that ran the job (removed by now, unless the job's `remove` policy kept it). */
  readonly containerId: string;
  /** The image that ran. */
  readonly image: string;
  /** Wall time from the call to the result, in milliseconds. */
  readonly durationMs: number;
  /** The job was stopped because `timeoutMs` passed. */
  readonly timedOut: boolean;
  /** The job was stopped because the caller's `signal` fired. */
  readonly canceled: boolean;
  /**
   * The kernel killed the child for exceeding its memory limit; `undefined` when the engine cannot
   * tell (its `capabilities.oomKill` is `unknown`), and the message then says so.
   */
  readonly oomKilled: boolean | undefined;
  /** The engine's reason when the child could not be started (command not found, not executable). */
  readonly startError?: string;
  /** Sinks that threw or rejected and were detached; the job itself went on. */
  readonly sinkFailures: readonly SinkFailure[];
  /**
   * The last lines of each stream (`RunOptions.tailLines`, default 20, from at most the last
   * 16 KiB of each stream), secrets masked: enough to say why a job failed without keeping its output.
   */
  readonly tail: OutputTailLines;
  /**
   * How the job ended, for people: one line (`Job etl (busybox, container 0123456789ab) failed
   * with exit code 3 after 1.2 s`), followed for a failed job by the tail of stderr and then of
   * stdout, as execa builds its error messages, and by any sink that failed.
   */
  readonly message: string;
}

const REMOVE_DEADLINE_MS = 120_000;
/** Seconds, beyond the grace period, that a stop may take before the engine is taken as gone. */
const STOP_DEADLINE_S = 60;

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
export async function runDockerJob(config: JobConfig, options: RunOptions = {}): Promise<JobResult> {
  const started = performance.now();
  // A job parsed already (configFromEnv, parseJobConfig) is taken as it is: its env files are not read again.
  const job = isResolvedJob(config) ? config : parseJobConfig(config);
  const engine = options.engine ?? createDockerEngine();
  checkEngineSupport(job, engine);
  const fanout = new SinkFanout(options.sinks ?? [new TslogSink()], {
    bytesToByteSinks: true,
    ...(options.onSinkFailure ? { onFailure: options.onSinkFailure } : {}),
  });
  const pipeline = new OutputPipeline(fanout, {
    maskValues: resolveMaskValues(job.env, options.maskSecrets),
    ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
  });
  let pumping: Promise<void> | undefined;
  const { signal } = options;

  let handle: EngineJob | undefined;
  let exitKnown = false; // once the job has exited, a timeout or an abort no longer stops anything
  let stopReason: 'timeout' | 'cancel' | undefined;
  let stopping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let giveUpTimer: NodeJS.Timeout | undefined;
  let outcome: Omit<JobResult, 'message'> | undefined;
  // Releases the job's streams if the engine stops answering after a stop: nothing hangs.
  const giveUp = new AbortController();

  const requestStop = (reason: 'timeout' | 'cancel') => {
    if (stopReason || !handle || exitKnown) return;
    stopReason = reason;
    const h = handle;
    void fanout.event({ type: 'stopping', reason, graceSeconds: job.stopTimeout });
    stopping = h.stop({ timeoutSeconds: job.stopTimeout, signal: AbortSignal.timeout((job.stopTimeout + STOP_DEADLINE_S) * 1000) });
    // Once the engine says the container stopped (or could not say), its output and exit follow
    // at once; if they do not within the deadline, the engine is gone: give up rather than hang.
    stopping.then(
      () => (giveUpTimer = setTimeout(() => giveUp.abort(new Error('the engine reported the container stopped, but its output and exit did not end')), STOP_DEADLINE_S * 1000)),
      (error: unknown) => (giveUpTimer = setTimeout(() => giveUp.abort(error), STOP_DEADLINE_S * 1000)),
    );
  };
  const onAbort = () => requestStop('cancel');
  const onKill = () => {
    if (!handle || exitKnown) return;
    requestStop('cancel');
    handle.stop({ timeoutSeconds: 0, signal: AbortSignal.timeout(STOP_DEADLINE_S * 1000) }).catch(() => {});
  };

  const runId = randomUUID();
  let failure: { error: unknown } | undefined;
  let removeError: unknown;
  try {
    signal?.throwIfAborted();
    const spec = toJobSpec(job, runId, await launcherOn(engine), engine.capabilities.images);
    handle = await createWithPullPolicy(engine, job, spec, signal, options, fanout);
    await fanout.open({ name: job.name ?? job.image, image: job.image, containerId: handle.id });
    await fanout.event({ type: 'created', containerId: handle.id });
    signal?.throwIfAborted();
    const run = await handle.start({ signal: giveUp.signal });
    await fanout.event({ type: 'started', containerId: handle.id });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort(); // aborted while starting: the listener would never fire
    options.killSignal?.addEventListener('abort', onKill, { once: true });
    if (options.killSignal?.aborted) onKill();
    if (job.timeoutMs !== undefined) timer = setTimeout(() => requestStop('timeout'), job.timeoutMs);

    // The job is over when both the output has ended and the exit is known.
    pumping = pipeline.run(run.output);
    const exited = run.exit.finally(() => {
      // The job is over: a timeout or an abort that comes while the output drains stops nothing.
      exitKnown = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      options.killSignal?.removeEventListener('abort', onKill);
    });
    const [exit] = await Promise.all([exited, pumping]);
    // The exit and every byte are known: a stop that failed (the engine blinked) changes nothing.
    await stopping?.catch(() => {});
    await fanout.event({ type: 'exited', exitCode: exit.exitCode, oomKilled: exit.oomKilled });
    outcome = {
      exitCode: exit.exitCode,
      failed: exit.exitCode !== 0 || stopReason !== undefined,
      containerId: handle.id,
      image: job.image,
      timedOut: stopReason === 'timeout',
      canceled: stopReason === 'cancel',
      oomKilled: exit.oomKilled,
      ...(exit.startError === undefined ? {} : { startError: exit.startError }),
      durationMs: 0,
      sinkFailures: fanout.failures, // the same array: failures while closing are included
      tail: { stdout: [], stderr: [], merged: [] },
    };
  } catch (error) {
    failure = { error };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    options.killSignal?.removeEventListener('abort', onKill);
    clearTimeout(timer);
    clearTimeout(giveUpTimer);
    giveUp.abort(); // releases any stream still open (after a failure)
    // The remove policy keeps finished jobs for inspection; a run that failed (the engine broke, the
    // caller aborted before the start) is always cleaned up: it may not even have stopped.
    if (handle && (outcome === undefined || removesContainer(job.remove, !outcome.failed))) {
      try {
        await handle.remove({ signal: AbortSignal.timeout(REMOVE_DEADLINE_MS) });
        await fanout.event({ type: 'removed', containerId: handle.id });
      } catch (error) {
        removeError = error;
      }
    }
    // The output ends once the container is gone; every line reaches the sinks before they close.
    await pumping?.catch(() => {});
    await pipeline.end();
    await fanout.close();
  }
  // A container we could not remove is a leak the caller must hear about, even after a success,
  // and together with what failed the run.
  if (failure !== undefined) throw removeError === undefined ? failure.error : withLeak(failure.error, removeError, handle?.id ?? '');
  if (removeError !== undefined) throw removeError;
  if (outcome === undefined) throw new Error('unreachable: a run without a failure has an outcome');
  const result = { ...outcome, durationMs: Math.round(performance.now() - started), tail: pipeline.tail(options.tailLines ?? DEFAULT_TAIL_LINES) };
  return {
    ...result,
    message: describeJobResult({ ...result, name: job.name, ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }) }),
  };
}

/**
 * Creates the job's container, pulling the image as the policy says. For `missing`, like the docker
 * CLI, it tries to create first and pulls only when the engine says the image is absent: the
 * common case (image present) costs no extra request.
 */
async function createWithPullPolicy(
  engine: ContainerEngine,
  job: ResolvedJob,
  spec: JobSpec,
  signal: AbortSignal | undefined,
  options: RunOptions,
  fanout: SinkFanout,
): Promise<EngineJob> {
  const imageAuth = () => resolveImageAuth(job.image, { ...registryAuthDefaults(options.env), ...options.registryAuth, ...(signal ? { signal } : {}) });
  const pullImage = engine.pullImage?.bind(engine);
  if (engine.capabilities.images === 'nodes' || pullImage === undefined) {
    // The engine's nodes pull, as the policy in the spec says; they need the credentials.
    const auth = spec.pull === 'never' ? undefined : await imageAuth();
    signal?.throwIfAborted();
    return createOrClean(engine, spec, auth);
  }
  const pull = async () => {
    const image = job.image;
    const auth = await imageAuth();
    await pullImage(image, {
      ...(signal ? { signal } : {}),
      ...(auth ? { auth } : {}),
      onProgress: (event) => {
        // A progress display that throws must not fail the pull it shows.
        try {
          options.onPullProgress?.(event);
        } catch {
          /* ignored: informational */
        }
        void fanout.event({ type: 'pull-progress', image, ...event });
      },
    });
    await fanout.event({ type: 'pulled', image });
  };
  const policy = effectivePullPolicy(job);
  if (policy === 'always') await pull();
  signal?.throwIfAborted();
  // No signal on create: a container created while the request was being aborted would be
  // unknown to us, and left behind.
  try {
    return await createOrClean(engine, spec);
  } catch (error) {
    if (policy !== 'missing' || !isMissingImage(error)) throw error;
  }
  await pull();
  signal?.throwIfAborted();
  return createOrClean(engine, spec);
}

/**
 * Creates the job; when the create fails without an answer from the engine (a deadline, a cut
 * connection), the engine may have created it anyway: whatever carries this run's id is removed.
 */
async function createOrClean(engine: ContainerEngine, spec: JobSpec, auth?: RegistryAuth): Promise<EngineJob> {
  try {
    return await engine.createJob(spec, auth ? { auth } : {});
  } catch (error) {
    if (!isEngineError(error) || error.statusCode === undefined) {
      const runId = spec.labels[LABELS.runId] as string;
      const made = await engine.listJobs({ labels: { [LABELS.runId]: runId } }).catch(() => []);
      await Promise.allSettled(made.map((j) => engine.removeJob(j.id)));
    }
    throw error;
  }
}

/**
 * This process as the launcher of jobs on `engine`. The launcher's container is recorded only
 * when the engine knows it (the proxy image on the same engine): a sweep on that engine can then
 * tell whether it still runs. Asked once per engine.
 */
function launcherOn(engine: ContainerEngine): Promise<LauncherIdentity> {
  let known = launchers.get(engine);
  if (known === undefined) {
    known = (async () => {
      const { container, ...launcher } = currentLauncher();
      if (container === undefined) return launcher;
      const found = await engine.listJobs({ labels: {}, ids: [container] }).catch(() => []);
      return found.some((c) => c.id === container) ? { ...launcher, container } : launcher;
    })();
    launchers.set(engine, known);
  }
  return known;
}

/** Per engine: the launcher identity {@link launcherOn} worked out (a fact of this process, cached). */
const launchers = new WeakMap<ContainerEngine, Promise<LauncherIdentity>>();

/**
 * The error of a failed run whose container could not be removed either. An engine error stays an
 * {@link EngineError} of its kind (an unreachable engine is the usual reason for both), its message
 * naming the container left behind; both errors are its `cause`. Anything else becomes an
 * AggregateError of the two.
 */
function withLeak(failure: unknown, removeError: unknown, containerId: string): Error {
  const leak = `its container ${containerId.slice(0, 12)} could not be removed either (${messageOf(removeError)}); sweepOrphans() removes it later`;
  const both = new AggregateError([failure, removeError], `${messageOf(failure)}; and ${leak}`);
  if (!isEngineError(failure)) return both;
  return failure.with({ hint: failure.hint === undefined ? `And ${leak}` : `${failure.hint}. And ${leak}`, cause: both });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isMissingImage(error: unknown): boolean {
  return isEngineError(error) && error.statusCode === 404 && /no such image/i.test(error.reason ?? '');
}

/**
 * Refuses, before the engine is contacted, a job the engine cannot run as asked: a field it does
 * not honour (named as the user wrote it: the field, or its `DOCKER_JOB_*` variable), or a pull
 * policy its nodes cannot apply. Nothing is dropped silently.
 * @throws {ConfigError} naming every such field.
 */
export function checkEngineSupport(job: ResolvedJob, engine: Pick<ContainerEngine, 'name' | 'capabilities'>): void {
  const { capabilities } = engine;
  const issues = unsupportedFieldIssues(job, { name: engine.name, fields: capabilities.fields }, (field) => variableOf(job, field));
  if (capabilities.images === 'nodes') {
    const policy = effectivePullPolicy(job);
    const honoured = capabilities.pullPolicies ?? ['always', 'missing', 'never'];
    if (!honoured.includes(policy)) {
      issues.push({
        path: variableOf(job, 'pull') ?? 'pull',
        message: `${job.pull === undefined ? `defaults to ${policy} for this image, ` : ''}a pull policy the ${engine.name}'s nodes cannot apply`,
        expected: `one of ${honoured.join(', ')}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Builds the engine's job spec from a resolved job: the fields that reach engines, as they are,
 * and the ownership labels; for an engine whose nodes pull, the pull policy too.
 */
export function toJobSpec(job: ResolvedJob, runId: string = randomUUID(), launcher: LauncherIdentity = currentLauncher(), images: EngineCapabilities['images'] = 'local'): JobSpec {
  const spec: Record<string, unknown> = {};
  for (const field of SPEC_FIELDS) if (job[field] !== undefined) spec[field] = job[field];
  spec['labels'] = { ...job.labels, [LABELS.owner]: OWNER, [LABELS.runId]: runId, ...launcherLabels(launcher), [LABELS.remove]: job.remove };
  if (images === 'nodes') spec['pull'] = effectivePullPolicy(job);
  return spec as unknown as JobSpec;
}
