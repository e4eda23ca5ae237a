import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** Details of a {@link BuildContextError}. */
export interface BuildContextErrorDetails {
  /** What went wrong, naming the path: `cannot read /srv/app/key.pem (EACCES)`. */
  readonly reason: string;
  /** The host path that could not be packed, when one is to blame. */
  readonly path?: string;
  /** The underlying error (the file system's). */
  readonly cause?: unknown;
}

/**
 * A build context could not be packed: a file or directory in it (or added to it) cannot be read,
 * is not a regular file, or changed while it was packed. The stream of `packBuildContext` fails
 * with it; a build then fails with a {@link BuildError} whose `cause` it is.
 */
export class BuildContextError extends DockerJobError {
  /** What went wrong. */
  readonly reason: string;
  /** The host path that could not be packed, when one is to blame. */
  readonly path: string | undefined;

  constructor(details: BuildContextErrorDetails) {
    super('BUILD_CONTEXT', `Cannot pack the build context: ${details.reason}`, { cause: details.cause });
    this.name = 'BuildContextError';
    this.reason = details.reason;
    this.path = details.path;
  }
}

/** True when `value` is a {@link BuildContextError}. */
export function isBuildContextError(value: unknown): value is BuildContextError {
  return isDockerJobError(value) && value.code === 'BUILD_CONTEXT';
}
