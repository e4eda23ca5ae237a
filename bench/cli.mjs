// The CLI as users run it: `docker-job` end to end for `true` in a local busybox image against
// `docker run --rm` of the same (target: median ratio <= 1.10), and `docker-job --version` cold
// start (target <= 150 ms), beside a bare `node -e ''` start for scale. Alternating, in one run.
//
//   npm run bench:cli            (ROUNDS=30 by default)
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { alternate, fmt, machine, run } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 30);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const image = await ensureBusyboxImage(new Docker());
const jobEnv = { ...process.env, IMAGE: image, COMMAND: 'true', DOCKER_JOB_NETWORK: 'none' };

const job = await alternate(
  {
    'docker-job': () => run(process.execPath, ['--', cli], { env: jobEnv }),
    'docker run --rm': () => run('docker', ['run', '--rm', '--network', 'none', image, 'true']),
  },
  { rounds },
);
const start = await alternate(
  {
    'docker-job --version': () => run(process.execPath, ['--', cli, '--version']),
    "node -e ''": () => run(process.execPath, ['-e', '']),
  },
  { rounds },
);

const ratio = job['docker-job'].median / job['docker run --rm'].median;
console.log(`docker-job CLI, ${rounds} alternating rounds, Node ${process.version}`);
for (const [name, s] of Object.entries({ ...job, ...start })) {
  console.log(`  ${name.padEnd(22)} median ${fmt(s.median)}  min ${fmt(s.min)}  p90 ${fmt(s.p90)}  max ${fmt(s.max)}`);
}
console.log(`  end to end vs docker run --rm : ${ratio.toFixed(3)} (target <= 1.10)`);
console.log(`  --version cold start          : ${fmt(start['docker-job --version'].median)} (target <= 150 ms)`);
if (process.env.BENCH_JSON) console.log(JSON.stringify({ bench: 'cli', machine: machine(), rounds, job, start, ratio }));
