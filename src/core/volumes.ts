import { posix, win32 } from 'node:path';
import type { ParseResult } from './command.js';

/** How mounts below a bind mount propagate between host and container (docker's propagation flags). */
export type MountPropagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

/** Docker Desktop's file-sharing consistency flags; accepted and ignored by a Linux engine. */
export type MountConsistency = 'consistent' | 'cached' | 'delegated';

/**
 * One volume of a job: a bind mount of a host path, a named volume, or an anonymous volume (a named
 * volume without a source, created for the job and removed with it). The structured form of a
 * `docker run -v` spec; {@link formatVolumeSpec} writes it back.
 */
export interface VolumeMount {
  /** `bind` (a host path) or `volume` (a named volume, or an anonymous one without `source`). */
  readonly type: 'bind' | 'volume';
  /**
   * Host path (bind) or volume name (volume); absent for an anonymous volume. A bind source is an
   * absolute path, a Windows path (`C:\data`, `\\server\share`), or a relative path starting with
   * `.`, which is resolved against the `baseDir` option (and refused without one).
   */
  readonly source?: string;
  /** Absolute path inside the container, as written (the engine cleans it). */
  readonly target: string;
  /** `true`: mounted read-only (`ro`); `false`: `rw` written explicitly; absent: read-write. */
  readonly readOnly?: boolean;
  /** SELinux relabelling: `shared` (`z`, shared between containers) or `private` (`Z`). */
  readonly selinuxLabel?: 'shared' | 'private';
  /** Bind propagation (`rprivate` is the engine's default). Binds only. */
  readonly propagation?: MountPropagation;
  /** `nocopy`: do not copy the image's files into an empty named volume. Volumes only. */
  readonly noCopy?: boolean;
  /** Desktop file-sharing consistency flag. */
  readonly consistency?: MountConsistency;
}

/** The propagation flags docker accepts. */
export const MOUNT_PROPAGATIONS: readonly MountPropagation[] = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
/** The consistency flags docker accepts. */
export const MOUNT_CONSISTENCIES: readonly MountConsistency[] = ['consistent', 'cached', 'delegated'];

/** The local volume driver's name rule: at least two characters. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;
const SPEC_FORMAT = 'SOURCE:TARGET[:OPTIONS] or an absolute container path, e.g. /srv/data:/data:ro';

type Options = Pick<VolumeMount, 'readOnly' | 'selinuxLabel' | 'propagation' | 'noCopy' | 'consistency'>;

/**
 * Parses one `docker run -v` spec with the meaning docker gives it (checked against the docker CLI
 * and engine by the differential tests):
 *
 * - `/host/path:/container/path[:OPTIONS]`: bind mount of an absolute host path;
 * - `./relative:/container/path`: bind mount of a path relative to the `baseDir` option (any source
 *   starting with `.`, as the docker CLI reads it; the job's `baseDir` option resolves it);
 * - `C:\data:/data`, `\\server\share:/data`: a Windows host path (the drive letter's colon is not a
 *   separator); only an engine on Windows or Docker Desktop can mount it;
 * - `name:/container/path[:OPTIONS]`: a named volume (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`);
 * - `/container/path`: an anonymous volume, removed with the container.
 *
 * OPTIONS is a comma-separated list with at most one of each: `ro`/`rw`; `z`/`Z`; a propagation
 * (`private`, `rprivate`, `shared`, `rshared`, `slave`, `rslave`; binds only); `nocopy` (volumes
 * only); a consistency flag (`consistent`, `cached`, `delegated`).
 *
 * Stricter than docker where docker accepts a spec it then mounts somewhere unexpected: the
 * container path must start with `/` and must not be `/` (docker mounts `relative` at `/relative`
 * and `\c` at `/\c`, and fails to start with a volume at `/`); a `~` is refused rather than read as
 * a volume name. Pure; never throws.
 */
