import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine, LABELS } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = createDockerEngine();

/** Runs an example as a user would, with the built package, and collects what it prints. */
const examplePids: string[] = [];

function runExample(file: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(examplePids).toHaveLength(4);
    const left = (await engine.listJobs({ labels: { [LABELS.owner]: 'docker-job' } })).filter((j) => examplePids.includes(j.labels[LABELS.launcherPid] ?? ''));
    expect(left).toEqual([]);
  });
});
