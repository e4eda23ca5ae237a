/**
 * Pull policies and registry auth against a real registry (Debian's docker-registry on 127.0.0.1).
 * The fixture image is pushed to the registry through the engine API, its local tag removed, and
 * runDockerJob must bring it back as the policy says.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, isEngineError, isRegistryAuthError, MemorySink, runDockerJob, type JobEvent, type LogSink } from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const docker = new Docker();
const engine = createDockerEngine();
const labels = suiteLabels('pull');
const fixture = inject('fixtureImage');
const user = { username: 'puller', password: 'hunter2-not-in-logs' };

let open: TestRegistry;
let closed: TestRegistry;
let configDir: string;

/** Pushes the fixture image to `registry` as `repo:tag` through the engine API, then drops the local tag. */
async function publish(registry: TestRegistry, repo: string, tag: string): Promise<string> {
  const ref = `${registry.host}/${repo}`;
  await docker.getImage(fixture).tag({ repo: ref, tag });
  // The engine wants an X-Registry-Auth header on every push, even an empty one.
  const authconfig = registry.user ? { username: registry.user.username, password: registry.user.password, serveraddress: registry.host } : { serveraddress: registry.host };
  const stream = (await docker.getImage(`${ref}:${tag}`).push({ authconfig })) as IncomingMessage;
  const events = await new Promise<{ error?: string }[]>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out))));
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`push of ${ref}:${tag} failed: ${failed.error}`);
  await docker.getImage(`${ref}:${tag}`).remove();
  return `${ref}:${tag}`;
}

async function dropLocal(image: string) {
  await docker.getImage(image).remove().catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e;
  });
}

function recorder() {
  const sink = new MemorySink();
  const events: JobEvent[] = [];
  const wrapped: LogSink = { write: (l) => sink.write(l), event: (e) => void events.push(e) };
  return { sink, events, wrapped };
}

beforeAll(async () => {
  open = await startRegistry();
  closed = await startRegistry({ auth: user });
  configDir = await mkdtemp(join(tmpdir(), 'docker-job-config-'));
});

afterAll(async () => {
  await expectNoContainersLeft(engine, labels);
  await Promise.all([open?.stop(), closed?.stop(), configDir && rm(configDir, { recursive: true, force: true })]);
});

const job = (image: string, extra: object = {}) => ({ image, network: 'none', labels, command: ['echo', 'pulled and ran'], ...extra });
const noDockerConfig = { dockerConfigDir: join(tmpdir(), 'docker-job-no-config-here') };

describe('pull policies', () => {
  it('missing: pulls an image the engine lacks, then runs it', async () => {
    const image = await publish(open, 'pull/missing', 'v1');
    const { sink, events, wrapped } = recorder();
    const result = await runDockerJob(job(image, { pull: 'missing' }), { engine, sinks: [wrapped], registryAuth: noDockerConfig });
    expect(result.exitCode).toBe(0);
    expect(sink.text()).toBe('pulled and ran');
    expect(events.some((e) => e.type === 'pull-progress')).toBe(true);
    expect(events.filter((e) => e.type === 'pulled')).toEqual([{ type: 'pulled', image }]);
    await dropLocal(image);
  });

  it('missing: does not pull an image the engine has', async () => {
    const { events, wrapped } = recorder();
    const result = await runDockerJob(job(fixture, { pull: 'missing' }), { engine, sinks: [wrapped] });
    expect(result.exitCode).toBe(0);
    expect(events.filter((e) => e.type === 'pull-progress' || e.type === 'pulled')).toEqual([]);
  });

  it('always: pulls even when the engine has the image', async () => {
    const image = await publish(open, 'pull/always', 'v1');
    await runDockerJob(job(image, { pull: 'missing' }), { engine, sinks: [], registryAuth: noDockerConfig });
    const { events, wrapped } = recorder();
    const result = await runDockerJob(job(image, { pull: 'always' }), { engine, sinks: [wrapped], registryAuth: noDockerConfig });
    expect(result.exitCode).toBe(0);
    expect(events.some((e) => e.type === 'pulled')).toBe(true);
    await dropLocal(image);
  });

  it('never: refuses to run an image the engine lacks, naming it, and pulls nothing', async () => {
    const image = await publish(open, 'pull/never', 'v1');
    const { events, wrapped } = recorder();
    const error = await runDockerJob(job(image, { pull: 'never' }), { engine, sinks: [wrapped] }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toContain(image);
    expect(events).toEqual([]);
  });

  it('surfaces a failure reported inside the pull progress stream (an unknown tag) with the engine’s message', async () => {
    const image = `${open.host}/pull/missing:no-such-tag`;
    const error = await runDockerJob(job(image, { pull: 'always' }), { engine, sinks: [], registryAuth: noDockerConfig }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toMatch(/pull image .*no-such-tag/);
    expect((error as Error).message).toMatch(/manifest unknown|not found/i);
  });
});

describe('registry auth', () => {
  it('pulls from a registry that requires a user, with explicit credentials', async () => {
    const image = await publish(closed, 'auth/explicit', 'v1');
    const result = await runDockerJob(job(image), { engine, sinks: [], registryAuth: { credentials: user } });
    expect(result.exitCode).toBe(0);
    await dropLocal(image);
  });

  it('pulls with the credentials of a Docker config file (auths)', async () => {
    const image = await publish(closed, 'auth/config', 'v1');
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [closed.host]: { auth } } }));
    const result = await runDockerJob(job(image), { engine, sinks: [], registryAuth: { dockerConfigDir: configDir } });
    expect(result.exitCode).toBe(0);
    await dropLocal(image);
  });

  it('fails clearly with wrong credentials, and never shows the password', async () => {
    const image = await publish(closed, 'auth/wrong', 'v1');
    const wrong = { username: user.username, password: 'wrong-secret-value' };
    const error = await runDockerJob(job(image), { engine, sinks: [], registryAuth: { credentials: wrong } }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(image);
    expect(message).toMatch(/unauthorized|authentication required|no basic auth/i);
    expect(message).not.toContain('wrong-secret-value');
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value');
  });

  it('fails without credentials for a registry that requires them', async () => {
    const image = await publish(closed, 'auth/none', 'v1');
    const error = await runDockerJob(job(image), { engine, sinks: [], registryAuth: noDockerConfig }).catch((e: unknown) => e);
    expect(isEngineError(error) || isRegistryAuthError(error)).toBe(true);
    expect((error as Error).message).toMatch(/unauthorized|authentication required|no basic auth/i);
  });
});