export function parseVolumeSpec(spec: string): ParseResult<VolumeMount> {
  if (spec === '') return fail('is empty', SPEC_FORMAT);
  if (spec.includes('\0')) return fail('has a NUL character', 'a spec without NUL characters');
  // A Windows drive letter's colon belongs to the source, as the docker CLI reads it.
  const driveOffset = WINDOWS_DRIVE.test(spec) ? 2 : 0;
  const parts = splitColons(spec, driveOffset);
  if (parts.length > 3) return fail(`has ${parts.length - 1} colons, too many`, SPEC_FORMAT);
  const empty = parts.findIndex((p) => p === '');
  if (empty !== -1) {
    const which = parts.length === 1 ? 'is empty' : ['has an empty source before the first colon', 'has an empty container path', 'has empty options after the last colon'][empty];
    return fail(which as string, SPEC_FORMAT);
  }

  if (parts.length === 1) {
    const target = parts[0] as string;
    if (driveOffset) {
      return fail(`reads as a Windows path alone (a single letter before ":" is a drive letter), which mounts nothing`, 'SOURCE:TARGET, e.g. C:\\data:/data; a volume name has two or more characters');
    }
    const targetIssue = checkTarget(target);
    if (targetIssue) return targetIssue;
    return { ok: true, value: { type: 'volume', target } };
  }

  const [source, target, mode] = parts as [string, string, string?];
  if (parts.length === 3 && /^[/\\]/.test(parts[2] as string)) {
    return fail(`has "${parts[2]}" where the options go: a source or container path cannot contain ":"`, SPEC_FORMAT);
  }
  if (parts.length === 2 && parseOptions(target).ok) {
    // docker refuses `/data:ro` too: an anonymous volume takes no options, and a mount needs a target.
    const drive = driveOffset ? ` ("${source}" reads as a Windows path: a single letter before ":" is a drive letter)` : '';
    return fail(`has options (${target}) but no container path${drive}`, 'SOURCE:TARGET:OPTIONS; an anonymous volume (a container path alone) takes no options');
  }
  const options = mode === undefined ? { ok: true as const, value: {} } : parseOptions(mode);
  if (!options.ok) return options;
  const targetIssue = checkTarget(target);
  if (targetIssue) return targetIssue;
  const kind = classifySource(source);
  if (!kind.ok) return kind;
  const mount: VolumeMount = { type: kind.value, source, target, ...options.value };
  const mismatch = checkOptionsForType(mount);
  return mismatch ?? { ok: true, value: mount };
}

/**
 * Checks a structured {@link VolumeMount} with the same rules as a `-v` spec, so that a mount given
 * as an object means exactly what its {@link formatVolumeSpec} string means. Pure; never throws.
 */
export function checkVolumeMount(mount: VolumeMount): ParseResult<VolumeMount> {
  const targetIssue = checkTarget(mount.target);
  if (targetIssue) return targetIssue;
  if (mount.target.includes(':')) return fail(`container path "${mount.target}" has a colon`, 'a path without ":" (docker reads a colon as a separator)');
  if (mount.source === undefined) {
    if (mount.type === 'bind') return fail('is a bind mount without a source', 'a host path in source');
    const options = Object.entries(mount).filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'target').map(([k]) => k);
    if (options.length > 0) return fail(`gives ${options.join(', ')} to an anonymous volume`, 'no options on an anonymous volume (a volume without source), as docker run -v allows none');
    return { ok: true, value: mount };
  }
  if (mount.source === '') return fail('has an empty source', 'a host path (bind) or a volume name (volume)');
  if (mount.source.includes('\0') || mount.target.includes('\0')) return fail('has a NUL character', 'paths without NUL characters');
  const sourceWithoutDrive = WINDOWS_DRIVE.test(mount.source) ? mount.source.slice(2) : mount.source;
  if (sourceWithoutDrive.includes(':')) return fail(`source "${mount.source}" has a colon`, 'a path without ":" (docker reads a colon as a separator)');
  const kind = classifySource(mount.source);
  if (!kind.ok) return kind;
  if (kind.value !== mount.type) {
    return mount.type === 'bind'
      ? fail(`has type bind, but "${mount.source}" is a volume name, not a path`, 'an absolute host path, or one starting with ./ (resolved against baseDir)')
      : fail(`has type volume, but "${mount.source}" is a path`, 'a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+), or type bind for a host path');
  }
  return checkOptionsForType(mount) ?? { ok: true, value: mount };
}

/** How a bind source is to be read: relative sources need a base directory. */
export type BindSourceKind = 'absolute' | 'relative' | 'windows';

/** Says how a bind mount's source is written; `undefined` for volumes. */
export function bindSourceKind(mount: VolumeMount): BindSourceKind | undefined {
  if (mount.type !== 'bind' || mount.source === undefined) return undefined;
  if (mount.source.startsWith('/')) return 'absolute';
  if (mount.source.startsWith('.')) return 'relative';
  return 'windows';
}

/**
 * Resolves a relative bind source (one starting with `.`) against `baseDir`, as the docker CLI
 * resolves it against its working directory; other mounts are returned unchanged. Pure: `baseDir`
 * must be absolute, the file system is not consulted, symlinks are not followed.
 */
export function resolveVolumeMount(mount: VolumeMount, baseDir: string): VolumeMount {
  if (bindSourceKind(mount) !== 'relative') return mount;
  return { ...mount, source: resolvePath(baseDir, mount.source as string) };
}

/**
 * `path` resolved against the absolute `baseDir` and cleaned (`..`, `.`, repeated and trailing
 * slashes), as Go's `filepath.Abs` does for the docker CLI. Pure: unlike `path.resolve`, it never
 * falls back on the process's working directory.
 */
export function resolvePath(baseDir: string, path: string): string {
  return posix.normalize(path.startsWith('/') ? path : `${baseDir}/${path}`).replace(/(.)\/+$/, '$1');
}

/** The container path as the engine compares it: cleaned, without a trailing slash. */
export function normalizedTarget(target: string): string {
  return posix.normalize(target).replace(/(.)\/+$/, '$1');
}

/**
 * The host path of a bind mount, cleaned lexically (`..` and `.` segments resolved, no symlinks
 * followed), for comparisons such as an allow-list. Windows paths are compared case-insensitively
 * with `/` separators.
 */
