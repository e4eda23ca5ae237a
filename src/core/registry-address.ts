/**
 * Registry addresses as users write them (`https://registry.example.com:5000/team/`,
 * `localhost:5000`, `https://index.docker.io/v1/`), normalised to a host and a path prefix. Pure.
 */
import type { ParseResult } from './command.js';
import { checkHost, DOCKER_HUB, isDockerHub } from './image-reference.js';

/** A normalised registry address. */
export interface RegistryAddress {
  /** The registry host with its port, if any: `localhost:5000`, `registry.example.com`; Docker Hub is `docker.io`. */
  readonly host: string;
  /** The repository path prefix images are pushed under, `''` when none: `team/etl`. */
  readonly pathPrefix: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** Docker Hub's legacy API URL, which Docker config files use as Hub's key. */
const HUB_LEGACY_PATH = 'v1';

/**
 * Normalises a registry address: the scheme (`http://`, `https://`) and trailing slashes are
 * removed, the port and a repository path prefix are kept, and Docker Hub's names
 * (`index.docker.io`, `https://index.docker.io/v1/`) become `docker.io`.
 *
 * Refused, with a message that never repeats the input (it could hold a secret): other schemes,
 * credentials in the URL (`user:pass@host`), query strings and fragments, invalid hosts or ports,
 * and path components a repository name cannot have (upper case, `:`).
 *
 * @example parseRegistryAddress('https://registry.example.com:5000/team/')
 * // { ok: true, value: { host: 'registry.example.com:5000', pathPrefix: 'team' } }
 */
export function parseRegistryAddress(input: string): ParseResult<RegistryAddress> {
  const expected = 'a registry host with optional port and path, such as registry.example.com:5000/team or https://localhost:5000';
  const fail = (message: string) => ({ ok: false, message, expected }) as const;
  if (input === '') return fail('is empty');
  if (/\s/.test(input)) return fail('contains whitespace');
  let rest = input;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    const name = (scheme[1] as string).toLowerCase();
    if (name !== 'http' && name !== 'https') return fail(`has the scheme "${name}://"; only http:// and https:// (or none) are understood`);
    rest = rest.slice(scheme[0].length);
  }
  if (rest.includes('?')) return fail('has a query string; a registry address has none');
  if (rest.includes('#')) return fail('has a fragment (#...); a registry address has none');
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (authority.includes('@')) return fail('holds credentials (user@ or user:password@); give them as credentials or in the Docker config instead');
  if (authority === '') return fail('has no host');
  const hostProblem = checkHost(authority);
  if (hostProblem) return fail(`has an invalid host: ${hostProblem}`);
  const components = slash === -1 ? [] : rest.slice(slash + 1).split('/').filter((c) => c !== '');
  const hub = isDockerHub(authority);
  if (hub && components.length === 1 && components[0] === HUB_LEGACY_PATH) components.pop();
  const bad = components.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) {
    return fail(/[A-Z]/.test(bad) ? 'has upper-case letters in its path; repository paths are lower case' : 'has a path component a repository name cannot have (lower-case letters, digits and single ., _, __ or - between them)');
  }
  return { ok: true, value: { host: hub ? DOCKER_HUB : authority, pathPrefix: components.join('/') } };
}

/** Formats a {@link RegistryAddress} as `host[/pathPrefix]`. */
export function formatRegistryAddress(address: RegistryAddress): string {
  return address.pathPrefix === '' ? address.host : `${address.host}/${address.pathPrefix}`;
}

/**
 * The host a key of a Docker config file (`auths`, `credHelpers`) stands for, as the docker CLI
 * reads it: scheme and path dropped (`https://host:5000/v2/` → `host:5000`), Docker Hub's names
 * made `docker.io`.
 */
export function configKeyHost(key: string): string {
  const host = key.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '').split('/')[0] ?? '';
  return isDockerHub(host) ? DOCKER_HUB : host.toLowerCase();
}
