/**
 * The `docker-job` CLI as a process, built (dist/cli.js), against the real engine.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, LABELS, OWNER } from '../../src/index.js';
import { expectNoContainersLeft, plantOrphan, SUITE_LABEL, suiteLabels } from '../support/engine.js';
import { startRegistry } from '../support/registry.js';
import { createDockerImageEngine, parseImageManifest, runDockerJob, MemorySink } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = createDockerEngine();
const labels = suiteLabels('cli');
const image = inject('fixtureImage');

/** What every job of this suite gets: the fixture image, no network, this suite's label. */
const base = { IMAGE: image, DOCKER_JOB_NETWORK: 'none', DOCKER_JOB_LABELS: `${SUITE_LABEL}=${labels[SUITE_LABEL]}` };
/** The CLI's own environment: only what it needs to find node and the engine. */
const launcherEnv = Object.fromEntries(['PATH', 'HOME', 'DOCKER_HOST'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));

function start(env: Record<string, string>, args: string[] = []): ChildProcessWithoutNullStreams {
  // `--`: as the bin's shebang does, so that Node does not take `--env-file` for its own option.
  return spawn(process.execPath, ['--', join(root, 'dist/cli.js'), ...args], { cwd: root, env: { ...launcherEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

async function finish(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  return { code, stdout, stderr };
}

const cli = (env: Record<string, string>, args: string[] = []) => finish(start(env, args));

/** Resolves once the child's stdout has printed `text`. */
function printed(child: ChildProcessWithoutNullStreams, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-job-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await expectNoContainersLeft(engine, labels);
});

describe('docker-job (the CLI)', () => {
  it.each([0, 3, 42])('exits with the job’s exit code %i', async (code) => {
    const result = await cli({ ...base, COMMAND: `sh -c 'exit ${code}'` });
    expect(result).toEqual({ code, stdout: '', stderr: '' });
  });

  it('writes the job’s stdout to its stdout and the job’s stderr to its stderr, byte for byte', async () => {
    const result = await cli({ ...base, COMMAND: `sh -c 'echo out 1; echo err 1 >&2; printf "out 2 no newline"; printf "é\\r\\n" >&2'` });
    expect(result).toEqual({ code: 0, stdout: 'out 1\nout 2 no newline', stderr: 'err 1\né\r\n' });
  });

  it('passes every *_ENV variable to the job and nothing of its own environment', async () => {
    const result = await cli({ ...base, DB_NAME_ENV: 'analytics', DB_PWD_ENV: 's3cret-value', NODE_ENV: 'production', UNRELATED: 'x', COMMAND: `sh -c 'env | sort'` });
    expect(result.code).toBe(0);
    const names = result.stdout.split('\n').map((l) => l.split('=')[0]);
    expect(names).toContain('DB_NAME_ENV');
    expect(names).not.toContain('NODE_ENV');
    expect(names).not.toContain('UNRELATED');
    // Output masking: the job printed its own secret, the CLI shows it masked.
    expect(result.stdout).toContain('DB_PWD_ENV=***');
    expect(result.stdout).not.toContain('s3cret-value');
  });

  it('exits 125 with one clear line naming IMAGE when it is missing', async () => {
    const result = await cli({ COMMAND: 'true' });
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('docker-job: IMAGE: is not set (expected the image to run, e.g. IMAGE=python:3.12-slim)\n');
  });

  it('exits 125 naming the position in a malformed VOLUMES list, and every other bad variable', async () => {
    const result = await cli({ ...base, VOLUMES: '["/data:/data", 7]', DOCKER_JOB_TIMEOUT_MS: 'soon' });
    expect(result.code).toBe(125);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^docker-job: VOLUMES\[1\]: /);
    expect(lines[1]).toMatch(/^docker-job: DOCKER_JOB_TIMEOUT_MS: /);
  });

  it('exits 125 naming the engine’s address and what to do when no engine answers', async () => {
    const socket = join(dir, 'no-engine.sock');
    const result = await cli({ ...base, DOCKER_HOST: `unix://${socket}`, COMMAND: 'true' });
    expect(result.code).toBe(125);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`unix://${socket}`);
    expect(result.stderr).toMatch(/Start the Docker engine|DOCKER_HOST/);
  });

  it('--dry-run prints the job with secrets masked and touches no engine', async () => {
    const env = { ...base, DOCKER_HOST: 'unix:///nonexistent/docker.sock', DB_PWD_ENV: 'hunter2-secret', API_TOKEN_ENV: 'tok-123456', COMMAND: 'python -m etl --password hunter2-secret' };
    const text = await cli(env, ['--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('DB_PWD_ENV=***');
    expect(text.stdout).toMatch(/^docker run .* --rm /m);
    const json = await cli(env, ['--dry-run', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ image, env: { DB_PWD_ENV: '***', API_TOKEN_ENV: '***' } });
    for (const out of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      expect(out).not.toContain('hunter2-secret');
      expect(out).not.toContain('tok-123456');
    }
  });

  it('--strict refuses what a job written by others may not ask for, naming the variable, and runs nothing', async () => {
    const result = await cli({ ...base, COMMAND: 'true', DOCKER_JOB_PRIVILEGED: 'true', VOLUMES: '/var/run/docker.sock:/var/run/docker.sock' }, ['--strict']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/^docker-job: DOCKER_JOB_PRIVILEGED: .*privileged/m);
    expect(result.stderr).toMatch(/^docker-job: VOLUMES\[0\]: .*socket/m);
    expect(await engine.listJobs({ labels })).toEqual([]);
  });

  it('--env-file reads variables in docker’s format, on top of the environment', async () => {
    const file = join(dir, 'job.env');
    await writeFile(file, `# the job\nCOMMAND=sh -c 'echo "$GREETING_ENV"'\nGREETING_ENV=hello from a file\n`);
    const result = await cli({ ...base, GREETING_ENV: 'from the environment' }, ['--env-file', file]);
    expect(result).toMatchObject({ code: 0, stdout: 'hello from a file\n' });
    const missing = await cli(base, ['--env-file', join(dir, 'nope.env')]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain('nope.env');
  });

  it('--log-format json writes one JSON object per line: the lines and the job’s events', async () => {
    const result = await cli({ ...base, COMMAND: `sh -c 'echo one; echo two >&2'` }, ['--log-format', 'json']);
    expect(result.code).toBe(0);
    const records = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each stream in its own order; the two streams' relative order is the engine's.
    expect(records.filter((r) => 'text' in r).map((r) => [r['stream'], r['text']])).toEqual(
      expect.arrayContaining([
        ['stdout', 'one'],
        ['stderr', 'two'],
      ]),
    );
    expect(records.filter((r) => 'text' in r)).toHaveLength(2);
    expect(records.some((r) => r['event'] === 'exited')).toBe(true);
  });

  it('--log-format pretty logs each line through tslog, stderr lines at WARN', async () => {
    const result = await cli({ ...base, COMMAND: `sh -c 'echo one; echo two >&2'` }, ['--log-format', 'pretty']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/INFO\s.*one/);
    expect(result.stdout).toMatch(/WARN\s.*two/);
  });

  it('resolves a relative VOLUMES host path against its working directory', async () => {
    const result = await cli({ ...base, VOLUMES: './examples:/examples:ro', COMMAND: 'true' }, ['--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.stringify(JSON.parse(result.stdout).volumes)).toContain(join(root, 'examples'));
  });

  it('exits 124 when the job times out, after its output', async () => {
    const result = await cli({ ...base, COMMAND: `sh -c 'echo started; exec sleep 30'`, DOCKER_JOB_TIMEOUT_MS: '500', DOCKER_JOB_STOP_TIMEOUT: '0' });
    expect(result.code).toBe(124);
    expect(result.stdout).toBe('started\n');
    expect(result.stderr).toMatch(/^docker-job: .*timed out/);
  });

  it('on SIGTERM stops the job in its grace period, prints what it printed, removes it and exits 143', async () => {
    const child = start({ ...base, COMMAND: `sh -c 'trap "echo got TERM; exit 0" TERM; echo ready; sleep 30 & wait'` });
    const done = finish(child);
    await printed(child, 'ready\n');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(result.stdout).toBe('ready\ngot TERM\n');
    expect(result.stderr).toContain('SIGTERM');
    expect(await engine.listJobs({ labels })).toEqual([]);
  });

  it('on SIGINT exits 130, and a second SIGINT kills a job that ignores the first at once', async () => {
    const child = start({ ...base, COMMAND: `sh -c 'echo ready; exec sleep 60'`, DOCKER_JOB_STOP_TIMEOUT: '60' });
    const done = finish(child);
    await printed(child, 'ready\n');
    const started = performance.now();
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGINT'), 300);
    const result = await done;
    expect(result.code).toBe(130);
    expect(performance.now() - started).toBeLessThan(15_000); // not the 60 s grace
    expect(await engine.listJobs({ labels })).toEqual([]);
  });

  it('--sweep and `sweep` remove the containers of launchers that are gone', async () => {
    // An orphan: a container labelled as docker-job's by a launcher pid that cannot be alive.
    const orphan = await plantOrphan(engine, image, labels);
    try {
      const scope = ['--label', `${SUITE_LABEL}=${labels[SUITE_LABEL]}`];
      const dry = await cli({}, ['sweep', ...scope, '--dry-run', '--json']);
      expect(dry.code).toBe(0);
      // Younger than the default grace period: reported as young, not removed.
      expect(JSON.parse(dry.stdout)).toMatchObject({ young: expect.arrayContaining([orphan.id]) });
      expect((await engine.listJobs({ labels })).map((j) => j.id)).toContain(orphan.id);
      const swept = await cli({}, ['sweep', ...scope, '--grace', '0']);
      expect(swept.code).toBe(0);
      expect(swept.stdout).toContain(orphan.id.slice(0, 12));
      expect((await engine.listJobs({ labels })).map((j) => j.id)).not.toContain(orphan.id);
    } finally {
      await orphan.remove();
    }
    const help = await cli({}, ['--help']);
    expect(help.stdout).toContain('--sweep');
  });

  it('--version prints the package version and --help the usage, both exit 0', async () => {
    const version = await cli({}, ['--version']);
    expect(version).toEqual({ code: 0, stdout: `${(await import('../../package.json', { with: { type: 'json' } })).default.version}\n`, stderr: '' });
    const help = await cli({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: docker-job/);
  });

  it('exits 125 with a usage hint for an unknown option', async () => {
    const result = await cli(base, ['--frobnicate']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain("Unknown option '--frobnicate'");
    expect(result.stderr).toContain('docker-job --help');
  });

  describe('build and push', () => {
    const images = createDockerImageEngine();
    const tag = `docker-job-test/cli-build:${process.pid}`;
    afterAll(async () => {
      for (const ref of [tag, `${tag}-failing`]) await images.removeImage(ref, { force: true });
    });

    it('build from a base image, pushed to a registry with a user: prints the manifest that pins it, and it runs', async () => {
      await using registry = await startRegistry({ auth: { username: 'ci', password: 'registry-secret-1' } });
      const manifestFile = join(dir, 'manifest.json');
      const result = await cli(
        { DOCKER_JOB_REGISTRY_USERNAME: 'ci', DOCKER_JOB_REGISTRY_PASSWORD: 'registry-secret-1' },
        ['build', '--base-image', image, '--install', 'echo built by the cli > /hello', '--env', 'GREETING=hi there', '--cmd', 'sh -c "cat /hello; echo $GREETING"', '--tag', tag, '--push', `${registry.host}/team`, '--docker-config', dir, '--manifest', manifestFile],
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^step 1\/\d+: FROM /m);
      expect(result.stdout + result.stderr).not.toContain('registry-secret-1');
      const manifest = parseImageManifest(JSON.parse(result.stdout));
      expect(JSON.parse(await (await import('node:fs/promises')).readFile(manifestFile, 'utf8'))).toEqual(JSON.parse(result.stdout));
      expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(manifest.reference).toBe(`${registry.host}/team/docker-job-test/cli-build@${manifest.digest}`);
      const sink = new MemorySink();
      const run = await runDockerJob({ image: tag, pull: 'never', network: 'none', labels }, { engine, sinks: [sink] });
      expect(run.exitCode).toBe(0);
      expect(sink.text()).toBe('built by the cli\nhi there');
      await images.removeImage(`${registry.host}/team/docker-job-test/cli-build:${process.pid}`, { force: true });
    });

    it('push of a local image to a registry, and a failing build exits 1 naming the step', async () => {
      await using registry = await startRegistry();
      const pushed = await cli({}, ['push', image, '--registry', `${registry.host}/mirror`, '--push-tag', 'v1', '--docker-config', dir]);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(JSON.parse(pushed.stdout)).toMatchObject({ registry: registry.host, digest: expect.stringMatching(/^sha256:/) });
      expect(await registry.tags(`mirror/${image.split(':')[0]}`)).toEqual(['v1']);
      await images.removeImage(`${registry.host}/mirror/${image.split(':')[0]}:v1`, { force: true });

      const failed = await cli({}, ['build', '--base-image', image, '--install', 'echo about to fail; exit 4', '--tag', `${tag}-failing`, '--docker-config', dir]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/docker-job: .*RUN echo about to fail; exit 4.*returned a non-zero code: 4/);
    });
  });
});
