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
} as const;
