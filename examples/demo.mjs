// The README's demo: run a real job that prints lines on stdout and stderr and exits with a
// chosen code (DEMO_EXIT_CODE, default 3), then show how it ended.
//
//   npm run demo                 # engine, build, this file
//   DEMO_EXIT_CODE=0 npm run demo
import { runDockerJob } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';

const exitCode = Number(process.env.DEMO_EXIT_CODE ?? 3);
const image = await ensureBusyboxImage();

const result = await runDockerJob({
  image,
  name: `docker-job-demo-${process.pid}`,
  network: 'none',
  env: { TABLES: 'users orders payments' },
  command: [
    'sh',
    '-c',
    `for t in $TABLES; do echo "loading table $t"; done
     echo "warning: 2 rows of orders skipped (bad dates)" >&2
     printf "done, exiting with ${exitCode}"
     exit ${exitCode}`,
  ],
});

console.log(
  `\njob ${result.containerId.slice(0, 12)} (${image}) exited with code ${result.exitCode} ` +
    `in ${result.durationMs} ms; failed=${result.failed}, timedOut=${result.timedOut}, canceled=${result.canceled}`,
);
