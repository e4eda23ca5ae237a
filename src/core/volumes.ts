import type { ParseResult } from './command.js';

/** A volume spec understood with `docker run -v` semantics. */
export interface VolumeSpec {
  /**
   * `bind` (host path), `volume` (named volume) or `anonymous` (container path only: the engine
   * creates a fresh volume that is removed with the container).
   */
  readonly type: 'bind' | 'volume' | 'anonymous';
  /** Host path or volume name; absent for anonymous volumes. */
  readonly source?: string;
  /** Absolute path inside the container. */
  readonly target: string;
  /** Mode flags after the second colon, e.g. `ro`, `rw,z`. */
  readonly mode?: string;
}

const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/**
 * Parses one `docker run -v` string: `SOURCE:TARGET[:MODE]` or just `TARGET` for an anonymous
 * volume. A source starting with `/`, `.`, `~` or a Windows drive (`C:\data`) is a host path;
 * anything else names a volume. The target must be an absolute container path.
 */
export function parseVolumeSpec(spec: string): ParseResult<VolumeSpec> {
  if (spec.trim() === '') return { ok: false, message: 'is empty', expected: 'SOURCE:TARGET[:MODE], e.g. /data:/data:ro' };
  // A Windows drive letter's colon is part of the source, not a separator.
  const driveOffset = WINDOWS_DRIVE.test(spec) ? 2 : 0;
  const parts = [...splitAfter(spec, driveOffset)];
  if (parts.length > 3) {
    return { ok: false, message: `has ${parts.length - 1} colons`, expected: 'at most SOURCE:TARGET:MODE' };
  }
  if (parts.length === 1) {
    const target = parts[0] as string;
    if (!target.startsWith('/')) return { ok: false, message: `container path "${target}" is not absolute`, expected: 'an absolute path such as /data' };
    return { ok: true, value: { type: 'anonymous', target } };
  }
  const [source, target, mode] = parts as [string, string, string?];
  if (source === '') return { ok: false, message: 'has an empty source', expected: 'a host path or a volume name before the first colon' };
  if (!target.startsWith('/')) {
    return { ok: false, message: `container path "${target}" is not absolute`, expected: 'an absolute path such as /data' };
  }
  if (mode === '') return { ok: false, message: 'has an empty mode after the last colon', expected: 'a mode such as ro or rw, or no trailing colon' };
  const type = isHostPath(source) ? 'bind' : 'volume';
  return { ok: true, value: mode === undefined ? { type, source, target } : { type, source, target, mode } };
}

function* splitAfter(spec: string, offset: number): Generator<string> {
  let start = 0;
  for (let i = offset; i < spec.length; i++) {
    if (spec[i] === ':') {
      yield spec.slice(start, i);
      start = i + 1;
    }
  }
  yield spec.slice(start);
}

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || WINDOWS_DRIVE.test(source) || source.startsWith('\\\\');
}

/** Formats a {@link VolumeSpec} back into its `-v` string. */
export function formatVolumeSpec(spec: VolumeSpec): string {
  if (spec.type === 'anonymous') return spec.target;
  return [spec.source, spec.target, spec.mode].filter((p) => p !== undefined).join(':');
}
