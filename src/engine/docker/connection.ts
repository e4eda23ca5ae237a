import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ConfigError } from '../../errors/config-error.js';

/**
 * Where a Docker Engine listens, as `DOCKER_HOST` spells it: `unix:///var/run/docker.sock`,
 * `tcp://host:2376`, `https://host`, `ssh://user@host`, `npipe:////./pipe/docker_engine`.
 */
export type DockerHost = string;

/** How to reach a Docker Engine. Every field is optional: without one, the environment decides (`DOCKER_HOST`, the TLS variables, `DOCKER_API_VERSION`), else the local socket. */
export interface DockerEngineOptions {
  /**
   * The engine's address in `DOCKER_HOST` syntax (`unix://`, `tcp://`, `https://`, `ssh://`,
   * `npipe://`). Default: the `DOCKER_HOST` of `env`, else the local socket.
   */
  readonly host?: DockerHost;
  /** Shorthand for `host: 'unix://' + socketPath`. */
  readonly socketPath?: string;
  /**
   * TLS for `tcp://` engines, with these certificates (PEM); `verify` (default true) checks the
   * engine's certificate against `ca` (else the system's CAs) and its name.
   *
   * Default, as the docker CLI decides: TLS only when asked for. `DOCKER_TLS_VERIFY` set (and not
   * `0`), or an `https://` host: TLS that verifies the engine. `DOCKER_TLS` set (and not `0`): TLS
   * without verifying the engine. Otherwise plain HTTP, whatever the port. The certificates are read
   * from `DOCKER_CERT_PATH`, else the docker CLI's config directory (`DOCKER_CONFIG`, else
   * `~/.docker`): `ca.pem`, `cert.pem` and `key.pem`, each where present. Without a port, an engine
   * is reached on 2376 with TLS and on 2375 without.
   */
  readonly tls?: TlsOptions;
  /**
   * Pin the engine API version, e.g. `1.41`. Default: `DOCKER_API_VERSION` of `env`, else the
   * highest version both the engine and docker-job speak, agreed with the engine on first use.
   */
  readonly apiVersion?: string;
  /**
   * Deadline of each short engine call (create, start, inspect, stop, remove, ...), in
   * milliseconds. Long calls (attach, wait, pull) are bounded by the job's own timeout and signal.
   * Default 60000.
   */
  readonly callTimeoutMs?: number;
  /**
   * The environment to read `DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` and
   * `DOCKER_API_VERSION` from. Default: `process.env`. Pass `{}` to ignore the environment.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** TLS for a `tcp://` engine: see {@link DockerEngineOptions.tls}. */
export interface TlsOptions {
  /** The CA certificate(s) the engine's certificate must chain to. Default: the system's CAs. */
  readonly ca?: string | Buffer;
  /** The client certificate, for an engine that authenticates its clients. */
  readonly cert?: string | Buffer;
  /** The client certificate's private key. */
  readonly key?: string | Buffer;
  /** Check the engine's certificate and name. Default true; false only when you must (a lab engine with a throwaway certificate). */
  readonly verify?: boolean;
}

/** A parsed `DOCKER_HOST`. */
export type ParsedDockerHost =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'npipe'; readonly socketPath: string }
  /** `tls`: the address itself asks for verified TLS (`https://`). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number | undefined; readonly tls: boolean }
  | { readonly kind: 'ssh'; readonly host: string; readonly port: number | undefined; readonly username: string | undefined };

/**
 * Parses a `DOCKER_HOST` value the way the docker CLI does. Pure.
 * @throws {ConfigError} naming `variable` when the value is not a Docker host address.
 */
