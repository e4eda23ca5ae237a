/**
 * The parts of a Docker client config file (`config.json`) that say how to log in to registries:
 * `auths`, `credHelpers` and `credsStore`. Pure: reading the file is the caller's business.
 */
import type { ParseResult } from '../core/command.js';
import { DOCKER_HUB } from '../core/image-reference.js';
import { configKeyHost } from '../core/registry-address.js';

/** One entry of a config file's `auths`, as `docker login` writes it. */
export interface DockerConfigAuth {
  /** base64 of `username:password`. */
  readonly auth?: string;
  /** The user name, when the entry gives it apart from `auth`. */
  readonly username?: string;
  /** The password, when the entry gives it apart from `auth`. */
  readonly password?: string;
  /** An OAuth identity (refresh) token, used instead of a password. */
  readonly identitytoken?: string;
  /** A bearer token for the registry. */
  readonly registrytoken?: string;
}

/** The login-related parts of a Docker config file. */
export interface DockerConfig {
  /** Credentials stored in the file, by registry (keys as `docker login` wrote them). */
  readonly auths: Readonly<Record<string, DockerConfigAuth>>;
  /** A credential helper per registry: `{ "registry.example.com": "ecr-login" }` runs `docker-credential-ecr-login`. */
  readonly credHelpers: Readonly<Record<string, string>>;
  /** The credential helper for every registry without its own. */
  readonly credsStore?: string;
}

/** The name of the config file inside a Docker config directory. */
export const DOCKER_CONFIG_FILE = 'config.json';

/**
 * The Docker config directory the docker CLI would use: `DOCKER_CONFIG` when set, else
 * `~/.docker`. Pure: the caller passes the environment and the home directory.
 */
export function dockerConfigDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const fromEnv = env['DOCKER_CONFIG'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : `${home.replace(/\/+$/, '')}/.docker`;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const AUTH_FIELDS = ['auth', 'username', 'password', 'identitytoken', 'registrytoken'] as const;

/**
 * Parses a Docker config file's text. Fields other than `auths`, `credHelpers` and `credsStore` are
 * ignored. Messages name the field that is wrong, never a value from the file (it holds secrets).
 */
export function parseDockerConfig(text: string): ParseResult<DockerConfig> {
  const fail = (message: string, expected: string) => ({ ok: false, message, expected }) as const;
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return fail('is not valid JSON', 'a JSON object such as {"auths": {}}');
  }
  if (!isObject(raw)) return fail('is not a JSON object', 'a JSON object such as {"auths": {}}');

  const auths: Record<string, DockerConfigAuth> = {};
  if (raw['auths'] !== undefined) {
    if (!isObject(raw['auths'])) return fail('has an "auths" that is not an object', 'an object of registry to credentials');
    for (const [key, entry] of Object.entries(raw['auths'])) {
      if (!isObject(entry)) return fail(`has an auths[${JSON.stringify(key)}] that is not an object`, 'an object such as {"auth": "<base64 of user:password>"}');
      const clean: Record<string, string> = {};
      for (const field of AUTH_FIELDS) {
        const value = entry[field];
        if (value === undefined || value === '') continue;
        if (typeof value !== 'string') return fail(`has an auths[${JSON.stringify(key)}].${field} that is not a string`, 'a string');
        clean[field] = value;
      }
      auths[key] = clean;
    }
  }

  const credHelpers: Record<string, string> = {};
  if (raw['credHelpers'] !== undefined) {
    if (!isObject(raw['credHelpers'])) return fail('has a "credHelpers" that is not an object', 'an object of registry to helper name');
    for (const [key, name] of Object.entries(raw['credHelpers'])) {
      if (typeof name !== 'string' || !HELPER_NAME.test(name)) {
        return fail(`has a credHelpers[${JSON.stringify(key)}] that is not a helper name`, 'a name such as "ecr-login" (letters, digits, ., _ and -), run as docker-credential-<name>');
      }
      credHelpers[key] = name;
    }
  }

  const store = raw['credsStore'];
  if (store !== undefined && store !== '' && (typeof store !== 'string' || !HELPER_NAME.test(store))) {
    return fail('has a "credsStore" that is not a helper name', 'a name such as "pass" or "secretservice" (letters, digits, ., _ and -)');
  }
  return { ok: true, value: { auths, credHelpers, ...(typeof store === 'string' && store !== '' ? { credsStore: store } : {}) } };
}

/**
 * Finds the entry of a config map (`auths` or `credHelpers`) for a registry host: the key written
 * exactly as the host first, else any key that stands for the same host (`https://host/`,
 * `host/v2/`; every Docker Hub alias for `docker.io`).
 */
export function findConfigEntry<T>(entries: Readonly<Record<string, T>>, host: string): { readonly key: string; readonly value: T } | undefined {
  if (Object.hasOwn(entries, host)) return { key: host, value: entries[host] as T };
  const wanted = configKeyHost(host);
  for (const [key, value] of Object.entries(entries)) {
    if (configKeyHost(key) === wanted) return { key, value };
  }
  return undefined;
}

/**
 * The server URL the docker CLI hands a credential helper for a registry host: Docker Hub's legacy
 * URL for Hub (helpers store Hub credentials under it), else the host itself.
 */
export function helperServerUrl(host: string): string {
  return host === DOCKER_HUB ? 'https://index.docker.io/v1/' : host;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
