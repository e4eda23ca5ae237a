/**
 * Image references (`registry.example.com:5000/team/app:1.2@sha256:...`), parsed and formatted as
 * the Docker Engine and the distribution spec read them. Pure: no I/O.
 */
import type { ParseResult } from './command.js';

/** The registry that image references without a registry host point at. */
export const DOCKER_HUB = 'docker.io';

/** Names of Docker Hub that users and Docker config files write instead of `docker.io`. */
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io']);

/** A parsed image reference. */
export interface ImageReference {
  /**
   * The registry host, with its port when it has one: `docker.io` (also for references written
   * without a host, and for `index.docker.io`), `localhost:5000`, `127.0.0.1:5000`, `[::1]:5000`.
   */
  readonly registry: string;
  /** The repository path inside the registry: `library/busybox`, `team/etl/job`. */
  readonly repository: string;
  /** The tag, when the reference has one. A reference with neither tag nor digest means `latest`. */
  readonly tag?: string;
  /** The digest (`sha256:` and 64 hex digits), when the reference pins one. */
  readonly digest?: string;
}

// The grammar of github.com/distribution/reference, as regular expressions.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])`;
const HOST_WITH_PORT = new RegExp(`^${HOST}(?::([0-9]+))?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
/** The distribution spec's limit on a repository name, registry host included. */
const MAX_NAME_LENGTH = 255;

/**
 * Parses an image reference the way the Docker Engine does: `busybox`, `busybox:1.36`,
 * `team/app`, `localhost:5000/app:dev`, `127.0.0.1:5000/a/b:tag@sha256:<64 hex>`.
 *
 * The first path component is a registry host when it contains a `.` or a `:`, is `localhost`, or
 * has an upper-case letter; otherwise the registry is Docker Hub, and a single-component name gets
 * Hub's `library/` namespace (`busybox` → `docker.io/library/busybox`).
 *
 * @example parseImageReference('localhost:5000/etl/job:1.2')
 * // { ok: true, value: { registry: 'localhost:5000', repository: 'etl/job', tag: '1.2' } }
 */
export function parseImageReference(input: string): ParseResult<ImageReference> {
  const fail = (message: string, expected = 'an image reference such as busybox:1.36 or localhost:5000/team/app@sha256:<64 hex digits>') =>
    ({ ok: false, message, expected }) as const;
  if (input === '') return fail('is empty');
  if (/\s/.test(input)) return fail('contains whitespace');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return fail(`has an invalid digest "${digest}"`, 'a digest such as sha256: followed by 64 hex digits');
    if (digest.startsWith('sha256:') && !SHA256.test(digest)) return fail(`has an invalid sha256 digest "${digest}"`, 'sha256: followed by 64 lower-case hex digits');
  }

  // A tag follows the last ':' that comes after the last '/' (a ':' before it belongs to a port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail(`has an invalid tag "${tag}"`, 'a tag of up to 128 letters, digits, _, . and -, not starting with . or -');
  }
  if (rest === '') return fail('has no repository name');
  if (rest.length > MAX_NAME_LENGTH) return fail(`has a name longer than ${MAX_NAME_LENGTH} characters`);

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1 && looksLikeHost(rest.slice(0, slash))) {
    const host = rest.slice(0, slash);
    const hostCheck = checkHost(host);
    if (hostCheck) return fail(`has an invalid registry host "${host}": ${hostCheck}`);
    registry = HUB_ALIASES.has(host) ? DOCKER_HUB : host;
    path = rest.slice(slash + 1);
  }
  const bad = path.split('/').find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) {
    const why = bad === '' ? 'an empty path component' : /[A-Z]/.test(bad) ? `upper-case letters in "${bad}"` : `an invalid path component "${bad}"`;
    return fail(`has ${why}`, 'lower-case letters, digits and single separators (., _, __, -) between them, components joined by /');
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return {
    ok: true,
    value: { registry, repository: path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) },
  };
}

/** The first component of a name is a registry host when it has `.` or `:`, is `localhost`, or has capitals. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/** Why `host` (with an optional `:port`) is not a valid registry host, or `undefined` when it is. */
export function checkHost(host: string): string | undefined {
  const match = HOST_WITH_PORT.exec(host);
  if (!match) return 'expected a host name or IP address, optionally followed by :port';
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range (1-65535)`;
  return undefined;
}

/** Options of {@link formatImageReference}. */
export interface FormatImageReferenceOptions {
  /**
   * Write Docker Hub references the short way users do (`busybox:1.36`, `team/app`) instead of
   * in full (`docker.io/library/busybox:1.36`). Default `true`: it is how the engine lists them.
   */
  readonly familiar?: boolean;
}

/**
 * Formats a reference back into a string the engine accepts:
 * `registry/repository[:tag][@digest]`, Docker Hub names in their familiar form by default.
 */
export function formatImageReference(ref: ImageReference, options: FormatImageReferenceOptions = {}): string {
  return `${repositoryName(ref, options)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The repository's full name without tag or digest: `localhost:5000/etl/job`, `busybox`. */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>, options: FormatImageReferenceOptions = {}): string {
  // The short form is kept only when it reads back the same: `docker.io/my.org/app` stays whole,
  // since `my.org/app` would name the registry my.org.
  const first = ref.repository.split('/')[0] as string;
  if (ref.registry === DOCKER_HUB && options.familiar !== false && !looksLikeHost(first)) {
    return ref.repository.startsWith('library/') && ref.repository.indexOf('/', 8) === -1 ? ref.repository.slice(8) : ref.repository;
  }
  return `${ref.registry}/${ref.repository}`;
}

/** True when `host` names Docker Hub (`docker.io`, `index.docker.io`). */
export function isDockerHub(host: string): boolean {
  return HUB_ALIASES.has(host.toLowerCase());
}
