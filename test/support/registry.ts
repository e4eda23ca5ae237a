import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

/** Debian's `docker-registry` (package docker-registry, installed by scripts/docker-engine.sh). */
export const REGISTRY_BINARY = process.env['DOCKER_JOB_REGISTRY_BINARY'] ?? '/usr/bin/docker-registry';

/** A user name and password the registry accepts. */
export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

/** A real registry (distribution 2.8) serving plain HTTP on 127.0.0.1, with its storage in a temporary directory. */
export interface TestRegistry extends AsyncDisposable {
  /** `127.0.0.1:<port>`: the engine allows plain HTTP to 127.0.0.0/8 registries. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The user the registry requires, when started with `auth`. */
  readonly user?: RegistryUser;
  /** The tags of a repository, read from the registry's own API (`[]` when it has none). */
  tags(repository: string): Promise<string[]>;
  /** The digest the registry serves for `repository:reference`, from its `Docker-Content-Digest` header. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  /** Stops the registry and deletes its storage. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Require this user (htpasswd, bcrypt). */
  readonly auth?: RegistryUser;
}

/**
 * Starts Debian's docker-registry on a free port of 127.0.0.1 (the registry binds port 0 and says
 * which port it got, so there is no race for the port), with temporary storage, optionally with
 * htpasswd auth. Resolves once `/v2/` answers. Use with `await using`, or call `stop()`.
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-job-registry-'));
  const storage = join(dir, 'storage');
  await mkdir(storage);
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info', // the "listening on" line is an info line
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 127.0.0.1:0',
    '  secret: docker-job-test-registry',
  ];
  if (options.auth) {
    const htpasswd = join(dir, 'htpasswd');
    // The registry accepts bcrypt entries only; cost 5 keeps each request's check fast.
    await writeFile(htpasswd, `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 5)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: docker-job-test', `    path: ${JSON.stringify(htpasswd)}`);
  }
  const config = join(dir, 'config.yml');
  await writeFile(config, `${lines.join('\n')}\n`);

  // REGISTRY_* variables would override the config file: the registry gets none of them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const child = spawn(REGISTRY_BINARY, ['serve', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await terminate(child);
      await rm(dir, { recursive: true, force: true });
    })());

  let host: string;
  try {
    host = await listeningAddress(child);
    await waitUntilServing(`http://${host}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `http://${host}`;
  const authorization = options.auth ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` : undefined;
  const headers = { Accept: 'application/vnd.docker.distribution.manifest.v2+json', ...(authorization ? { Authorization: authorization } : {}) };
  return {
    host,
    url,
    ...(options.auth ? { user: options.auth } : {}),
    async tags(repository) {
      const response = await fetch(`${url}/v2/${repository}/tags/list`, { headers, signal: AbortSignal.timeout(10_000) });
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`registry ${host}: GET tags of ${repository} answered ${response.status}`);
      return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
    },
    async manifestDigest(repository, reference) {
      const response = await fetch(`${url}/v2/${repository}/manifests/${reference}`, { method: 'HEAD', headers, signal: AbortSignal.timeout(10_000) });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`registry ${host}: HEAD manifest ${repository}:${reference} answered ${response.status}`);
      return response.headers.get('docker-content-digest') ?? undefined;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Reads the registry's log until it says where it listens; fails with its log if it exits first. */
function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`docker-registry did not say where it listens within 15 s. Its log:\n${log}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        child.stderr?.removeListener('data', onData);
        child.stderr?.resume(); // keep draining its log so it never blocks on a full pipe
        resolve(match[1] as string);
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', (error) =>
      fail(new Error(`cannot run ${REGISTRY_BINARY}: install Debian's docker-registry (npm test does it through scripts/docker-engine.sh)`, { cause: error })),
    );
    child.once('exit', (code, signal) => fail(new Error(`docker-registry exited (${code ?? signal}) before listening. Its log:\n${log}`)));
  });
}

async function waitUntilServing(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry at ${url} did not answer /v2/ within 15 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Writes a Docker config directory (what `DOCKER_CONFIG` names) whose `config.json` holds
 * `docker login`-style credentials for `host`. Returns the directory.
 */
export async function writeDockerConfigDir(parent: string, host: string, user: RegistryUser): Promise<string> {
  const dir = join(parent, 'docker-config');
  await mkdir(dir, { recursive: true });
  const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }, null, 2));
  return dir;
}
