/**
 * The proxy image end to end: built offline on a Node base image made from the local Node
 * (scripts/node-base-image.mjs), then run the ways the examples run it: from a shell
 * (examples/proxy/run-proxy.sh) and as a Prefect Docker work pool would (examples/proxy/prefect.yaml).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createDockerEngine } from '../../src/index.js';
import { expectNoContainersLeft, SUITE_LABEL, suiteLabels } from '../support/engine.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = createDockerEngine();
const labels = suiteLabels('proxy-image');
const image = inject('fixtureImage');
const version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const proxyImage = `docker-job:${version}`;

let data: string;
const password = `pw-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  const { ensureNodeBaseImage } = await import('../../scripts/node-base-image.mjs');
  const base = await ensureNodeBaseImage();
  // The README's `npm run image:build`, with the offline base image.
  await run(process.execPath, ['scripts/proxy-image.mjs', 'build'], { cwd: root, env: { ...process.env, BASE_IMAGE: base } });
  data = await mkdtemp(join(tmpdir(), 'docker-job-proxy-data-'));
  await writeFile(join(data, 'orders.csv'), 'id,amount\n1,9.99\n');
}, 300_000);

afterAll(async () => {
  await rm(data, { recursive: true, force: true });
  await expectNoContainersLeft(engine, labels);
});

/** What the job prints: its _ENV variables (the password only as a fact), the mounted file, then exit 7. */
const JOB = `sh -c 'env | grep _ENV= | grep -v DB_PWD_ENV | sort; [ "$DB_PWD_ENV" = "${password}" ] && echo password received; cat /data/orders.csv; echo failing on purpose >&2; exit 7'`;

function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}),
    PROXY_IMAGE: proxyImage,
    IMAGE: image,
    VOLUMES: JSON.stringify([`${data}:/data:ro`]),
    COMMAND: JOB,
    DB_PWD_ENV: password,
    DOCKER_JOB_NETWORK: 'none',
    DOCKER_JOB_LABELS: `${SUITE_LABEL}=${labels[SUITE_LABEL]}`,
    ...extra,
  };
}

describe('the proxy image', () => {
  it('answers --version as a non-root user, with no compiler, npm cache or sources in it', async () => {
    const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', proxyImage, '--version']);
    expect(stdout).toBe(`${version}\n`);
    const probe = [
      'echo "uid=$(id -u)"',
      'echo "app=$(ls /app | tr "\\n" " ")"',
      'echo "sources=$(ls /app/dist | grep -c -E "\\.(ts|map)$")"',
      'echo "compilers=$(command -v gcc cc g++ make tsc | tr "\\n" " ")"',
      'echo "npm-cache=$(ls -d /root/.npm /home/node/.npm 2>/dev/null | tr "\\n" " ")"',
    ].join('; ');
    const { stdout: inside } = await run('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', proxyImage, '-c', probe]);
    expect(inside).toBe('uid=1000\napp=dist node_modules package.json \nsources=0\ncompilers=\nnpm-cache=\n');
  });

  it('run-proxy.sh: the sibling job sees the five DB_*_ENV variables and the mount; its output and exit code are the proxy’s', async () => {
    const result = await run('sh', ['examples/proxy/run-proxy.sh'], { cwd: root, env: shellEnv() }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(7);
    expect(result.stdout).toBe(
      ['DB_HOST_ENV=warehouse.internal', 'DB_NAME_ENV=analytics', 'DB_PORT_ENV=5432', 'DB_USER_ENV=etl', 'password received', 'id,amount', '1,9.99', ''].join('\n'),
    );
    expect(result.stderr).toBe('failing on purpose\n');
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it('docker stop on the proxy stops the sibling job in its grace period and removes it; the proxy exits 143', async () => {
    const child = spawn('sh', ['examples/proxy/run-proxy.sh'], {
      cwd: root,
      env: shellEnv({ COMMAND: `sh -c 'trap "echo job got TERM; exit 0" TERM; echo job running; sleep 60 & wait'` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!stdout.includes('job running')) await new Promise((r) => setTimeout(r, 100));
    const siblings = await engine.listJobs({ labels });
    expect(siblings.map((s) => s.state)).toEqual(['running']);
    // The sibling records the proxy's container as its launcher (for sweepOrphans).
    const proxy = (await run('docker', ['inspect', '--format', '{{.Id}}', `etl-proxy-${child.pid}`])).stdout.trim();
    expect(siblings[0]?.labels['io.docker-job.launcher-container']).toBe(proxy);

    await run('docker', ['stop', '--time', '20', `etl-proxy-${child.pid}`]);
    expect(await exited).toBe(143);
    expect(stdout).toBe('job running\njob got TERM\n');
    expect(await engine.listJobs({ labels })).toEqual([]);
  });

  it('prefect.yaml: the work pool job variables, run as a Docker worker would, run the job through the proxy', async () => {
    const spec = parseYaml(await readFile(join(root, 'examples/proxy/prefect.yaml'), 'utf8')) as {
      deployments: { work_pool: { job_variables: { image: string; command: string; volumes: string[]; network_mode: string; env: Record<string, string>; container_create_kwargs: { group_add: string[] } } } }[];
    };
    const vars = spec.deployments[0]?.work_pool.job_variables;
    expect(vars?.image).toBe(proxyImage);
    expect(vars?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(Object.keys(vars?.env ?? {}).filter((k) => k.startsWith('DB_'))).toEqual(['DB_NAME_ENV', 'DB_USER_ENV', 'DB_PWD_ENV', 'DB_HOST_ENV', 'DB_PORT_ENV']);
    // What this machine has instead of the example's registry image, host path, secret block and socket group.
    const env = {
      ...vars?.env,
      IMAGE: image,
      VOLUMES: JSON.stringify([`${data}:/data:ro`]),
      DB_PWD_ENV: password,
      COMMAND: JOB,
      DOCKER_JOB_NETWORK: 'none',
      DOCKER_JOB_LABELS: `${SUITE_LABEL}=${labels[SUITE_LABEL]}`,
    };
    const socketGroup = String((await stat('/var/run/docker.sock')).gid);
    const args = [
      'run',
      '--rm',
      '--network',
      vars?.network_mode ?? 'none',
      ...(vars?.volumes ?? []).flatMap((v) => ['-v', v]),
      '--group-add',
      socketGroup,
      ...Object.keys(env).flatMap((k) => ['-e', k]),
      vars?.image ?? proxyImage,
      ...(vars?.command ?? '').split(' '),
    ];
    const result = await run('docker', args, { env: { ...process.env, ...env } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(7);
    expect(result.stdout).toContain('DB_NAME_ENV=analytics\nDB_PORT_ENV=5432\nDB_USER_ENV=etl\npassword received\nid,amount\n1,9.99\n');
    expect(result.stderr).toContain('failing on purpose\n');
    expect(result.stderr).toMatch(/sweep removed \d+ container/);
  });
});
