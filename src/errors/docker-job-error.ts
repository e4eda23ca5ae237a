const brand = Symbol.for('docker-job.error');

/** What kind of failure a {@link DockerJobError} reports. */
export type DockerJobErrorCode = 'CONFIG' | 'ENGINE' | 'ENGINE_UNREACHABLE' | 'OUTPUT' | 'REGISTRY_AUTH' | 'BUILD' | 'BUILD_CONTEXT' | 'PUSH';

/**
 * Base class of every error docker-job throws or rejects with.
 *
 * A child's non-zero exit is not an error: it is a {@link JobResult}. Errors mean the job could not
 * be run as asked (bad configuration, engine failure). The original error, when there is one, is
 * kept as `cause`.
 */
export class DockerJobError extends Error {
  /** Stable machine-readable kind of failure. */
  readonly code: DockerJobErrorCode;

  constructor(code: DockerJobErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DockerJobError';
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }
}

/**
 * True when `value` is a {@link DockerJobError}, also across realms and duplicate copies of the
 * package (the check uses a registered symbol, not `instanceof`).
 */
export function isDockerJobError(value: unknown): value is DockerJobError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
