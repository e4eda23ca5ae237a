/**
 * scripts/docker-engine.sh, the script that installs and starts engines: each engine of
 * TEST_ENGINES (default docker-28.5 and podman-4.3) is installed from Debian's archive,
 * started side by side with the default engine, runs a job, is asked again (nothing happens),
 * stopped, started again from its data, and removed. Slow the first time on a machine (it
 * downloads packages), seconds after. Its own project (vitest.config.ts): after the integration
 * tests, before the disruptive ones.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readlink, rm, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage, createDockerEngine, createDockerImageEngine, MemorySink, runDockerJob, type DockerEngine } from '../../src/index.js';
import { BUSYBOX } from '../support/fixture.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';
import { envWithoutEngine, parseEngineEnv, runEngineScript } from '../support/engine-script.js';

const engines = (process.env['TEST_ENGINES'] ?? 'docker-28.5,podman-4.3').split(',').map((e) => e.trim()).filter(Boolean);
/** Instance names start with this (on shared machines, a name of one's own). */
const prefix = process.env['DOCKER_JOB_TEST_ENGINE_PREFIX'] ?? 'engine-test';
const defaultEngine = createDockerEngine();
const labels = suiteLabels('engine-script');
const slow = 600_000;
// Podman names local images localhost/<name>; Docker keeps the name as given.
const image = 'localhost/docker-job-engine-test:busybox';
const runCommand = promisify(execFile);

