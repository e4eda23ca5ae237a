import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** Details of a failed engine call. */
export interface EngineErrorDetails {
  /** The operation that failed, e.g. `create container`, `start container abc123`. */
  readonly operation: string;
  /** The engine's address, e.g. `unix:///var/run/docker.sock`. */
  readonly engine: string;
  /** The HTTP status the engine answered with, when it answered. */
  readonly statusCode?: number;
  /** The engine's own message, when it gave one. */
  readonly reason?: string;
  /** What the user can do about it, when we know. */
  readonly hint?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * An engine call failed: the engine refused a request, broke a stream, or could not be reached
 * (`code === 'ENGINE_UNREACHABLE'`). The message names the operation and the engine's address.
 */
export class EngineError extends DockerJobError {
  /** The operation that failed. */
  readonly operation: string;
  /** The engine's address. */
  readonly engine: string;
  /** The HTTP status the engine answered with, if any. */
  readonly statusCode: number | undefined;
  /** The engine's own message, if any. */
  readonly reason: string | undefined;
  /** What the user can do about it, when known. */
  readonly hint: string | undefined;

  constructor(details: EngineErrorDetails, unreachable = false) {
    const what = unreachable
      ? `Cannot reach the Docker engine at ${details.engine} (${details.operation})`
      : `Docker engine at ${details.engine} failed to ${details.operation}`;
    const status = details.statusCode === undefined ? '' : ` [HTTP ${details.statusCode}]`;
    const reason = details.reason ? `: ${details.reason}` : '';
    const hint = details.hint ? `. ${details.hint}` : '';
    super(unreachable ? 'ENGINE_UNREACHABLE' : 'ENGINE', `${what}${status}${reason}${hint}`, { cause: details.cause });
    this.name = 'EngineError';
    this.operation = details.operation;
    this.engine = details.engine;
    this.statusCode = details.statusCode;
    this.reason = details.reason;
    this.hint = details.hint;
  }
}

/** True when `value` is an {@link EngineError} (including an unreachable engine). */
export function isEngineError(value: unknown): value is EngineError {
  return isDockerJobError(value) && (value.code === 'ENGINE' || value.code === 'ENGINE_UNREACHABLE');
}
