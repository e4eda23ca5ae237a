import type { LauncherIdentity } from './launcher.js';

/** Value of the owner label on every container docker-job creates. */
export const OWNER = 'docker-job';

/** The labels docker-job puts on every container it creates, so that none goes unaccounted for. */
export const LABELS = {
  /** Always `docker-job`. */
  owner: 'io.docker-job.owner',
  /** A fresh UUID per `runDockerJob` call. */
  runId: 'io.docker-job.run-id',
  /** Host name of the launching process. */
  launcherHost: 'io.docker-job.launcher-host',
  /** Process id of the launching process. */
  launcherPid: 'io.docker-job.launcher-pid',
  /** Start time of the launching process (clock ticks since boot), so a recycled pid is not mistaken for it. */
  launcherStart: 'io.docker-job.launcher-start',
  /** The container the launching process runs in, when it runs in one on the same engine as the job. */
  launcherContainer: 'io.docker-job.launcher-container',
  /** The PID namespace of the launching process, so its pid is judged only from that namespace. */
  launcherPidNamespace: 'io.docker-job.launcher-pid-namespace',
  /** The job's remove policy: a container kept on purpose (`on-success`, `never`) is not an orphan. */
  remove: 'io.docker-job.remove',
} as const;

/** The labels that record who launched a job. @internal */
export function launcherLabels(launcher: LauncherIdentity): Record<string, string> {
  return {
    [LABELS.launcherHost]: launcher.host,
    [LABELS.launcherPid]: String(launcher.pid),
    ...(launcher.start === undefined ? {} : { [LABELS.launcherStart]: launcher.start }),
    ...(launcher.container === undefined ? {} : { [LABELS.launcherContainer]: launcher.container }),
    ...(launcher.pidNamespace === undefined ? {} : { [LABELS.launcherPidNamespace]: launcher.pidNamespace }),
  };
}
