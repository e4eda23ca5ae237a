import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ConfigError } from '../../errors/config-error.js';

/**
 * Where a Docker Engine listens, as `DOCKER_HOST` spells it: `unix:///var/run/docker.sock`,
 * `tcp://host:2376`, `ssh://user@host`, `npipe:////./pipe/docker_engine`.
 */
export type DockerHost = string;

/** How to reach a Docker Engine. Every field is optional; see {@link resolveDockerConnection} for the defaults. */
export interface DockerEngineOptions {
  /**
   * The engine's address in `DOCKER_HOST` syntax (`unix://`, `tcp://`, `ssh://`, `npipe://`).
   * Default: the `DOCKER_HOST` of `env`, else the local socket.
   */
  readonly host?: DockerHost;
  /** Shorthand for `host: 'unix://' + socketPath`. */
  readonly socketPath?: string;
  /**
   * TLS for `tcp://` engines. Default: from `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` (`ca.pem`,
   * `cert.pem`, `key.pem`), as the docker CLI reads them.
   */
  readonly tls?: {
    /** The CA certificate the engine's certificate must be signed by (PEM). */
    readonly ca?: string | Buffer;
    /** The client certificate (PEM). */
    readonly cert?: string | Buffer;
    /** The client certificate's private key (PEM). */
    readonly key?: string | Buffer;
    /** Verify the engine's certificate. Default `true`. */
    readonly verify?: boolean;
  };
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

/** A parsed `DOCKER_HOST`. */
export type ParsedDockerHost =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'npipe'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number | undefined }
  | { readonly kind: 'ssh'; readonly host: string; readonly port: number | undefined; readonly username: string | undefined };

/**
 * Parses a `DOCKER_HOST` value the way the docker CLI does. Pure.
 * @throws {ConfigError} naming `variable` when the value is not a Docker host address.
 */
export function parseDockerHost(value: string, variable = 'DOCKER_HOST'): ParsedDockerHost {
  const fail = (message: string): never => {
    throw new ConfigError([{ path: variable, message, expected: 'unix:///path/to/docker.sock, tcp://host:port, ssh://[user@]host[:port] or npipe:////./pipe/name' }]);
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
  const port = url.port === '' ? undefined : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'ssh') return { kind: 'ssh', host, port, username: url.username === '' ? undefined : decodeURIComponent(url.username) };
  return { kind: 'tcp', host, port };
}

/** What {@link resolveDockerConnection} hands to the Docker client, and the address for messages. @internal */
export interface ResolvedConnection {
  /** The engine's address for messages, in `DOCKER_HOST` syntax. */
  readonly address: string;
  /** Options for docker-modem; every connection key is set, so that the client's own reading of the environment never overrides ours. */
  readonly modem: Record<string, unknown>;
  /** The pinned API version, if any (`1.41`). */
  readonly apiVersion: string | undefined;
}

/**
 * Decides how to reach the engine: explicit options first, then `DOCKER_HOST`, `DOCKER_TLS_VERIFY`,
 * `DOCKER_CERT_PATH` and `DOCKER_API_VERSION` from `env`, then the local socket (the rootless
 * user socket `~/.docker/run/docker.sock` when it exists, else `/var/run/docker.sock`).
 * Reads TLS files named by `DOCKER_CERT_PATH`. @internal
 */
export function resolveDockerConnection(options: DockerEngineOptions, env: Readonly<Record<string, string | undefined>>): ResolvedConnection {
  const explicit = options.host ?? (options.socketPath === undefined ? undefined : `unix://${options.socketPath}`);
  const fromEnv = env['DOCKER_HOST'] === undefined || env['DOCKER_HOST'] === '' ? undefined : env['DOCKER_HOST'];
  const parsed = explicit !== undefined ? parseDockerHost(explicit, 'host') : fromEnv !== undefined ? parseDockerHost(fromEnv) : undefined;
  const apiVersion = normaliseApiVersion(options.apiVersion ?? (env['DOCKER_API_VERSION'] || undefined));
  // Every key docker-modem would otherwise fill in from process.env is set, even to undefined.
  const base = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined, username: undefined, sshOptions: undefined, pathPrefix: undefined };

  if (parsed === undefined || parsed.kind === 'unix' || parsed.kind === 'npipe') {
    const socketPath = parsed?.socketPath ?? defaultUnixSocket();
    const address = parsed?.kind === 'npipe' ? `npipe://${socketPath}` : `unix://${socketPath}`;
    return { address, modem: { ...base, socketPath }, apiVersion };
  }
  if (parsed.kind === 'ssh') {
    const agent = env['SSH_AUTH_SOCK'];
    return {
      address: `ssh://${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.port ? `:${parsed.port}` : ''}`,
      modem: { ...base, protocol: 'ssh', host: parsed.host, port: parsed.port ?? 22, username: parsed.username, sshOptions: agent ? { agent } : {} },
      apiVersion,
    };
  }
  const tls = resolveTls(options, env, parsed.port);
  const port = parsed.port ?? (tls ? 2376 : 2375);
  return {
    address: `tcp://${parsed.host}:${port}`,
    modem: { ...base, host: parsed.host, port, protocol: tls ? 'https' : 'http', ...(tls ?? {}) },
    apiVersion,
  };
}

function resolveTls(options: DockerEngineOptions, env: Readonly<Record<string, string | undefined>>, port: number | undefined) {
  if (options.tls) return { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key, rejectUnauthorized: options.tls.verify ?? true };
  const verify = env['DOCKER_TLS_VERIFY'] !== undefined && env['DOCKER_TLS_VERIFY'] !== '' && env['DOCKER_TLS_VERIFY'] !== '0';
  if (!verify && port !== 2376) return undefined; // as the docker CLI: TLS only when asked for, or on the TLS port
  const certPath = env['DOCKER_CERT_PATH'] || (verify ? join(homedir(), '.docker') : undefined);
  if (certPath === undefined) return { rejectUnauthorized: false };
  const read = (file: string) => {
    try {
      return readFileSync(join(certPath, file));
    } catch (error) {
      throw new ConfigError([{ path: 'DOCKER_CERT_PATH', message: `has no readable ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, expected: 'a directory holding ca.pem, cert.pem and key.pem' }], { cause: error });
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), rejectUnauthorized: verify };
}

function normaliseApiVersion(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^v?(\d+\.\d+)$/.exec(value.trim());
  if (!match) throw new ConfigError([{ path: 'apiVersion', message: 'is not an API version', expected: 'MAJOR.MINOR, e.g. 1.41' }]);
  return match[1];
}

function defaultUnixSocket(): string {
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

/** Compares two `MAJOR.MINOR` API versions. @internal */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** A dockerode client for a resolved connection, with the API version pinned when one was. @internal */
export function dockerClient(connection: ResolvedConnection): Docker {
  const docker = new Docker(connection.modem as Docker.DockerOptions);
  if (connection.apiVersion !== undefined) (docker.modem as unknown as { version?: string }).version = `v${connection.apiVersion}`;
  return docker;
}
