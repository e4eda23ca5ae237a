/**
 * Which credentials to send to a registry: the caller's own, else what the user's Docker config
 * holds for it (`credHelpers`, `credsStore`, `auths`), read the way the docker CLI reads it.
 *
 * Nothing here reads `process.env` or the home directory: the caller says where the Docker config
 * is and which environment credential helpers run in.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '../errors/config-error.js';
import { RegistryAuthError } from '../errors/registry-auth-error.js';
import { CredentialHelperError, getHelperCredentials } from './credential-helper.js';
import { DOCKER_CONFIG_FILE, findConfigEntry, helperServerUrl, parseDockerConfig, type DockerConfig, type DockerConfigAuth } from './docker-config.js';
import { parseImageReference } from '../core/image-reference.js';
import { parseRegistryAddress } from '../core/registry-address.js';

/** Credentials for a registry, given by the caller. */
export interface RegistryCredentials {
  /** User name. */
  readonly username?: string | undefined;
  /** Password or access token. */
  readonly password?: string | undefined;
  /** An OAuth identity (refresh) token, instead of a password. */
  readonly identityToken?: string | undefined;
  /** A bearer token the registry accepts as it is. */
  readonly registryToken?: string | undefined;
}

/**
 * The credentials to send to one registry, in our own type (the engine adapter turns them into
 * the engine's `authconfig`). Printing one with `console.log`, `util.inspect` or `JSON.stringify`
 * shows the secret fields masked.
 */
export interface RegistryAuth extends RegistryCredentials {
  /** The registry they are for: `localhost:5000`, or Docker Hub's `https://index.docker.io/v1/`. */
  readonly serverAddress: string;
  /** Where they came from, for messages: `explicit credentials`, `/home/me/.docker/config.json`, ... Never a secret. */
  readonly source: string;
}

/** Where {@link resolveRegistryAuth} looks for credentials. */
export interface RegistryAuthOptions {
  /** Credentials to use as they are: the Docker config is then not read. */
  readonly credentials?: RegistryCredentials;
  /**
   * The Docker config directory (what `DOCKER_CONFIG` names; `~/.docker` by default for the
   * docker CLI) whose `config.json` is read. Absent: no Docker config is read. A directory
   * without `config.json` means no credentials, not an error.
   */
  readonly dockerConfigDir?: string;
  /**
   * The environment credential helpers run in: its `PATH` is where `docker-credential-<name>` is
   * found, and helpers need `HOME` to find their store. Absent: an empty environment, where only
   * `/usr/bin` and `/bin` are searched. The package's entry points pass the process environment.
   */
  readonly helperEnv?: Readonly<Record<string, string | undefined>>;
  /** Aborts reading (a credential helper that hangs is killed). */
  readonly signal?: AbortSignal;
  /** Kills a credential helper that has not answered in this many milliseconds. Default 30 s. */
  readonly helperTimeoutMs?: number;
}

const SECRET_FIELDS = ['password', 'identityToken', 'registryToken'] as const;

/**
 * Resolves the credentials for a registry. `registry` is a registry address as users write it
 * (`localhost:5000`, `https://registry.example.com/team`, `docker.io`): see
 * {@link parseRegistryAddress}.
 *
 * In order: `options.credentials`; the config file's `credHelpers` entry for the registry; its
 * `credsStore`; its `auths` entry (base64 `auth`, or `username`/`password`, or `identitytoken`).
 * A helper that has nothing for the registry lets the `auths` entry answer. Resolves with
 * `undefined` when nothing is found: the registry is then asked without credentials.
 *
 * @throws {RegistryAuthError} when the config file or an entry in it is malformed, or a credential
 * helper is missing or fails. The message names the registry and the source, never a secret.
 * @throws {ConfigError} when `registry` is not a registry address.
 */
export async function resolveRegistryAuth(registry: string, options: RegistryAuthOptions = {}): Promise<RegistryAuth | undefined> {
  const address = parseRegistryAddress(registry);
  if (!address.ok) throw new ConfigError([{ path: 'registry', message: address.message, expected: address.expected }], { subject: 'registry address' });
  return resolveForHost(address.value.host, options);
}

/**
 * Resolves the credentials for the registry an image reference points at
 * (`localhost:5000/team/app:1` → `localhost:5000`; `busybox` → Docker Hub). See
 * {@link resolveRegistryAuth}.
 * @throws {ConfigError} when `image` is not an image reference.
 */
export async function resolveImageAuth(image: string, options: RegistryAuthOptions = {}): Promise<RegistryAuth | undefined> {
  const ref = parseImageReference(image);
  if (!ref.ok) throw new ConfigError([{ path: 'image', message: ref.message, expected: ref.expected }], { subject: 'image reference' });
  return resolveForHost(ref.value.registry, options);
}

