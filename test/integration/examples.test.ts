import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine, LABELS } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = createDockerEngine();

/** Runs an example as a user would, with the built package, and collects what it prints. */
const examplePids: string[] = [];

function runExample(file: string, env: Record<string, string> = {}, inherit = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: inherit ? { ...process.env, ...env } : env, stdio: ['ignore', 'pipe', 'pipe'] });
    examplePids.push(String(child.pid));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples', () => {
  beforeAll(() => {
    if (!existsSync(`${root}/dist/index.js`)) throw new Error('The examples import the built package: run `npm run build` first (npm test does it).');
  });

  it.each([0, 3, 42])('demo.mjs runs a real job that exits %i and shows its logs and exit code', async (exitCode) => {
    const { code, stdout, stderr } = await runExample('examples/demo.mjs', { DEMO_EXIT_CODE: String(exitCode) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const order = ['loading table users', 'loading table orders', 'loading table payments', `done, exiting with ${exitCode}`];
    const positions = order.map((text) => stdout.indexOf(text));
    expect(positions.every((p) => p !== -1)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(stdout).toMatch(/WARN\s.*warning: 2 rows of orders skipped/);
    expect(stdout).toMatch(new RegExp(`exited with code ${exitCode} in \\d+ ms; failed=${exitCode !== 0}`));
  });

  it('etl-from-env.mjs runs the seed example: the job sees exactly its five _ENV variables and the mount, and the password is never printed', async () => {
    const password = `pw-${randomUUID()}`;
    // The proxy's environment as a launcher gives it: its own runtime variables, none of which may reach the job.
    const launcher = Object.fromEntries(['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_JOB_BUSYBOX'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
    const { code, stdout, stderr } = await runExample(
      'examples/etl-from-env.mjs',
      { ...launcher, NODE_ENV: 'production', BASH_ENV: '/etc/launcher.rc', VIRTUAL_ENV: '/opt/venv', USER: 'airflow', HOSTNAME: 'proxy-1', DB_PWD_ENV: password },
      false,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const job = stdout.split('\n').filter((l) => l.startsWith('job> ')).map((l) => l.slice('job> '.length));
    // The image sets PATH; the engine adds HOSTNAME (the container's) and HOME: nothing else.
    expect(job[0]).toBe('variables: DB_HOST_ENV DB_NAME_ENV DB_PORT_ENV DB_PWD_ENV DB_USER_ENV HOME HOSTNAME PATH ');
    expect(job.slice(1)).toEqual([
      'DB_NAME_ENV=analytics',
      'DB_USER_ENV=etl',
      'DB_HOST_ENV=warehouse.internal',
      'DB_PORT_ENV=5432',
      `DB_PWD_ENV sha256=${createHash('sha256').update(password).digest('hex')}`,
      '--- /data/orders.csv',
      'id,amount',
      '1,9.99',
      '2,25.00',
    ]);
    expect(stdout).toContain('DB_PWD_ENV=***');
    expect(stdout).not.toContain(password);
    expect(stdout).toMatch(/exit code 0 in \d+ ms/);
  });

  it('etl-from-env.mjs reports every bad setting at once, without the password, and runs nothing', async () => {
    const password = `pw-${randomUUID()}`;
    const launcher = Object.fromEntries(['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_JOB_BUSYBOX'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
    const { code, stdout, stderr } = await runExample('examples/etl-from-env.mjs', { ...launcher, DB_PWD_ENV: password, DOCKER_JOB_MEMORY: password, DOCKER_JOB_PRIVILEGED: 'true' }, false);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Invalid job configuration (2 issues)');
    expect(stderr).toContain('DOCKER_JOB_MEMORY: "***" is not an amount of memory');
    expect(stderr).toContain('DOCKER_JOB_PRIVILEGED: runs the job privileged, which this policy refuses');
    expect(stderr).not.toContain(password);
  });

  afterAll(async () => {
    // The example processes created their own containers, labelled with their pids: none may remain.
    expect(examplePids).toHaveLength(5);
    const left = (await engine.listJobs({ labels: { [LABELS.owner]: 'docker-job' } })).filter((j) => examplePids.includes(j.labels[LABELS.launcherPid] ?? ''));
    expect(left).toEqual([]);
  });
});
