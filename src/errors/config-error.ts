import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** One problem found in a job's configuration. */
export interface ConfigIssue {
  /**
   * Where the problem is: an environment variable (`VOLUMES`), a config field path
   * (`volumes[2]`, `env.DB_HOST`), or `config` for the whole object.
   */
  readonly path: string;
  /** What was wrong, in words; never contains a secret value. */
  readonly message: string;
  /** What would have been accepted, when that can be said. */
  readonly expected?: string;
}

/** Options of {@link ConfigError}. */
export interface ConfigErrorOptions extends ErrorOptions {
  /** What was being configured, for the message: `job configuration` (the default), `build options`, ... */
  readonly subject?: string;
}

/**
 * The configuration could not be turned into a job (or a build, a push). Carries every issue
 * found, not only the first, so a user can fix them all at once. Messages never contain secret
 * values.
 */
export class ConfigError extends DockerJobError {
  /** Every problem found, in the order of the input. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: ConfigErrorOptions) {
    super('CONFIG', formatIssues(issues, options?.subject ?? 'job configuration'), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function formatIssues(issues: readonly ConfigIssue[], subject: string): string {
  const lines = issues.map((i) => `${i.path}: ${i.message}${i.expected ? ` (expected ${i.expected})` : ''}`);
  if (lines.length === 1) return `Invalid ${subject}: ${lines[0]}`;
  return `Invalid ${subject} (${lines.length} issues):\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}

/** True when `value` is a {@link ConfigError}. */
export function isConfigError(value: unknown): value is ConfigError {
  return isDockerJobError(value) && value.code === 'CONFIG';
}
