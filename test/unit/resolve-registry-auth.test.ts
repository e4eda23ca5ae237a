import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import { isRegistryAuthError } from '../../src/errors/registry-auth-error.js';
import { dockerConfigDir, parseDockerConfig } from '../../src/registry/docker-config.js';
import { resolveImageAuth, resolveRegistryAuth, type RegistryAuthOptions } from '../../src/registry/resolve-registry-auth.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
let configDir: string;
let binDir: string;
let options: RegistryAuthOptions;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-job-auth-'));
  configDir = join(dir, 'docker-config');
  binDir = join(dir, 'bin');
  await mkdir(configDir);
  await mkdir(binDir);
  options = { dockerConfigDir: configDir, helperEnv: { PATH: `${binDir}:/usr/bin:/bin` } };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const writeConfig = (config: unknown) => writeFile(join(configDir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));

/**
 * Writes a real credential helper, `docker-credential-<name>`, that speaks the helper protocol:
 * `get` as its argument, the server URL on stdin, JSON out. It knows the given servers, logs each
 * request to `<name>.log`, and says "credentials not found in native keychain" (exit 1) otherwise.
 */
async function writeHelper(name: string, known: Record<string, { Username: string; Secret: string }>, body?: string): Promise<string> {
  const log = join(dir, `${name}.log`);
  const cases = Object.entries(known)
    .map(([url, creds]) => `  '${url}') printf '%s' '${JSON.stringify({ ServerURL: url, ...creds })}' ;;`)
    .join('\n');
  const script = body ?? `#!/bin/sh
read -r url || true
printf '%s %s\\n' "$1" "$url" >> '${log}'
case "$url" in
${cases}
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;
  const file = join(binDir, `docker-credential-${name}`);
  await writeFile(file, script);
  await chmod(file, 0o755);
  return log;
}

describe('resolveRegistryAuth', () => {
  it('uses explicit credentials as they are, without reading the Docker config', async () => {
    await writeConfig('not json at all');
    const auth = await resolveRegistryAuth('https://localhost:5000/team', { ...options, credentials: { username: 'ci', password: 's3cret' } });
    expect({ ...auth }).toEqual({ serverAddress: 'localhost:5000', username: 'ci', password: 's3cret', source: 'explicit credentials' });
  });

  it('refuses explicit credentials that cannot authenticate', async () => {
    const error = await resolveRegistryAuth('localhost:5000', { credentials: { username: 'ci' } }).catch((e: unknown) => e);
    expect(isRegistryAuthError(error)).toBe(true);
    expect((error as Error).message).toMatch(/localhost:5000.*explicit credentials.*neither a username with a password/);
  });

  it('reads a base64 auth entry, with a password that contains colons', async () => {
    await writeConfig({ auths: { 'localhost:5000': { auth: b64('ci:pa:ss') } } });
    const auth = await resolveRegistryAuth('localhost:5000', options);
    expect(auth).toMatchObject({ serverAddress: 'localhost:5000', username: 'ci', password: 'pa:ss' });
    expect(auth?.source).toBe(`auths["localhost:5000"] in ${join(configDir, 'config.json')}`);
  });

  it('reads username and password fields, and identity tokens', async () => {
    await writeConfig({ auths: { 'a.example.com': { username: 'u', password: 'p' }, 'b.example.com': { identitytoken: 'tok' } } });
    expect(await resolveRegistryAuth('a.example.com', options)).toMatchObject({ username: 'u', password: 'p' });
    const b = await resolveRegistryAuth('b.example.com', options);
    expect({ ...b }).toMatchObject({ identityToken: 'tok' });
    expect(b && 'password' in b).toBe(false);
  });

  it('finds entries keyed with a scheme or an API path, and Docker Hub under any of its names', async () => {
    await writeConfig({ auths: { 'http://localhost:5000/v2/': { auth: b64('a:1') }, 'https://index.docker.io/v1/': { auth: b64('hub:2') } } });
    expect(await resolveRegistryAuth('localhost:5000', options)).toMatchObject({ username: 'a' });
    for (const hub of ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/']) {
      expect(await resolveRegistryAuth(hub, options)).toMatchObject({ username: 'hub', serverAddress: 'https://index.docker.io/v1/' });
    }
    expect(await resolveImageAuth('busybox:1.36', options)).toMatchObject({ username: 'hub' });
  });

  it('derives the registry from an image reference, port and all', async () => {
    await writeConfig({ auths: { '127.0.0.1:5000': { auth: b64('ip:1') }, 'localhost:5000': { auth: b64('name:1') } } });
    expect(await resolveImageAuth(`127.0.0.1:5000/a/b:tag@sha256:${'0'.repeat(64)}`, options)).toMatchObject({ username: 'ip' });
    expect(await resolveImageAuth('localhost:5000/x', options)).toMatchObject({ username: 'name' });
    expect(await resolveImageAuth('localhost:5001/x', options)).toBeUndefined();
  });

  it('resolves to undefined when there is no config file, no entry, or no config directory given', async () => {
    expect(await resolveRegistryAuth('localhost:5000', options)).toBeUndefined();
    await writeConfig({ auths: { 'other:5000': { auth: b64('a:b') } } });
    expect(await resolveRegistryAuth('localhost:5000', options)).toBeUndefined();
    expect(await resolveRegistryAuth('other:5000', {})).toBeUndefined();
  });

  it('asks the registry’s credHelpers entry first, over the protocol: get, the server URL on stdin, JSON out', async () => {
    const log = await writeHelper('fake', { 'localhost:5000': { Username: 'helper-user', Secret: 'helper-secret' } });
    await writeConfig({ credHelpers: { 'localhost:5000': 'fake' }, auths: { 'localhost:5000': { auth: b64('file:x') } } });
    const auth = await resolveRegistryAuth('localhost:5000', options);
    expect(auth).toMatchObject({ username: 'helper-user', password: 'helper-secret', serverAddress: 'localhost:5000' });
    expect(auth?.source).toMatch(/docker-credential-fake \(credHelpers\["localhost:5000"\] in .*config\.json\)/);
    expect(await readFile(log, 'utf8')).toBe('get localhost:5000\n');
  });

  it('uses credsStore for every registry, with Hub’s legacy URL as its server URL', async () => {
    const log = await writeHelper('store', { 'https://index.docker.io/v1/': { Username: 'hubby', Secret: 'pw' } });
    await writeConfig({ credsStore: 'store', auths: { 'https://index.docker.io/v1/': {} } });
    expect(await resolveImageAuth('team/app', options)).toMatchObject({ username: 'hubby', password: 'pw' });
    expect(await readFile(log, 'utf8')).toBe('get https://index.docker.io/v1/\n');
  });

  it('reads a helper’s <token> user name as an identity token', async () => {
    await writeHelper('tok', { 'r.example.com': { Username: '<token>', Secret: 'refresh' } });
    await writeConfig({ credsStore: 'tok' });
    const auth = await resolveRegistryAuth('r.example.com', options);
    expect({ ...auth }).toEqual({ identityToken: 'refresh', serverAddress: 'r.example.com', source: expect.stringContaining('credsStore') });
  });

  it('falls back to the auths entry when the helper has nothing for the registry', async () => {
    await writeHelper('empty', {});
    await writeConfig({ credsStore: 'empty', auths: { 'localhost:5000': { auth: b64('file:pw') } } });
    expect(await resolveRegistryAuth('localhost:5000', options)).toMatchObject({ username: 'file', password: 'pw' });
    await writeConfig({ credsStore: 'empty' });
    expect(await resolveRegistryAuth('localhost:5000', options)).toBeUndefined();
  });

  it('fails clearly, naming the helper and the config file, when a helper is missing', async () => {
    await writeConfig({ credHelpers: { 'localhost:5000': 'absent' } });
    const error = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect(isRegistryAuthError(error)).toBe(true);
    expect((error as Error).message).toMatch(/registry localhost:5000 from credential helper docker-credential-absent .*config\.json.*not found on the PATH/);
  });

  it('fails with the helper’s own message when it fails, and never quotes output that is not JSON', async () => {
    await writeHelper('broken', {}, '#!/bin/sh\necho "keychain is locked" >&2\nexit 3\n');
    await writeConfig({ credsStore: 'broken' });
    const error = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/exited with code 3: keychain is locked/);

    await writeHelper('garbage', {}, '#!/bin/sh\necho "user:TOPSECRET"\n');
    await writeConfig({ credsStore: 'garbage' });
    const garbage = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect(isRegistryAuthError(garbage)).toBe(true);
    expect((garbage as Error).message).toMatch(/not JSON/);
    expect((garbage as Error).message).not.toContain('TOPSECRET');
  });

  it('kills a helper that does not answer in time', async () => {
    await writeHelper('slow', {}, '#!/bin/sh\nexec sleep 30\n');
    await writeConfig({ credsStore: 'slow' });
    const started = Date.now();
    const error = await resolveRegistryAuth('localhost:5000', { ...options, helperTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/docker-credential-slow get did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers when the helper exits, even if a child it left behind keeps its output open', async () => {
    await writeHelper('detached', {}, `#!/bin/sh\nsleep 20 &\nprintf '{"Username":"u","Secret":"s"}'\n`);
    await writeConfig({ credsStore: 'detached' });
    const started = Date.now();
    const auth = await resolveRegistryAuth('localhost:5000', { ...options, helperTimeoutMs: 10_000 });
    expect(auth).toMatchObject({ username: 'u', password: 's' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a helper name that is a path, before running anything', async () => {
    await writeConfig({ credsStore: '../../bin/sh' });
    const error = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect(isRegistryAuthError(error)).toBe(true);
    expect((error as Error).message).toMatch(/credsStore.*not a helper name/);
  });

  it('names the file and the entry of a malformed config, never its content', async () => {
    await writeConfig('{"auths": {"localhost:5000": {"auth": "SECRETSECRET" ');
    const bad = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/config\.json: it is not valid JSON/);
    expect((bad as Error).message).not.toContain('SECRET');

    await writeConfig({ auths: { 'localhost:5000': { auth: 'SECRET-not-base64!' } } });
    const undecodable = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect((undecodable as Error).message).toMatch(/auths\["localhost:5000"\].*"auth" is not the base64 of username:password/);
    expect((undecodable as Error).message).not.toContain('SECRET');

    await writeConfig({ auths: { 'localhost:5000': { auth: b64('no-colon-SECRET') } } });
    const noColon = await resolveRegistryAuth('localhost:5000', options).catch((e: unknown) => e);
    expect((noColon as Error).message).not.toContain('SECRET');
  });

  it('refuses a bad registry address or image reference with a ConfigError naming the field', async () => {
    const error = await resolveRegistryAuth('ftp://x', options).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Invalid registry address: registry: has the scheme "ftp:\/\/"/);
    const image = await resolveImageAuth('Bad Image', options).catch((e: unknown) => e);
    expect((image as Error).message).toMatch(/^Invalid image reference: image: contains whitespace/);
  });

  it('masks secrets when the result is printed or serialised, and keeps them for the engine', async () => {
    const auth = await resolveRegistryAuth('localhost:5000', { credentials: { username: 'ci', password: 'hunter2', identityToken: 'tok-123' } });
    expect(inspect(auth)).not.toContain('hunter2');
    expect(JSON.stringify(auth)).not.toContain('tok-123');
    expect(JSON.stringify(auth)).toContain('"username":"ci"');
    expect(auth?.password).toBe('hunter2');
    expect(Object.isFrozen(auth)).toBe(true);
  });
});

