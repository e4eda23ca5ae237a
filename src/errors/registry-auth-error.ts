import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** Details of a {@link RegistryAuthError}. */
export interface RegistryAuthErrorDetails {
  /** The registry host credentials were looked up for, e.g. `localhost:5000`. */
  readonly registry: string;
  /** Where they were looked up: `/home/me/.docker/config.json`, `credential helper docker-credential-pass`. */
  readonly source: string;
  /** What went wrong, in words; never a credential. */
  readonly reason: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * Credentials for a registry could not be read: the Docker config file is malformed, an `auth`
 * entry cannot be decoded, or a credential helper is missing or failed. The message names the
 * registry and where the credentials were looked up, never a credential.
 */
export class RegistryAuthError extends DockerJobError {
  /** The registry host. */
  readonly registry: string;
  /** Where the credentials were looked up. */
  readonly source: string;

  constructor(details: RegistryAuthErrorDetails) {
    super('REGISTRY_AUTH', `Cannot read the credentials for registry ${details.registry} from ${details.source}: ${details.reason}`, { cause: details.cause });
    this.name = 'RegistryAuthError';
    this.registry = details.registry;
    this.source = details.source;
  }
}

/** True when `value` is a {@link RegistryAuthError}. */
export function isRegistryAuthError(value: unknown): value is RegistryAuthError {
  return isDockerJobError(value) && value.code === 'REGISTRY_AUTH';
}
