// Overhead of one whole job: runDockerJob against `docker run --rm` and against a bare dockerode
// baseline (create, attach, start, wait, remove: no labels, no checks), for `true` in a local
// busybox image, alternating in one run. Targets: <= 1.00 against the CLI, <= 1.03 against the
// baseline.
//
//   npm run bench:overhead            (ROUNDS=40 by default)
import Docker from 'dockerode';
import { runDockerJob, createDockerEngine } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { alternate, fmt, machine, run } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 40);
const docker = new Docker();
const engine = createDockerEngine();
const image = await ensureBusyboxImage(docker);
const engineInfo = await engine.ping();

const contenders = {
  'docker-job': async () => {
    const r = await runDockerJob({ image, command: ['true'], network: 'none' }, { engine, sinks: [] });
    if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}`);
  },
  'docker run --rm': () => run('docker', ['run', '--rm', '--network', 'none', image, 'true']),
  'dockerode run': async () => {
    const [data, container] = await docker.run(image, ['true'], null, { HostConfig: { NetworkMode: 'none' } });
    await container.remove({ force: true, v: true });
    if (data.StatusCode !== 0) throw new Error(`exit ${data.StatusCode}`);
  },
};

const results = await alternate(contenders, { rounds });
const ours = results['docker-job'].median;
const ratios = {
  vsDockerCli: ours / results['docker run --rm'].median,
  vsDockerodeBaseline: ours / results['dockerode run'].median,
};

console.log(`overhead of one job (true), ${rounds} alternating rounds, engine ${engineInfo.version} (API ${engineInfo.apiVersion})`);
for (const [name, s] of Object.entries(results)) {
  console.log(`  ${name.padEnd(16)} median ${fmt(s.median)}  min ${fmt(s.min)}  p90 ${fmt(s.p90)}  max ${fmt(s.max)}`);
}
console.log(`  ratio vs docker run --rm : ${ratios.vsDockerCli.toFixed(3)} (target <= 1.00)`);
console.log(`  ratio vs dockerode run   : ${ratios.vsDockerodeBaseline.toFixed(3)} (target <= 1.03)`);
if (process.env.BENCH_JSON) console.log(JSON.stringify({ bench: 'overhead', machine: machine(), engine: engineInfo, rounds, results, ratios }));