async function resolveForHost(host: string, options: RegistryAuthOptions): Promise<RegistryAuth | undefined> {
  const serverAddress = helperServerUrl(host);
  if (options.credentials !== undefined) {
    const given = fromCredentials(options.credentials);
    if (given === undefined) {
      throw new RegistryAuthError({ registry: host, source: 'explicit credentials', reason: 'they hold neither a username with a password, nor an identity or registry token' });
    }
    return makeAuth({ ...given, serverAddress, source: 'explicit credentials' });
  }
  if (options.dockerConfigDir === undefined) return undefined;

  const file = join(options.dockerConfigDir, DOCKER_CONFIG_FILE);
  const config = await readDockerConfig(file, host, options.signal);
  if (config === undefined) return undefined;

  const helper = findConfigEntry(config.credHelpers, host);
  const helperName = helper?.value ?? config.credsStore;
  if (helperName !== undefined) {
    const source = `credential helper docker-credential-${helperName} (${helper ? `credHelpers[${JSON.stringify(helper.key)}]` : 'credsStore'} in ${file})`;
    try {
      const found = await getHelperCredentials(helperName, serverAddress, {
        env: options.helperEnv ?? {},
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.helperTimeoutMs === undefined ? {} : { timeoutMs: options.helperTimeoutMs }),
      });
      if (found !== undefined) {
        // Helpers return identity tokens with the user name `<token>`, as the docker CLI reads them.
        const creds = found.username === '<token>' ? { identityToken: found.secret } : { username: found.username, password: found.secret };
        return makeAuth({ ...creds, serverAddress, source });
      }
    } catch (error) {
      const reason = error instanceof CredentialHelperError ? error.message : 'it failed';
      throw new RegistryAuthError({ registry: host, source, reason, cause: error });
    }
  }

  const entry = findConfigEntry(config.auths, host);
  if (entry === undefined) return undefined;
  const source = `auths[${JSON.stringify(entry.key)}] in ${file}`;
  const creds = fromConfigAuth(entry.value, host, source);
  return creds === undefined ? undefined : makeAuth({ ...creds, serverAddress, source });
}

async function readDockerConfig(file: string, host: string, signal: AbortSignal | undefined): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new RegistryAuthError({ registry: host, source: file, reason: `it cannot be read (${code ?? (error as Error).message})`, cause: error });
  }
  const parsed = parseDockerConfig(text);
  if (!parsed.ok) throw new RegistryAuthError({ registry: host, source: file, reason: `it ${parsed.message} (expected ${parsed.expected})` });
  return parsed.value;
}

function fromConfigAuth(entry: DockerConfigAuth, host: string, source: string): RegistryCredentials | undefined {
  let { username, password } = entry;
  if (entry.auth !== undefined) {
    const decoded = decodeBasicAuth(entry.auth);
    if (decoded === undefined) {
      throw new RegistryAuthError({ registry: host, source, reason: 'its "auth" is not the base64 of username:password' });
    }
    ({ username, password } = decoded);
  }
  return fromCredentials({
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(entry.identitytoken === undefined ? {} : { identityToken: entry.identitytoken }),
    ...(entry.registrytoken === undefined ? {} : { registryToken: entry.registrytoken }),
  });
}

/** Keeps the fields that say something; `undefined` when nothing would authenticate. */
function fromCredentials(creds: RegistryCredentials): RegistryCredentials | undefined {
  const out: { -readonly [K in keyof RegistryCredentials]: string } = {};
  for (const field of ['username', ...SECRET_FIELDS] as const) {
    const value = creds[field];
    if (typeof value === 'string' && value !== '') out[field] = value;
  }
  const usable = (out.username !== undefined && out.password !== undefined) || out.identityToken !== undefined || out.registryToken !== undefined;
  return usable ? out : undefined;
}

function decodeBasicAuth(auth: string): { username: string; password: string } | undefined {
  const compact = auth.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  const text = Buffer.from(compact, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** A frozen {@link RegistryAuth} that shows its secrets masked when printed or serialised. */
function makeAuth(fields: RegistryAuth): RegistryAuth {
  const masked = () => {
    const copy: Record<string, string | undefined> = { ...fields };
    for (const field of SECRET_FIELDS) if (copy[field] !== undefined) copy[field] = '***';
    return copy;
  };
  const auth = { ...fields };
  Object.defineProperty(auth, 'toJSON', { value: masked, enumerable: false });
  Object.defineProperty(auth, inspect.custom, { value: () => masked(), enumerable: false });
  return Object.freeze(auth);
}
