// Building an image: buildImage against `docker build` with the classic builder (DOCKER_BUILDKIT=0),
// the same context and Dockerfile, alternating in one run. Target: median ratio <= 1.10 in each
// scenario. Also reports the time spent packing a context of 10,000 small files (packBuildContext
// drained to nothing), beside GNU tar packing the same directory.
//
//   npm run bench:build        (ROUNDS=15 by default; BENCH_JSON=1 for the figures as JSON)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildImage, createDockerImageEngine, packBuildContext } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { alternate, fmt, machine } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 15);
const docker = new Docker();
const engine = createDockerImageEngine();
const base = await ensureBusyboxImage(docker);
const version = await docker.version();
const LABEL = 'docker-job-bench=build';
const work = await mkdtemp(join(tmpdir(), 'docker-job-bench-build-'));

/** A directory of `count` small files in `count / 100` directories, plus a Dockerfile. */
async function makeContext(name, count, dockerfile) {
  const dir = join(work, name);
  for (let d = 0; d < Math.ceil(count / 100); d++) {
    await mkdir(join(dir, `pkg${d}`), { recursive: true });
    await Promise.all(
      Array.from({ length: Math.min(100, count - d * 100) }, (_, f) => writeFile(join(dir, `pkg${d}`, `module${f}.py`), `# module ${d}.${f}\nVALUE = ${d * 100 + f}\n`)),
    );
  }
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  await writeFile(join(dir, '.dockerignore'), '**/*.pyc\n');
  return dir;
}

/** Runs a command with its output discarded; rejects on a non-zero exit. */
function quiet(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

const scenarios = {
  // A rebuild whose steps are all cached: context upload and cache lookups dominate.
  'cached, 1,000 files': {
    dir: await makeContext('cached', 1000, `FROM ${base}\nCOPY . /app\nRUN ls -R /app | wc -l > /app/count\n`),
    noCache: false,
  },
  // A build that runs every step: the engine's work dominates.
  'no cache, 100 files': {
    dir: await makeContext('nocache', 100, `FROM ${base}\nCOPY . /app\nRUN ls -R /app | wc -l > /app/count\nRUN echo built > /app/done\n`),
    noCache: true,
  },
};

const report = { bench: 'build', machine: machine(), engine: { version: version.Version, apiVersion: version.ApiVersion }, rounds, scenarios: {} };
try {
  console.log(`build: buildImage vs docker build (classic builder), ${rounds} alternating rounds, engine ${version.Version} (API ${version.ApiVersion})`);
  for (const [name, { dir, noCache }] of Object.entries(scenarios)) {
    const tag = (who) => `docker-job-bench/build-${who}:${name.replace(/\W+/g, '-')}`;
    const contenders = {
      buildImage: () => buildImage({ context: dir, tags: [tag('ours')], noCache, labels: { 'docker-job-bench': 'build' } }, { engine }),
      'docker build': () =>
        quiet('docker', ['build', '-q', ...(noCache ? ['--no-cache'] : []), '--label', LABEL, '-t', tag('cli'), dir], { DOCKER_BUILDKIT: '0' }),
    };
    const results = await alternate(contenders, { rounds });
    const ratio = results.buildImage.median / results['docker build'].median;
    report.scenarios[name] = { results, ratio };
    console.log(`  ${name}`);
    for (const [who, s] of Object.entries(results)) console.log(`    ${who.padEnd(13)} median ${fmt(s.median)}  min ${fmt(s.min)}  p90 ${fmt(s.p90)}  max ${fmt(s.max)}`);
    console.log(`    ratio buildImage / docker build: ${ratio.toFixed(3)} (target <= 1.10)`);
    for (const who of ['ours', 'cli']) await docker.getImage(tag(who)).remove({ force: true }).catch(() => {});
  }

  // Packing alone: 10,000 small files, drained to nothing, against GNU tar on the same directory.
  const big = await makeContext('pack-10k', 10_000, `FROM ${base}\n`);
  const pack = async () => {
    for await (const chunk of packBuildContext({ dir: big, dockerfile: 'Dockerfile' })) void chunk;
  };
  const tar = () => quiet('tar', ['-cf', '/dev/null', '-C', big, '.']);
  const packing = await alternate({ packBuildContext: pack, 'tar -c': tar }, { rounds: 10, warmup: 2 });
  report.packing = packing;
  console.log('  packing a context of 10,000 small files');
  for (const [who, s] of Object.entries(packing)) console.log(`    ${who.padEnd(16)} median ${fmt(s.median)}  min ${fmt(s.min)}  p90 ${fmt(s.p90)}  max ${fmt(s.max)}`);
} finally {
  // The no-cache builds leave the previous round's images behind, untagged: they carry our label.
  await docker.pruneImages({ filters: { label: [LABEL], dangling: ['true'] } }).catch(() => {});
  await rm(work, { recursive: true, force: true });
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(report));
