import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** Details of a failed engine call. */
export interface EngineErrorDetails {
  /** The operation that failed, e.g. `create a container from busybox`, `start container abc123`. */
  readonly operation: string;
  /** The engine's address, e.g. `unix:///var/run/docker.sock`. */
  readonly engine: string;
  /** What the engine is, as it names itself (`Docker engine`, `Kubernetes API server`). Default `container engine`. */
  readonly engineName?: string;
  /** The engine could not be reached (or went away): `code` is then `ENGINE_UNREACHABLE`. */
  readonly unreachable?: boolean;
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
 * (`code === 'ENGINE_UNREACHABLE'`). The message names the engine, its address and the operation:
 * `Docker engine at unix:///var/run/docker.sock failed to start container 0123456789ab [HTTP 500]: ...`.
 */
export class EngineError extends DockerJobError {
  /** The operation that failed. */
  readonly operation: string;
  /** The engine's address. */
  readonly engine: string;
  /** What the engine is, as it names itself. */
  readonly engineName: string;
  /** The HTTP status the engine answered with, if any. */
  readonly statusCode: number | undefined;
  /** The engine's own message, if any. */
  readonly reason: string | undefined;
  /** What the user can do about it, when known. */
  readonly hint: string | undefined;

  constructor(details: EngineErrorDetails) {
    const name = details.engineName ?? 'container engine';
    const what = details.unreachable
      ? `Cannot reach the ${name} at ${details.engine} (${details.operation})`
      : `${name.charAt(0).toUpperCase()}${name.slice(1)} at ${details.engine} failed to ${details.operation}`;
    const status = details.statusCode === undefined ? '' : ` [HTTP ${details.statusCode}]`;
    const reason = details.reason ? `: ${details.reason}` : '';
    const hint = details.hint ? `. ${details.hint}` : '';
    super(details.unreachable ? 'ENGINE_UNREACHABLE' : 'ENGINE', `${what}${status}${reason}${hint}`, { cause: details.cause });
    this.name = 'EngineError';
    this.operation = details.operation;
    this.engine = details.engine;
    this.engineName = name;
    this.statusCode = details.statusCode;
    this.reason = details.reason;
    this.hint = details.hint;
  }

  /** The same error with another `hint` or `cause` (and its message saying so): the one way to add either. */
  with(changes: Pick<EngineErrorDetails, 'hint' | 'cause'>): EngineError {
    return new EngineError({
      operation: this.operation,
      engine: this.engine,
      engineName: this.engineName,
      unreachable: this.code === 'ENGINE_UNREACHABLE',
      ...(this.statusCode === undefined ? {} : { statusCode: this.statusCode }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      cause: this.cause,
      ...changes,
    });
  }
}

/** True when `value` is an {@link EngineError} (including an unreachable engine). */
export function isEngineError(value: unknown): value is EngineError {
  return isDockerJobError(value) && (value.code === 'ENGINE' || value.code === 'ENGINE_UNREACHABLE');
}
