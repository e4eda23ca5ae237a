import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine, createDockerImageEngine, LABELS, MemorySink, parseImageManifest, runDockerJob } from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';
import { startRegistry } from '../support/registry.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = createDockerEngine();
const suite = suiteLabels('examples');

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

  it('worker-with-timeout.mjs sweeps orphans, then stops a job at its timeout and reports it', async () => {
    const { code, stdout, stderr } = await runExample('examples/worker-with-timeout.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sweep: removed \d+ orphan\(s\)/);
    expect(stdout).toContain('[job stdout] working for 30s\n[job stdout] stopping cleanly\n');
    expect(stdout).toContain('exitCode=0 timedOut=true canceled=false failed=true');
  });

  it('worker-with-timeout.mjs reports a job that finishes in time as a success', async () => {
    const { code, stdout } = await runExample('examples/worker-with-timeout.mjs', { JOB_SECONDS: '0' });
    expect(code).toBe(0);
    expect(stdout).toContain('[job stdout] finished\n');
    expect(stdout).toContain('exitCode=0 timedOut=false canceled=false failed=false');
  });

  it('package-image.mjs builds from a base image, pushes to the registry it is given and prints a manifest that pins the image', async () => {
    await using registry = await startRegistry();
    const images = createDockerImageEngine();
    const { code, stdout, stderr } = await runExample('examples/package-image.mjs', { PACKAGE_REGISTRY: `${registry.host}/examples` });
    expect(code, stderr).toBe(0);
    const manifest = parseImageManifest(JSON.parse(stdout));
    try {
      expect(stderr).toMatch(/^step 1\/\d+: FROM /m);
      expect(manifest.reference).toBe(`${registry.host}/examples/docker-job-example/report@${manifest.digest}`);
      expect(await registry.manifestDigest('examples/docker-job-example/report', manifest.image.split(':').at(-1) as string)).toBe(manifest.digest);
      const sink = new MemorySink();
      await runDockerJob({ image: manifest.reference, network: 'none', pull: 'never', labels: suite }, { engine, sinks: [sink] });
      expect(sink.text('stdout')).toBe('Daily "rows loaded" report\nversion: 1.0.0');
    } finally {
      for (const ref of [...manifest.tags, manifest.reference]) await images.removeImage(ref, { force: true });
    }
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

  it('custom-sink.mjs shows the output as it comes, a custom sink\'s digest, and masks the password', async () => {
    const { code, stdout, stderr } = await runExample('examples/custom-sink.mjs');
    expect(code).toBe(0);
    expect(stdout + stderr).not.toContain('correct-horse-battery');
    expect(stdout).toContain('connecting with password ***\nloading users\nloading orders\nloading payments\n');
    expect(stderr).toBe('error: payments: 3 rows failed validation\n');
    expect(stdout).toMatch(/docker-job-custom-sink-\d+: 4 lines on stdout, 1 on stderr, 1 look like errors:\n {2}stderr: error: payments: 3 rows failed validation/);
    expect(stdout).toMatch(/Job docker-job-custom-sink-\d+ \(docker-job-demo:busybox, container [0-9a-f]{12}\) failed with exit code 2 after .*\n\nstderr \(last line\):\nerror: payments: 3 rows failed validation\n\nstdout \(last 4 lines\):\nconnecting with password \*\*\*\n/);
  });

  afterAll(async () => {
    // The example processes created their own containers, labelled with their pids: none may remain.
    expect(examplePids.length).toBeGreaterThan(0);
    const left = (await engine.listJobs({ labels: { [LABELS.owner]: 'docker-job' } })).filter((j) => examplePids.includes(j.labels[LABELS.launcherPid] ?? ''));
    expect(left).toEqual([]);
    await expectNoContainersLeft(engine, suite);
  });
});