/** Builds the test image on the engine at `host`, with docker-job's own buildImage. */
async function buildTestImage(host: string): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'docker-job-engine-test-'));
  try {
    await copyFile(fileURLToPath(new URL('../fixtures/busybox/Dockerfile', import.meta.url)), join(context, 'Dockerfile'));
    await copyFile(BUSYBOX, join(context, 'busybox'));
    await buildImage({ dockerfile: join(context, 'Dockerfile'), context, tags: [image] }, { engine: createDockerImageEngine({ host }) });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

describe('scripts/docker-engine.sh refuses what it cannot do, naming the variable', () => {
  const base = envWithoutEngine();
  it.each([
    ['an unknown engine', { TEST_ENGINE: 'docker-99' }, 'start', /TEST_ENGINE=docker-99 is not an engine this script knows: expected docker-20.10 \(the default\), docker-26.1, docker-28.5, podman-4.3 \(or podman\) or podman-5.4/],
    ['a bad instance name', { TEST_ENGINE: 'docker-28.5', TEST_ENGINE_NAME: 'a b' }, 'start', /TEST_ENGINE_NAME='a b' is not a valid instance name/],
    ['another engine as the system instance', { TEST_ENGINE: 'docker-28.5', TEST_ENGINE_NAME: 'system' }, 'start', /TEST_ENGINE_NAME=system is the machine's own dockerd/],
    ['an unknown bridge setting', { TEST_ENGINE: 'docker-28.5', TEST_ENGINE_BRIDGE: 'bridged' }, 'status', /TEST_ENGINE_BRIDGE='bridged' is not a bridge setting: expected own, none or default/],
    ['DOCKER_HOST naming another engine than the one asked for', { TEST_ENGINE: 'docker-28.5', DOCKER_HOST: 'unix:///var/run/docker.sock' }, 'start', /DOCKER_HOST=unix:\/\/\/var\/run\/docker.sock names another engine than TEST_ENGINE=docker-28.5 \(instance 'docker-28.5', at unix:\/\/\/run\/docker-job\/docker-28.5\/docker.sock\)/],
    ['killing an engine the script did not start', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, 'kill', /DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock is not an engine this script started/],
    ['an unknown command', {}, 'frobnicate', /unknown command 'frobnicate': expected start, env, status, install, stop, kill, remove or uninstall/],
  ])('%s', async (_case, vars, command, message) => {
    const run = await runEngineScript(command, { ...base, ...vars });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

for (const engine of engines) {
  const podman = engine.startsWith('podman');
  const version = engine.replace(/^(docker|podman)-/, '');
  const name = `${prefix}-${engine.replace(/^docker-/, '')}`;
  const env = { ...envWithoutEngine(), TEST_ENGINE: engine, TEST_ENGINE_NAME: name };
  let side: DockerEngine;
  let host = '';

  describe(`scripts/docker-engine.sh with TEST_ENGINE=${engine}`, () => {
    beforeAll(async () => {
      await defaultEngine.ping();
    });

    afterAll(async () => {
      if (host !== '') {
        // The instance may be stopped by a failed test: start it to check what it holds.
        if ((await runEngineScript('start', env)).code === 0) await expectNoContainersLeft(createDockerEngine({ host }), labels);
      }
      const removed = await runEngineScript('remove', env);
      expect(removed.code, removed.stderr).toBe(0);
      expect(existsSync(`/run/docker-job/${name}`)).toBe(false);
      expect(existsSync(`/var/lib/docker-job/${name}`)).toBe(false);
      await expectNoContainersLeft(defaultEngine, labels);
    }, slow);

    it('installs and starts the engine on a socket of its own, and prints where it answers', async () => {
      const run = await runEngineScript('env', env);
      expect(run.code, run.stderr).toBe(0);
      const vars = parseEngineEnv(run.stdout);
      host = vars['DOCKER_HOST'] ?? '';
      expect(vars).toMatchObject({
        DOCKER_HOST: `unix:///run/docker-job/${name}/${podman ? 'podman' : 'docker'}.sock`,
        TEST_ENGINE: engine,
        TEST_ENGINE_NAME: name,
      });
      if (!podman) expect(vars['TEST_ENGINE_CLI']).toBe(`/opt/docker-job/engines/${engine}/bin/docker`);
      expect(run.stderr).toMatch(new RegExp(`${podman ? 'Podman' : 'Docker'} ${version.replace('.', '\\.')}\\.\\S+ \\(API [\\d.]+\\) answers at ${host}`));
      side = createDockerEngine({ host });
      const info = await side.ping();
      expect(info.version.startsWith(`${version}.`), info.version).toBe(true);
    }, slow);

    it('runs a job on it and on the default engine, side by side', async () => {
      await buildTestImage(host);
      const job = { network: 'none' as const, labels, init: true, command: ['sh', '-c', 'echo "on $0"; echo oops >&2; exit 7', engine] };
      const [sideSink, defaultSink] = [new MemorySink(), new MemorySink()];
      const [onSide, onDefault] = await Promise.all([
        runDockerJob({ ...job, image }, { engine: side, sinks: [sideSink] }),
        runDockerJob({ ...job, image: inject('fixtureImage'), command: ['sh', '-c', 'echo "on $0"; echo oops >&2; exit 7', 'default'] }, { engine: defaultEngine, sinks: [defaultSink] }),
      ]);
      expect([onSide.exitCode, onDefault.exitCode]).toEqual([7, 7]);
      expect(sideSink.text('stdout')).toBe(`on ${engine}`);
      expect(sideSink.text('stderr')).toBe('oops');
      expect(defaultSink.text('stdout')).toBe('on default');
      const [sideInfo, defaultInfo] = await Promise.all([side.ping(), defaultEngine.ping()]);
      expect(sideInfo.version).not.toBe(defaultInfo.version);
    }, slow);

    it('reports a container that exited as exited (the engine cleans up after it)', async () => {
      const job = await side.createJob({ image, command: ['true'], env: {}, volumes: [], network: 'none', tty: false, stopTimeout: 0, labels });
      try {
        const started = await job.start();
        for await (const _ of started.output);
        expect((await started.exit).exitCode).toBe(0);
        // Podman's own cleanup runs after the exit: give it a moment, not forever.
        let state = '';
        for (let i = 0; i < 50 && state !== 'exited'; i++) {
          state = (await side.listJobs({ labels, ids: [job.id] }))[0]?.state ?? 'missing';
          if (state !== 'exited') await new Promise((r) => setTimeout(r, 100));
        }
        expect(state).toBe('exited');
      } finally {
        await job.remove();
      }
    }, slow);

    it('does nothing when the engine already answers', async () => {
      const pidBefore = readFileSync(`/run/docker-job/${name}/daemon.pid`, 'utf8').trim();
      const run = await runEngineScript('start', env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/answers at unix:/);
      expect(run.stderr).not.toMatch(/starting|installing|apt-get/);
      expect(readFileSync(`/run/docker-job/${name}/daemon.pid`, 'utf8').trim()).toBe(pidBefore);
      expect(run.ms).toBeLessThan(10_000);
    }, slow);

    it('refuses another engine for the same instance: its data is this engine\'s', async () => {
      const other = podman ? 'docker-28.5' : 'podman-4.3';
      const run = await runEngineScript('start', { ...env, TEST_ENGINE: other });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the instance '${name}' holds the data of ${engine} (in /var/lib/docker-job/${name}), not of ${other}: remove it first`);
      expect(run.stderr).not.toMatch(/starting|installing/);
      await side.ping();
    }, slow);

    it('stops (twice is fine), and starts again from its data', async () => {
      const stopped = await runEngineScript('stop', env);
      expect(stopped.code, stopped.stderr).toBe(0);
      const status = await runEngineScript('status', env);
      expect(status.code).toBe(1);
      expect(status.stderr).toContain(`nothing answers at ${host}`);
      await expect(side.ping({ signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
      const again = await runEngineScript('stop', env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('is not running');

      const started = await runEngineScript('start', env);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toMatch(/starting/);
      expect(started.stderr).not.toMatch(/installing/);
      expect(await createDockerEngine({ host }).hasImage(image)).toBe(true);
      // The default engine never noticed.
      await defaultEngine.ping();
    }, slow);
  });
}

// A dockerd inside a network namespace of its own, as a Swarm node or a test host runs.
const netnsEngine = engines.find((e) => e.startsWith('docker-'));
if (netnsEngine !== undefined) {
  describe(`scripts/docker-engine.sh with TEST_ENGINE_NETNS (${netnsEngine})`, () => {
    const ns = `${prefix}-ns`;
    const name = `${prefix}-netns`;
    const env = { ...envWithoutEngine(), TEST_ENGINE: netnsEngine, TEST_ENGINE_NAME: name, TEST_ENGINE_NETNS: ns };

    beforeAll(async () => {
      await runCommand('ip', ['netns', 'add', ns]);
    });

    afterAll(async () => {
      const removed = await runEngineScript('remove', env);
      await runCommand('ip', ['netns', 'delete', ns]);
      expect(removed.code, removed.stderr).toBe(0);
    }, slow);

    it('starts the daemon inside the namespace, with its own docker0 there, reachable from the host', async () => {
      const started = await runEngineScript('env', env);
      expect(started.code, started.stderr).toBe(0);
      const host = parseEngineEnv(started.stdout)['DOCKER_HOST'] ?? '';
      expect(host).toBe(`unix:///run/docker-job/${name}/docker.sock`);
      const pid = readFileSync(`/run/docker-job/${name}/daemon.pid`, 'utf8').trim();
      expect(await readlink(`/proc/${pid}/ns/net`)).toBe(`net:[${(await stat(`/var/run/netns/${ns}`)).ino}]`);
      await runCommand('ip', ['-n', ns, 'link', 'show', 'docker0']);
      const side = createDockerEngine({ host });
      await buildTestImage(host);
      const sink = new MemorySink();
      const result = await runDockerJob({ image, network: 'none', labels, command: ['echo', 'inside'] }, { engine: side, sinks: [sink] });
      expect([result.exitCode, sink.text('stdout')]).toEqual([0, 'inside']);
      await expectNoContainersLeft(side, labels);
    }, slow);
  });
}
