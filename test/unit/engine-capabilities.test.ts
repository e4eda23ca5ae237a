/**
 * runDockerJob adapts to what an engine declares it can do, on the in-memory engine: fields it
 * cannot honour are refused before it is contacted, a merged stream is never called stdout or
 * stderr, an OOM kill it cannot tell is reported as unknown, and an engine whose nodes pull gets
 * the pull policy and the credentials.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnv, isConfigError, MemorySink, runDockerJob, type ConfigError, type EngineCapabilities, type RegistryAuth } from '../../src/index.js';
import { createMemoryEngine, type Program } from '../support/memory-engine.js';

const image = 'memory/busybox:1';

function engineWith(capabilities: Partial<EngineCapabilities>, programs: Record<string, Program> = {}, images = [image]) {
  return createMemoryEngine({ capabilities, programs, images });
}

async function refusal(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConfigError(error)).toBe(true);
  return error as ConfigError;
}

describe('fields an engine cannot honour', () => {
  it('refuses the job with a ConfigError naming each field, before the engine is contacted', async () => {
    const engine = engineWith({ fields: { workdir: true } });
    const error = await refusal(runDockerJob({ image, command: ['true'], workdir: '/tmp', shmSize: '1g', privileged: true }, { engine, sinks: [] }));
    expect(error.issues.map((i) => i.path)).toEqual(['shmSize', 'privileged']);
    expect(error.issues[0]?.message).toMatch(/not supported by the in-memory engine/);
    expect(error.message).toContain('docs/engines.md');
    expect(engine.calls).toEqual([]);
  });

  it('names the DOCKER_JOB_* variable when the job came from the environment', async () => {
    const engine = engineWith({ fields: {} });
    const job = configFromEnv({ IMAGE: image, COMMAND: 'true', DOCKER_JOB_SHM_SIZE: '256m', DOCKER_JOB_READ_ONLY: 'false' });
    const error = await refusal(runDockerJob(job, { engine, sinks: [] }));
    // readOnly false asks nothing of the engine: every engine honours it.
    expect(error.issues).toEqual([expect.objectContaining({ path: 'DOCKER_JOB_SHM_SIZE', message: expect.stringMatching(/^sets shmSize, which is not supported by the in-memory engine/) })]);
    expect(engine.calls).toEqual([]);
  });

  it('runs a job that sets only what the engine honours, and hands it every field it set', async () => {
    const engine = engineWith({ fields: { workdir: true } }, { true: async () => 0 });
    const result = await runDockerJob({ image, command: ['true'], workdir: '/srv', readOnly: false, volumes: [] }, { engine, sinks: [] });
    expect(result.exitCode).toBe(0);
    const [record] = engine.jobs.values();
    expect(record?.spec).toMatchObject({ image, command: ['true'], workdir: '/srv' });
  });
});

describe('a merged stream', () => {
  const programs: Record<string, Program> = {
    'sh -c fail': async (io) => {
      await io.write('stdout', 'working\n');
      await io.write('stderr', 'broken\n');
      return 2;
    },
  };

  it('reaches the sinks, the tail and the message as merged, never as stdout or stderr', async () => {
    const engine = engineWith({ streams: 'merged' }, programs);
    const sink = new MemorySink();
    const result = await runDockerJob({ image, command: ['sh', '-c', 'fail'] }, { engine, sinks: [sink] });
    expect(sink.lines.map((l) => [l.stream, l.text])).toEqual([
      ['merged', 'working'],
      ['merged', 'broken'],
    ]);
    expect(result.tail).toEqual({ stdout: [], stderr: [], merged: ['working', 'broken'] });
    expect(result.message).toContain('output, stdout and stderr merged (last 2 lines):\nworking\nbroken');
    expect(result.message).not.toMatch(/^(stdout|stderr) \(/m);
  });

  it('is what a TTY job delivers on an engine that keeps the streams apart', async () => {
    const engine = engineWith({}, programs);
    const sink = new MemorySink();
    await runDockerJob({ image, command: ['sh', '-c', 'fail'], tty: true }, { engine, sinks: [sink] });
    expect(new Set(sink.lines.map((l) => l.stream))).toEqual(new Set(['merged']));
    expect(sink.text('merged')).toBe('working\nbroken');
  });
});

describe('an OOM kill the engine cannot tell', () => {
  it('is unknown in the result, and the message says so instead of saying no', async () => {
    const engine = engineWith({ oomKill: 'unknown' }, { 'sh -c hog': async (io) => io.oomKill(), true: async () => 0 });
    const killed = await runDockerJob({ image, command: ['sh', '-c', 'hog'] }, { engine, sinks: [] });
    expect(killed).toMatchObject({ exitCode: 137, failed: true });
    expect(killed.oomKilled).toBeUndefined();
    expect(killed.message).toMatch(/was killed after \d+ ms: exit code 137 \(whether for exceeding its memory limit is unknown/);
    const fine = await runDockerJob({ image, command: ['true'] }, { engine, sinks: [] });
    expect(fine.oomKilled).toBeUndefined();
    expect(fine.message).toMatch(/exited with code 0/);
  });
});

describe('an engine whose nodes pull', () => {
  const programs = { true: async () => 0 };
  const credentials = { username: 'robot', password: 'hunter2-xyz' };

  it('gets the job’s pull policy in the spec and the registry credentials, and is never asked to pull', async () => {
    const engine = engineWith({ images: 'nodes' }, programs, ['registry.example.com/etl/job:1.2']);
    const result = await runDockerJob({ image: 'registry.example.com/etl/job:1.2', command: ['true'] }, { engine, sinks: [], registryAuth: { credentials } });
    expect(result.exitCode).toBe(0);
    const [record] = engine.jobs.values();
    expect(record?.spec.pull).toBe('missing'); // the default for a tagged image
    expect(record?.auth).toMatchObject({ serverAddress: 'registry.example.com', username: 'robot' } satisfies Partial<RegistryAuth>);
    expect(engine.calls).not.toContain('pullImage');
  });

  it('refuses a pull policy its nodes cannot apply, naming it', async () => {
    const engine = engineWith({ images: 'nodes', pullPolicies: ['always', 'missing'] }, programs);
    const error = await refusal(runDockerJob({ image, command: ['true'], pull: 'never' }, { engine, sinks: [] }));
    expect(error.issues).toEqual([expect.objectContaining({ path: 'pull', expected: 'one of always, missing' })]);
    const fromEnv = await refusal(runDockerJob(configFromEnv({ IMAGE: image, COMMAND: 'true', DOCKER_JOB_PULL: 'never' }), { engine, sinks: [] }));
    expect(fromEnv.issues[0]?.path).toBe('DOCKER_JOB_PULL');
    expect(engine.calls).toEqual([]);
  });
});
