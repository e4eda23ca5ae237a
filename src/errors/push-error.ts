import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** Details of a {@link PushError}. */
export interface PushErrorDetails {
  /** The reference being pushed: `localhost:5000/team/app:1.2`. */
  readonly image: string;
  /** The registry host. */
  readonly registry: string;
  /** The engine's or the registry's message, e.g. `unauthorized: authentication required`. */
  readonly reason: string;
  /** Where the credentials sent came from, or that none were sent. Never a secret. */
  readonly credentials: string;
  /** The engine's address. */
  readonly engine?: string;
  /** The HTTP status, when the engine refused the push outright. */
  readonly statusCode?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * A push failed: the registry refused it (credentials, permissions, a missing repository), the
 * engine could not reach the registry, or the push stream reported an error inside a successful
 * HTTP answer. The message says which credentials were sent (their source, never their value).
 */
export class PushError extends DockerJobError {
  /** The reference being pushed. */
  readonly image: string;
  /** The registry host. */
  readonly registry: string;
  /** The engine's or the registry's message. */
  readonly reason: string;
  /** Where the credentials sent came from, or that none were sent. */
  readonly credentials: string;
  /** The HTTP status, when the engine refused the push outright. */
  readonly statusCode: number | undefined;

  constructor(details: PushErrorDetails) {
    const engine = details.engine ? ` through ${details.engine}` : '';
    super('PUSH', `Push of ${details.image} to ${details.registry}${engine} failed: ${details.reason} (credentials: ${details.credentials})`, { cause: details.cause });
    this.name = 'PushError';
    this.image = details.image;
    this.registry = details.registry;
    this.reason = details.reason;
    this.credentials = details.credentials;
    this.statusCode = details.statusCode;
  }
}

/** True when `value` is a {@link PushError}. */
export function isPushError(value: unknown): value is PushError {
  return isDockerJobError(value) && value.code === 'PUSH';
}
