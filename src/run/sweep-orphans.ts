import { createDockerEngine } from '../engine/docker/docker-engine.js';
import type { ContainerEngine, JobSummary } from '../engine/container-engine.js';
import { LABELS, OWNER } from './labels.js';
import { currentLauncher, localLauncherState, type LauncherIdentity } from './launcher.js';

/** Options of {@link sweepOrphans}. */
export interface SweepOptions {
  /** The engine to sweep. Default: the local Docker Engine. */
  readonly engine?: ContainerEngine;
  /**
   * Leave alone containers younger than this, in milliseconds, whatever their launcher's state:
   * a launcher that has just started a job may not be visible yet. Default 30000.
   */
  readonly graceMs?: number;
  /** Report what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Sweep only the containers that also carry these labels (a team's, a test suite's). Default: every docker-job container. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Aborts the sweep. */
  readonly signal?: AbortSignal;
}

/** What {@link sweepOrphans} found. */
export interface SweepResult {
  /** Containers whose launcher is gone, removed (or, with `dryRun`, to be removed). */
  readonly removed: readonly string[];
  /** Containers whose launcher still runs. */
  readonly alive: readonly string[];
  /** Containers launched elsewhere, whose launcher this machine cannot check; left alone. */
  readonly unknown: readonly string[];
  /** Containers younger than the grace period; left alone. */
  readonly young: readonly string[];
  /** Stopped containers their job's `remove` policy (`on-success`, `never`) keeps on purpose; left alone. */
  readonly kept: readonly string[];
  /** Containers that could not be removed, with the reason. */
  readonly failed: readonly {
    /** The container's id. */
    readonly id: string;
    /** Why the engine did not remove it. */
    readonly error: unknown;
  }[];
}

/**
 * Removes the containers docker-job started for launchers that are gone: a process killed before
 * its `finally` could run (SIGKILL, OOM kill, a machine that lost power), whose containers would
 * otherwise run and stay forever. Call it when a worker or the CLI starts (`docker-job --sweep`).
 *
 * A launcher is gone when its process no longer runs on this host in the same PID namespace (same
 * pid *and* start time, so a recycled pid is not taken for it), or, for a launcher that ran in a
 * container of the same engine (the proxy image), when that container no longer runs or exists.
 * Containers launched from other hosts or PID namespaces cannot be checked from here and are left
 * alone, as are containers younger than `graceMs` and stopped containers their job's `remove`
 * policy keeps on purpose.
 */
export async function sweepOrphans(options: SweepOptions = {}): Promise<SweepResult> {
  const engine = options.engine ?? createDockerEngine();
  const graceMs = options.graceMs ?? 30_000;
  const call = options.signal ? { signal: options.signal } : {};
  const self = currentLauncher();
  const now = Date.now();

  const jobs = await engine.listJobs({ labels: { ...options.labels, [LABELS.owner]: OWNER } }, call);
  const young: string[] = [];
  const kept: string[] = [];
  const candidates: JobSummary[] = [];
  for (const job of jobs) {
    if (now - job.createdAt < graceMs) young.push(job.id);
    else if (keptOnPurpose(job)) kept.push(job.id);
    else candidates.push(job);
  }

  const runningLaunchers = await liveLauncherContainers(engine, candidates, self, call);
  const removed: string[] = [];
  const alive: string[] = [];
  const unknown: string[] = [];
  for (const job of candidates) {
    const state = launcherState(job, self, runningLaunchers);
    (state === 'gone' ? removed : state === 'alive' ? alive : unknown).push(job.id);
  }

  const failed: { id: string; error: unknown }[] = [];
  if (!options.dryRun) {
    const results = await Promise.allSettled(removed.map((id) => engine.removeJob(id, call)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ id: removed[i] as string, error: r.reason });
    });
  }
  const failedIds = new Set(failed.map((f) => f.id));
  return { removed: removed.filter((id) => !failedIds.has(id)), alive, unknown, young, kept, failed };
}

/** A stopped container whose job asked to keep it (`remove: on-success` after a failure, `never`). */
function keptOnPurpose(job: JobSummary): boolean {
  const policy = job.labels[LABELS.remove];
  return policy !== undefined && policy !== 'always' && job.state !== 'running' && job.state !== 'restarting';
}

function launcherState(job: JobSummary, self: LauncherIdentity, runningLaunchers: ReadonlySet<string>): 'alive' | 'gone' | 'unknown' {
  const labels = job.labels;
  const container = labels[LABELS.launcherContainer];
  // A launcher in another container of this engine (the label is set only after the runner saw
  // that container on the job's engine): the engine knows whether it still runs. Removed counts
  // as gone.
  if (container !== undefined && container !== self.container) return runningLaunchers.has(container) ? 'alive' : 'gone';
  return localLauncherState(
    { host: labels[LABELS.launcherHost], pid: labels[LABELS.launcherPid], start: labels[LABELS.launcherStart], pidNamespace: labels[LABELS.launcherPidNamespace] },
    self,
  );
}

/** The launcher containers, among those the candidates name, that are running now. */
async function liveLauncherContainers(engine: ContainerEngine, jobs: readonly JobSummary[], self: LauncherIdentity, call: { signal?: AbortSignal }): Promise<Set<string>> {
  const ids = [...new Set(jobs.map((j) => j.labels[LABELS.launcherContainer]).filter((c): c is string => c !== undefined && c !== self.container))];
  if (ids.length === 0) return new Set();
  const found = await engine.listJobs({ labels: {}, ids }, call);
  return new Set(found.filter((c) => c.state === 'running').map((c) => c.id));
}
