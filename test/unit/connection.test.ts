/**
 * How docker-job reaches a `tcp://` engine: TLS only when asked for, verified unless explicitly not,
 * and the default port that goes with it, as the docker CLI decides. Pure resolution from the
 * options and the environment given, plus real TLS handshakes against a local TLS server.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient, parseDockerHost, resolveDockerConnection } from '../../src/engine/docker/connection.js';
import { isConfigError } from '../../src/errors/config-error.js';

const fixture = (file: string) => fileURLToPath(new URL(`../fixtures/tls/${file}`, import.meta.url));

let scratch: string;
/** A directory holding the test CA as `ca.pem` and a client certificate and key, as DOCKER_CERT_PATH expects. */
let certDir: string;
/** A home directory with no `.docker`: nothing is read from the real one. */
let emptyHome: string;
let ca: Buffer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'docker-job-tls-'));
  certDir = join(scratch, 'certs');
  emptyHome = join(scratch, 'home');
  await mkdir(certDir);
  await mkdir(emptyHome);
  await copyFile(fixture('ca.pem'), join(certDir, 'ca.pem'));
  // The server's pair stands in for a client pair: only its presence and bytes matter here.
  await copyFile(fixture('server-cert.pem'), join(certDir, 'cert.pem'));
  await copyFile(fixture('server-key.pem'), join(certDir, 'key.pem'));
  ca = await readFile(fixture('ca.pem'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const resolve = (env: Record<string, string>, options: Parameters<typeof resolveDockerConnection>[0] = {}) => resolveDockerConnection(options, env, emptyHome);

describe('TLS for a tcp:// engine', () => {
  it('speaks plain HTTP unless TLS is asked for, even on port 2376', () => {
    const c = resolve({ DOCKER_HOST: 'tcp://engine.example:2376' });
    expect(c.tls).toBeUndefined();
    expect(c.modem).toMatchObject({ protocol: 'http', host: 'engine.example', port: 2376 });
    expect(c.address).toBe('tcp://engine.example:2376');
  });

  it('defaults to port 2375 without TLS and 2376 with it', () => {
    expect(resolve({ DOCKER_HOST: 'tcp://engine.example' }).modem).toMatchObject({ protocol: 'http', port: 2375 });
    expect(resolve({ DOCKER_HOST: 'tcp://engine.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir }).modem).toMatchObject({ protocol: 'https', port: 2376 });
    expect(resolve({ DOCKER_HOST: 'engine.example', DOCKER_TLS: '1' }).modem).toMatchObject({ protocol: 'https', port: 2376 });
  });

  it('verifies the engine with the certificates of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const c = resolve({ DOCKER_HOST: 'tcp://engine.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir });
    expect(c.tls?.verify).toBe(true);
    expect(c.tls?.ca).toEqual(ca);
    expect(c.tls?.cert).toBeInstanceOf(Buffer);
    expect(c.tls?.key).toBeInstanceOf(Buffer);
    expect(c.modem).toMatchObject({ protocol: 'https', ca, port: 2376 });
  });

  it('takes any DOCKER_TLS_VERIFY but "" and "0" as set', () => {
    expect(resolve({ DOCKER_HOST: 'tcp://e:1', DOCKER_TLS_VERIFY: 'true', DOCKER_CERT_PATH: certDir }).tls?.verify).toBe(true);
    expect(resolve({ DOCKER_HOST: 'tcp://e:1', DOCKER_TLS_VERIFY: '0', DOCKER_CERT_PATH: certDir }).tls).toBeUndefined();
    expect(resolve({ DOCKER_HOST: 'tcp://e:1', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: certDir }).tls).toBeUndefined();
  });

  it('without DOCKER_CERT_PATH reads the certificates from DOCKER_CONFIG, else ~/.docker', async () => {
    expect(resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: certDir }).tls).toMatchObject({ verify: true, ca });
    const home = join(scratch, 'home-with-certs');
    await mkdir(join(home, '.docker'), { recursive: true });
    await copyFile(fixture('ca.pem'), join(home, '.docker', 'ca.pem'));
    expect(resolveDockerConnection({}, { DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1' }, home).tls).toMatchObject({ verify: true, ca, cert: undefined, key: undefined });
  });

  it('verifies against the system CAs when there is no ca.pem, and presents no client certificate when there is none', () => {
    const c = resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1' });
    expect(c.tls).toEqual({ verify: true, ca: undefined, cert: undefined, key: undefined });
  });

  it('uses TLS without verifying the engine only when DOCKER_TLS says so', () => {
    const c = resolve({ DOCKER_HOST: 'tcp://e:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: certDir });
    expect(c.tls).toMatchObject({ verify: false, ca });
    expect(c.modem).toMatchObject({ protocol: 'https' });
    expect(resolve({ DOCKER_HOST: 'tcp://e:2376', DOCKER_TLS: '0' }).tls).toBeUndefined();
    // DOCKER_TLS_VERIFY wins: it asks for more.
    expect(resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS: '1', DOCKER_TLS_VERIFY: '1' }).tls?.verify).toBe(true);
  });

  it('reads https:// as verified TLS, on port 2376 unless the address says otherwise', () => {
    expect(parseDockerHost('https://engine.example')).toEqual({ kind: 'tcp', host: 'engine.example', port: undefined, tls: true });
    const c = resolve({ DOCKER_HOST: 'https://engine.example' });
    expect(c.tls).toEqual({ verify: true, ca: undefined, cert: undefined, key: undefined });
    expect(c.modem).toMatchObject({ protocol: 'https', port: 2376 });
    expect(resolve({}, { host: 'https://engine.example:443', tls: { ca } }).modem).toMatchObject({ protocol: 'https', port: 443, ca });
    expect(parseDockerHost('http://engine.example:80')).toMatchObject({ port: 80, tls: false });
  });

  it('lets the tls option decide over the environment, verifying unless it says verify: false', () => {
    const env = { DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(scratch, 'missing') };
    expect(resolve(env, { tls: { ca: 'CA' } }).tls).toEqual({ verify: true, ca: 'CA', cert: undefined, key: undefined });
    expect(resolve(env, { tls: { verify: false } }).tls).toEqual({ verify: false, ca: undefined, cert: undefined, key: undefined });
    expect(resolve({}, { host: 'tcp://e', tls: {} }).modem).toMatchObject({ protocol: 'https', port: 2376 });
  });

  it('ignores the TLS variables for a unix socket', () => {
    const c = resolve({ DOCKER_HOST: 'unix:///run/docker.sock', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(scratch, 'missing') });
    expect(c.tls).toBeUndefined();
    expect(c.modem).toMatchObject({ socketPath: '/run/docker.sock' });
  });

  it('refuses a DOCKER_CERT_PATH that does not exist, naming the variable', () => {
    const missing = join(scratch, 'missing');
    const error = (() => {
      try {
        return resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: missing });
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('DOCKER_CERT_PATH');
    expect((error as Error).message).toContain(missing);
  });

  it('refuses a client certificate without its key', async () => {
    const dir = join(scratch, 'cert-only');
    await mkdir(dir);
    await copyFile(fixture('server-cert.pem'), join(dir, 'cert.pem'));
    expect(() => resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir })).toThrow(/DOCKER_CERT_PATH: has cert\.pem without key\.pem/);
  });

  it('refuses an unreadable certificate file, naming the file', async () => {
    const dir = join(scratch, 'ca-is-a-directory');
    await mkdir(join(dir, 'ca.pem'), { recursive: true });
    await writeFile(join(dir, 'unrelated'), '');
    expect(() => resolve({ DOCKER_HOST: 'tcp://e', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir })).toThrow(/unreadable ca\.pem.*EISDIR/);
  });
});

describe('TLS handshakes, against a local TLS server', () => {
  // Not an engine: a TLS endpoint that answers the engine's `/_ping`, so that what is tested is our
  // client's TLS (does it verify, does it present), not the engine.
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer({ cert: await readFile(fixture('server-cert.pem')), key: await readFile(fixture('server-key.pem')) }, (req, res) => {
      res.writeHead(req.url?.endsWith('/_ping') ? 200 : 404, { 'content-type': 'text/plain' }).end('OK');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const pingAt = (host: string, env: Record<string, string>): Promise<unknown> => {
    const docker = dockerClient(resolve({ DOCKER_HOST: host, ...env }));
    return (docker.ping as (options: object) => Promise<unknown>).call(docker, { abortSignal: AbortSignal.timeout(5_000) });
  };
  const ping = (env: Record<string, string>) => pingAt(`tcp://127.0.0.1:${port}`, env);

  it('connects when the engine’s certificate chains to ca.pem', async () => {
    expect(String(await ping({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir }))).toBe('OK');
  });

  it('refuses an engine whose certificate it cannot verify', async () => {
    const error = (await ping({ DOCKER_TLS_VERIFY: '1' }).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error.code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
    const https = (await pingAt(`https://127.0.0.1:${port}`, {}).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(https.code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
  });

  it('connects without verifying only when DOCKER_TLS asks for TLS without DOCKER_TLS_VERIFY', async () => {
    expect(String(await ping({ DOCKER_TLS: '1' }))).toBe('OK');
  });

  it('does not speak TLS to a tcp:// address nobody asked TLS for', async () => {
    const error = (await ping({}).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
  });
});
