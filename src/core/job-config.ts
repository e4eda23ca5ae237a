import * as v from 'valibot';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { collectEnvFiles, type ReadFile } from './env-file.js';
import { envFiles } from './field-schemas.js';
import { jobEntries, type ResolvedJob } from './job-fields.js';
import type { JobPolicy } from './policy.js';
import { maskIssue, toConfigIssue } from './schema-helpers.js';
import { secretNameMatcher, secretValues } from './secrets.js';

/** Options of {@link parseJobConfig}, {@link safeParseJobConfig} and {@link configFromEnv}. */
export interface ParseOptions {
  /**
   * Absolute directory that relative host paths (volume sources and env files starting with `.`)
   * are resolved against, as the docker CLI resolves them against its working directory. Without
   * it a relative path is refused: the pure core does not know a working directory.
   */
  readonly baseDir?: string;
  /**
   * Refuse dangerous options and confine bind mounts (see {@link JobPolicy}, {@link STRICT_POLICY}).
   * Default: none, everything docker allows is allowed.
   */
  readonly policy?: JobPolicy;
  /** Words that make a variable name look secret (see {@link secretNameMatcher}); their values are masked in every issue. */
  readonly secretWords?: readonly string[];
  /** Where a bare `NAME` line of an env file takes its value from. Default: nowhere (such lines are left out). */
  readonly lookupEnv?: Readonly<Record<string, string | undefined>>;
  /** Reads a named env file. Default: the local file system. */
  readonly readFile?: ReadFile;
  /** Further values to mask in issues (configFromEnv passes the secret values of the whole environment). @internal */
  readonly secrets?: readonly string[];
}

/** Options of {@link createJobConfigSchema}: those of {@link ParseOptions} that decide what the schema accepts. */
export interface JobConfigSchemaOptions {
  /** See {@link ParseOptions.baseDir}. */
  readonly baseDir?: string | undefined;
  /** See {@link ParseOptions.policy}. */
  readonly policy?: JobPolicy | undefined;
  /**
   * The variables of the job's env files, already read, in file order: merged under `env`. The
   * schema does no I/O; {@link parseJobConfig} reads the files and passes them here.
   */
  readonly envFromFiles?: Readonly<Record<string, string>> | undefined;
}

/**
 * Builds the valibot schema of a job for the given options (`baseDir` for relative paths, a
 * `policy`). Its input type is {@link JobConfig}, its output {@link ResolvedJob}. Pure: it does not
 * read env files; {@link parseJobConfig} does, and hands their variables in as `envFromFiles`.
 */
export function createJobConfigSchema(options: JobConfigSchemaOptions = {}) {
  return v.pipe(
    v.strictObject(jobEntries(options)),
    // A check, not a transformation: it runs even when other fields are invalid, so its issue comes with theirs.
    v.rawCheck<ResolvedJob>(({ dataset, addIssue }) => {
      if (typeof dataset.value !== 'object' || dataset.value === null) return;
      const job = dataset.value as Partial<Record<'memory' | 'memorySwap', unknown>>;
      if (typeof job.memorySwap !== 'number' || job.memorySwap <= 0) return;
      const path: [v.ObjectPathItem] = [{ type: 'object', origin: 'value', input: dataset.value as Record<string, unknown>, key: 'memorySwap', value: job.memorySwap }];
      if (job.memory === undefined || job.memory === 0) addIssue({ message: 'is set without memory', expected: 'memory set too (docker needs both)', path });
      else if (typeof job.memory === 'number' && job.memorySwap < job.memory) addIssue({ message: `is less than memory (${job.memorySwap} < ${job.memory} bytes)`, expected: 'memory plus swap: at least memory, or -1 for unlimited swap', path });
    }),
    v.transform<ResolvedJob, ResolvedJob>((job) => (options.envFromFiles === undefined ? job : { ...job, env: { ...options.envFromFiles, ...job.env } })),
  );
}

/**
 * The valibot schema of a job with the default options (no `baseDir`, no policy): the single source
 * of the {@link JobConfig} (input) and {@link ResolvedJob} (normalised output) types.
 */
export const JobConfigSchema = createJobConfigSchema();

/** The outcome of {@link safeParseJobConfig}. */
export type JobConfigParseResult =
  | {
      /** The configuration is valid. */
      readonly success: true;
      /** The resolved job. */
      readonly job: ResolvedJob;
    }
  | {
      /** The configuration is invalid. */
      readonly success: false;
      /** Every issue found, secret values masked. */
      readonly issues: readonly ConfigIssue[];
    };