export function parseDockerHost(value: string, variable = 'DOCKER_HOST'): ParsedDockerHost {
  const fail = (message: string): never => {
    throw new ConfigError([{ path: variable, message, expected: 'unix:///path/to/docker.sock, tcp://host[:port], https://host[:port], ssh://[user@]host[:port] or npipe:////./pipe/name' }]);
  };
  const text = value.trim();
  if (text === '') fail('is empty');
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) fail('names a unix socket without an absolute path');
    return { kind: 'unix', socketPath };
  }
  if (text.startsWith('npipe://')) return { kind: 'npipe', socketPath: text.slice('npipe://'.length) || '//./pipe/docker_engine' };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tcp://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail('is not a valid address');
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'tcp' && scheme !== 'ssh' && scheme !== 'http' && scheme !== 'https') fail(`has the unsupported scheme "${scheme}"`);
  if (url.hostname === '') fail('has no host name');
  if (url.pathname !== '/' && url.pathname !== '') fail('has a path; only a host and port are allowed');
  // URL drops a scheme's own default port (`https://h:443`, `http://h:80`); the address keeps it.
  const written = /:(\d+)$/.exec(url.host)?.[1] ?? /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)(?:\/|$)/i.exec(withScheme)?.[1];
  const port = written === undefined ? undefined : Number(written);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'ssh') return { kind: 'ssh', host, port, username: url.username === '' ? undefined : decodeURIComponent(url.username) };
  return { kind: 'tcp', host, port, tls: scheme === 'https' };
}

/** TLS settled for a connection: what to present and whether the engine is verified. @internal */
export interface ResolvedTls {
  readonly verify: boolean;
  readonly ca: string | Buffer | undefined;
  readonly cert: string | Buffer | undefined;
  readonly key: string | Buffer | undefined;
}

/** What {@link resolveDockerConnection} hands to the Docker client, and the address for messages. @internal */
export interface ResolvedConnection {
  /** The engine's address for messages, in `DOCKER_HOST` syntax. */
  readonly address: string;
  /** Options for docker-modem; every connection key is set, so that the client's own reading of the environment never overrides ours. */
  readonly modem: Record<string, unknown>;
  /** TLS for a `tcp://` engine, or `undefined` for plain HTTP (and for sockets and ssh). */
  readonly tls: ResolvedTls | undefined;
  /** The pinned API version, if any (`1.41`). */
  readonly apiVersion: string | undefined;
}

/**
 * Decides how to reach the engine: explicit options first, then `DOCKER_HOST`, `DOCKER_TLS_VERIFY`,
 * `DOCKER_TLS`, `DOCKER_CERT_PATH`, `DOCKER_CONFIG` and `DOCKER_API_VERSION` from `env`, then the
 * local socket (the rootless user socket `~/.docker/run/docker.sock` when it exists, else
 * `/var/run/docker.sock`). TLS as the docker CLI decides it: see {@link DockerEngineOptions.tls}.
 * Reads the certificate files it needs; `home` stands for `~`. @internal
 */
export function resolveDockerConnection(options: DockerEngineOptions, env: Readonly<Record<string, string | undefined>>, home: string = homedir()): ResolvedConnection {
  const explicit = options.host ?? (options.socketPath === undefined ? undefined : `unix://${options.socketPath}`);
  const fromEnv = env['DOCKER_HOST'] === undefined || env['DOCKER_HOST'] === '' ? undefined : env['DOCKER_HOST'];
  const parsed = explicit !== undefined ? parseDockerHost(explicit, 'host') : fromEnv !== undefined ? parseDockerHost(fromEnv) : undefined;
  const apiVersion = normaliseApiVersion(options.apiVersion ?? (env['DOCKER_API_VERSION'] || undefined));
  // Every key docker-modem would otherwise fill in from process.env is set, even to undefined.
  const base = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined, username: undefined, sshOptions: undefined, pathPrefix: undefined };

  if (parsed === undefined || parsed.kind === 'unix' || parsed.kind === 'npipe') {
    const socketPath = parsed?.socketPath ?? defaultUnixSocket(home);
    const address = parsed?.kind === 'npipe' ? `npipe://${socketPath}` : `unix://${socketPath}`;
    return { address, modem: { ...base, socketPath }, tls: undefined, apiVersion };
  }
  if (parsed.kind === 'ssh') {
    const agent = env['SSH_AUTH_SOCK'];
    return {
      address: `ssh://${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.port ? `:${parsed.port}` : ''}`,
      modem: { ...base, protocol: 'ssh', host: parsed.host, port: parsed.port ?? 22, username: parsed.username, sshOptions: agent ? { agent } : {} },
      tls: undefined,
      apiVersion,
    };
  }
  const tls = resolveTls(options, env, parsed.tls, home);
  const port = parsed.port ?? (tls ? 2376 : 2375);
  return {
    address: `tcp://${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host}:${port}`,
    modem: { ...base, host: parsed.host, port, protocol: tls ? 'https' : 'http', ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) },
    tls,
    apiVersion,
  };
}

