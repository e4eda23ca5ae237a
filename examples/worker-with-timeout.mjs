// A worker's start-up and one bounded job, as an orchestrator's worker would run them:
// 1. remove the containers that dead launchers left behind (a worker killed with SIGKILL, say);
// 2. run a job that must finish within a time limit, and cancel it on Ctrl-C;
// 3. report how it ended: the same result shape for success, failure, timeout and cancellation.
//
//   npm run build && node examples/worker-with-timeout.mjs
//   JOB_SECONDS=1 node examples/worker-with-timeout.mjs    # a job that finishes in time
import { runDockerJob, sweepOrphans } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';

const image = await ensureBusyboxImage();
const seconds = Number(process.env.JOB_SECONDS ?? 30);

const swept = await sweepOrphans();
console.log(`sweep: removed ${swept.removed.length} orphan(s), ${swept.alive.length} belong to live launchers`);

const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort());

const result = await runDockerJob(
  {
    image,
    network: 'none',
    // Traps TERM like a well-behaved job: says goodbye within its grace period.
    command: ['sh', '-c', `trap 'echo "stopping cleanly"; exit 0' TERM; echo "working for ${seconds}s"; sleep ${seconds} & wait; echo finished`],
    timeoutMs: 2_000,
    stopTimeout: 5,
  },
  {
    signal: cancel.signal,
    sinks: [{ write: (line) => console.log(`[job ${line.stream}] ${line.text}`) }],
  },
);

console.log(`exitCode=${result.exitCode} timedOut=${result.timedOut} canceled=${result.canceled} failed=${result.failed}`);
