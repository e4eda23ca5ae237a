/**
 * Stage 2 of a run, create: the job's spec made, the image pulled as the pull policy says, the job
 * created on the engine, and the sinks told what it is. A create whose answer was lost does not
 * leak a job: whatever carries this run's id is removed.
 */
import { effectivePullPolicy } from '../../core/job-fields.js';
import { registryAuthDefaults } from '../../engine/docker/docker-auth.js';
import type { ContainerEngine, EngineJob, JobSpec } from '../../engine/container-engine.js';
import { isEngineError } from '../../errors/engine-error.js';
import { resolveImageAuth, type RegistryAuth } from '../../registry/resolve-registry-auth.js';
import { toJobSpec } from '../job-spec.js';
import { LABELS } from '../labels.js';
import { currentLauncher, type LauncherIdentity } from '../launcher.js';
import type { PreparedRun } from './prepare.js';

/** Creates the run's job on its engine; resolves once the sinks know it. @internal */
export async function create(run: PreparedRun): Promise<EngineJob> {
  run.options.signal?.throwIfAborted();
  const spec = toJobSpec(run.job, run.runId, await launcherOn(run.engine), run.engine.capabilities.images);
  const handle = await createWithPullPolicy(run, spec);
  await run.sinks.open({ name: run.job.name ?? run.job.image, image: run.job.image, containerId: handle.id });
  await run.sinks.event({ type: 'created', containerId: handle.id });
  return handle;
}

/**
 * Creates the job's container, pulling the image as the policy says. For `missing`, like the docker
 * CLI, it tries to create first and pulls only when the engine says the image is absent: the
 * common case (image present) costs no extra request.
 */
async function createWithPullPolicy(run: PreparedRun, spec: JobSpec): Promise<EngineJob> {
  const { engine, job, options, sinks: fanout } = run;
  const { signal } = options;
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

function isMissingImage(error: unknown): boolean {
  return isEngineError(error) && error.statusCode === 404 && /no such image/i.test(error.reason ?? '');
}