/** A variable that switches something on: set, and neither empty nor `0`. */
function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}

/**
 * TLS as the docker CLI decides it: only when asked for (never because of a port number), verified
 * unless explicitly not. `undefined`: plain HTTP.
 */
function resolveTls(options: DockerEngineOptions, env: Readonly<Record<string, string | undefined>>, httpsScheme: boolean, home: string): ResolvedTls | undefined {
  if (options.tls) return { verify: options.tls.verify ?? true, ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key };
  const verify = httpsScheme || isOn(env['DOCKER_TLS_VERIFY']);
  if (!verify && !isOn(env['DOCKER_TLS'])) return undefined;
  return { verify, ...readCertificates(env, home) };
}

/**
 * `ca.pem`, `cert.pem` and `key.pem` from `DOCKER_CERT_PATH`, else from the docker CLI's config
 * directory; a file that is not there is left out (as the docker CLI does: no `ca.pem`, the system's
 * CAs; no `cert.pem`, no client certificate). A directory named by `DOCKER_CERT_PATH` must exist;
 * a client certificate needs its key.
 */
function readCertificates(env: Readonly<Record<string, string | undefined>>, home: string): Omit<ResolvedTls, 'verify'> {
  const named = env['DOCKER_CERT_PATH'] || undefined;
  const variable = named === undefined ? (env['DOCKER_CONFIG'] ? 'DOCKER_CONFIG' : '~/.docker') : 'DOCKER_CERT_PATH';
  const dir = named ?? (env['DOCKER_CONFIG'] || join(home, '.docker'));
  const expected = 'a directory holding ca.pem, and cert.pem with key.pem for a client certificate';
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError([{ path: variable, message, expected }], { cause, subject: 'engine connection' });
  };
  if (named !== undefined && !existsSync(dir)) fail(`names ${dir}, which does not exist`);
  const read = (file: string): Buffer | undefined => {
    try {
      return readFileSync(join(dir, file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return fail(`has an unreadable ${file} in ${dir} (${code ?? 'unreadable'})`, error);
    }
  };
  const [ca, cert, key] = [read('ca.pem'), read('cert.pem'), read('key.pem')];
  if ((cert === undefined) !== (key === undefined)) fail(`has ${cert ? 'cert.pem without key.pem' : 'key.pem without cert.pem'} in ${dir}`);
  return { ca, cert, key };
}

function normaliseApiVersion(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^v?(\d+\.\d+)$/.exec(value.trim());
  if (!match) throw new ConfigError([{ path: 'apiVersion', message: 'is not an API version', expected: 'MAJOR.MINOR, e.g. 1.41' }]);
  return match[1];
}

function defaultUnixSocket(home: string): string {
  const user = join(home, '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

/** Compares two `MAJOR.MINOR` API versions. @internal */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/**
 * A dockerode client for a resolved connection, with the API version pinned when one was. TLS goes
 * through an agent of its own: docker-modem hands a request only the certificates, so whether the
 * engine is verified is said where Node's TLS reads it. @internal
 */
export function dockerClient(connection: ResolvedConnection): Docker {
  const tls = connection.tls;
  const agent = tls && new Agent({ keepAlive: true, rejectUnauthorized: tls.verify, ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.cert === undefined ? {} : { cert: tls.cert }), ...(tls.key === undefined ? {} : { key: tls.key }) });
  const docker = new Docker({ ...connection.modem, ...(agent ? { agent } : {}) } as Docker.DockerOptions);
  if (connection.apiVersion !== undefined) (docker.modem as unknown as { version?: string }).version = `v${connection.apiVersion}`;
  return docker;
}