describe('dockerConfigDir', () => {
  it('is DOCKER_CONFIG when set, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/etc/ci/docker' }, '/home/me')).toBe('/etc/ci/docker');
    expect(dockerConfigDir({ DOCKER_CONFIG: '' }, '/home/me/')).toBe('/home/me/.docker');
    expect(dockerConfigDir({}, '/root')).toBe('/root/.docker');
  });
});

describe('parseDockerConfig', () => {
  it('keeps auths, credHelpers and credsStore, and ignores everything else', () => {
    const result = parseDockerConfig(JSON.stringify({ auths: { h: { auth: 'x', email: 'e' } }, credHelpers: { g: 'gcr' }, credsStore: 'desktop', proxies: {}, currentContext: 'c' }));
    expect(result).toEqual({ ok: true, value: { auths: { h: { auth: 'x' } }, credHelpers: { g: 'gcr' }, credsStore: 'desktop' } });
  });

  it('reads an empty file as an empty config', () => {
    expect(parseDockerConfig('')).toEqual({ ok: true, value: { auths: {}, credHelpers: {} } });
  });

  it.each([
    ['[]', /not a JSON object/],
    ['{"auths": []}', /"auths" that is not an object/],
    ['{"auths": {"h": 1}}', /auths\["h"\] that is not an object/],
    ['{"auths": {"h": {"password": 5}}}', /auths\["h"\]\.password that is not a string/],
    ['{"credHelpers": {"h": "a/b"}}', /credHelpers\["h"\] that is not a helper name/],
  ])('refuses %s', (text, message) => {
    const result = parseDockerConfig(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