/**
 * Validates a job configuration without throwing. Returns the resolved job, or every issue found
 * (field path, what was wrong, what was expected). Issue messages never contain the value of a
 * secret-looking environment variable. Pure, except that it reads the env files the job names.
 *
 * The resolved job is deep-frozen, and known to {@link isResolvedJob}. Given such a job again, it
 * reads no env file (their variables are in `env` already) and, without a `policy`, returns the
 * job itself; with one, it checks the job against it.
 */
export function safeParseJobConfig(input: unknown, options: ParseOptions = {}): JobConfigParseResult {
  const resolved = isResolvedJob(input);
  if (resolved && options.policy === undefined) return { success: true, job: input };
  const files = resolved ? { issues: [] } : envFilesOf(input, options);
  const schema =
    options.baseDir === undefined && options.policy === undefined && files.vars === undefined
      ? JobConfigSchema
      : createJobConfigSchema({ baseDir: options.baseDir, policy: options.policy, envFromFiles: files.vars });
  const result = v.safeParse(schema, input);
  if (result.success && files.issues.length === 0) return { success: true, job: registerResolvedJob(result.output) };
  const secrets = [...(options.secrets ?? []), ...inputSecrets(input, options.secretWords)];
  return {
    success: false,
    issues: [...(result.success ? [] : result.issues.map(toConfigIssue)), ...files.issues].map((issue) => maskIssue(issue, secrets)),
  };
}

/**
 * The jobs {@link safeParseJobConfig} resolved. A WeakSet, not a mark on the object: it cannot be
 * forged or copied along with a spread (`{ ...job, name }` is a new configuration, parsed as one),
 * and it holds nothing alive.
 */
const resolvedJobs = new WeakSet<object>();

/**
 * True when `value` is a job {@link parseJobConfig}, {@link safeParseJobConfig} or
 * {@link configFromEnv} resolved (in this copy of docker-job). Such a job is deep-frozen, so it is
 * still valid: a runner can take it as it is, without validating it or reading its env files
 * again. A copy (`{ ...job }`) or a job read back from JSON is not one; parse it.
 *
 * @example
 * const job = isResolvedJob(config) ? config : parseJobConfig(config);
 */
export function isResolvedJob(value: unknown): value is ResolvedJob {
  return typeof value === 'object' && value !== null && resolvedJobs.has(value);
}

/** Freezes a copy of a schema output all the way down and registers it as resolved. */
function registerResolvedJob(output: ResolvedJob): ResolvedJob {
  const job = frozenCopy(output);
  resolvedJobs.add(job);
  return job;
}

/**
 * A deep copy of plain data, frozen all the way down. A copy, so that an array or object the
 * caller passed in (and valibot handed through) is never frozen under the caller.
 */
function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.freeze(Object.fromEntries(Object.entries(value).map(([k, item]) => [k, frozenCopy(item)]))) as T;
  }
  return value;
}

/**
 * Reads and parses the env files a job names, when its `envFile` field is valid on its own (the
 * schema reports it otherwise): the one piece of I/O of the configuration core. Issues name the
 * file and the line, never a value.
 */
function envFilesOf(input: unknown, options: ParseOptions): { vars?: Record<string, string>; issues: ConfigIssue[] } {
  const given = typeof input === 'object' && input !== null ? (input as { envFile?: unknown }).envFile : undefined;
  if (given === undefined) return { issues: [] };
  const paths = v.safeParse(envFiles(options), given);
  if (!paths.success) return { issues: [] };
  const { vars, issues } = collectEnvFiles(paths.output, {
    label: 'envFile',
    indexed: Array.isArray(given),
    ...(options.lookupEnv === undefined ? {} : { lookupEnv: options.lookupEnv }),
    ...(options.readFile === undefined ? {} : { readFile: options.readFile }),
  });
  return { vars: Object.fromEntries(vars), issues };
}

/**
 * Validates a job configuration, as {@link safeParseJobConfig} does: the resolved job is
 * deep-frozen, and a resolved job given again is taken without reading its env files.
 * @throws {ConfigError} carrying every issue found.
 */
export function parseJobConfig(input: unknown, options: ParseOptions = {}): ResolvedJob {
  const result = safeParseJobConfig(input, options);
  if (!result.success) throw new ConfigError(result.issues);
  return result.job;
}

function inputSecrets(input: unknown, words: readonly string[] | undefined): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const env = (input as { env?: unknown }).env;
  if (typeof env !== 'object' || env === null) return [];
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return secretValues(strings, secretNameMatcher(words));
}

export { effectivePullPolicy, removesContainer, PullPolicySchema, RemovePolicySchema, MIN_MEMORY_BYTES, MAX_TIMEOUT_MS } from './job-fields.js';
export type { JobConfig, ResolvedJob, PullPolicy, RemovePolicy } from './job-fields.js';
export type { VolumeMountConfig, GpuRequestConfig } from './field-schemas.js';
export { maskIssue, toConfigIssue } from './schema-helpers.js';