export function normalizedBindSource(mount: VolumeMount): string | undefined {
  const kind = bindSourceKind(mount);
  if (kind === undefined) return undefined;
  const source = mount.source as string;
  return kind === 'windows' ? win32.normalize(source).replaceAll('\\', '/').toLowerCase() : posix.normalize(source).replace(/(.)\/+$/, '$1');
}

/**
 * Formats a {@link VolumeMount} as a `docker run -v` spec: `[SOURCE:]TARGET[:OPTIONS]`, with the
 * options in a fixed order (`ro`/`rw`, `z`/`Z`, propagation, `nocopy`, consistency). Parsing the
 * result gives the same mount. Pure.
 */
export function formatVolumeSpec(mount: VolumeMount): string {
  const options = [
    mount.readOnly === undefined ? undefined : mount.readOnly ? 'ro' : 'rw',
    mount.selinuxLabel === undefined ? undefined : mount.selinuxLabel === 'shared' ? 'z' : 'Z',
    mount.propagation,
    mount.noCopy ? 'nocopy' : undefined,
    mount.consistency,
  ].filter((o) => o !== undefined);
  return [mount.source, mount.target, options.length > 0 ? options.join(',') : undefined].filter((p) => p !== undefined).join(':');
}

/**
 * Parses the options part of a `-v` spec (`ro,z`, `rshared`, ...): comma-separated, at most one of
 * each kind, exact (lower-case) names, as the engine checks them. Pure; never throws.
 */
export function parseOptions(mode: string): ParseResult<Options> {
  const options: { -readonly [K in keyof Options]: Options[K] } = {};
  const seen = new Map<string, string>();
  for (const option of mode.split(',')) {
    const kind =
      option === 'ro' || option === 'rw' ? 'ro/rw'
      : option === 'z' || option === 'Z' ? 'z/Z'
      : (MOUNT_PROPAGATIONS as readonly string[]).includes(option) ? 'propagation'
      : option === 'nocopy' ? 'nocopy'
      : (MOUNT_CONSISTENCIES as readonly string[]).includes(option) ? 'consistency'
      : undefined;
    if (option === '') return fail(`has an empty option in "${mode}"`, 'options separated by single commas, without a trailing comma');
    if (kind === undefined) {
      return fail(`has an unknown option "${option}"`, 'ro, rw, z, Z, a propagation (private, rprivate, shared, rshared, slave, rslave), nocopy, or consistent, cached, delegated');
    }
    const earlier = seen.get(kind);
    if (earlier !== undefined) return fail(`has two ${kind} options (${earlier} and ${option})`, `at most one ${kind} option`);
    seen.set(kind, option);
    if (kind === 'ro/rw') options.readOnly = option === 'ro';
    else if (kind === 'z/Z') options.selinuxLabel = option === 'z' ? 'shared' : 'private';
    else if (kind === 'propagation') options.propagation = option as MountPropagation;
    else if (kind === 'nocopy') options.noCopy = true;
    else options.consistency = option as MountConsistency;
  }
  return { ok: true, value: options };
}

function checkTarget(target: string): Extract<ParseResult<never>, { ok: false }> | undefined {
  if (!target.startsWith('/')) {
    return fail(`has a container path "${target}" that is not absolute`, 'a container path starting with /, e.g. /data');
  }
  if (normalizedTarget(target) === '/') return fail('mounts over the container root /', 'a container path below /, e.g. /data');
  return undefined;
}

function classifySource(source: string): ParseResult<'bind' | 'volume'> {
  if (source.startsWith('/') || source.startsWith('.') || WINDOWS_DRIVE.test(source) || source.startsWith('\\\\')) return { ok: true, value: 'bind' };
  if (source.startsWith('~')) return fail(`has a source "${source}" starting with ~, which is not expanded`, 'an absolute host path, e.g. /home/me/data');
  if (VOLUME_NAME.test(source)) return { ok: true, value: 'volume' };
  if (/[/\\]/.test(source)) return fail(`has a source "${source}" that is neither an absolute path nor a volume name`, 'an absolute host path, a relative one starting with ./, or a volume name');
  return fail(`has a source "${source}" that is not a valid volume name`, 'a host path starting with / or ./, or a volume name of two or more characters [a-zA-Z0-9][a-zA-Z0-9_.-]+');
}

function checkOptionsForType(mount: VolumeMount): Extract<ParseResult<never>, { ok: false }> | undefined {
  if (mount.type === 'bind' && mount.noCopy) return fail('gives nocopy to a bind mount', 'nocopy on volumes only');
  if (mount.type === 'volume' && mount.propagation !== undefined) {
    return fail(`gives a propagation (${mount.propagation}) to a volume`, 'propagation on bind mounts only');
  }
  return undefined;
}

function splitColons(spec: string, offset: number): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = offset; i < spec.length; i++) {
    if (spec[i] === ':') {
      parts.push(spec.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(spec.slice(start));
  return parts;
}

function fail(message: string, expected: string): { readonly ok: false; readonly message: string; readonly expected: string } {
  return { ok: false, message, expected };
}
