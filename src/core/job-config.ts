import * as v from 'valibot';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { parseCommandString, type ParseResult } from './command.js';
import { parseVolumeSpec } from './volumes.js';

/** A schema action that runs a pure parser and turns its failure into a valibot issue. */
function parsedWith<TIn, TOut>(parse: (input: TIn) => ParseResult<TOut>) {
  return v.rawTransform<TIn, TOut>(({ dataset, addIssue, NEVER }) => {
    const result = parse(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  });
}

const nonEmpty = (what: string) => v.pipe(v.string(), v.nonEmpty(`must not be empty (expected ${what})`));

const Argv = v.union(
  [
    v.pipe(v.string(), parsedWith(parseCommandString)),
    v.pipe(v.array(v.string()), v.readonly()),
  ],
  'must be a command string or an array of strings',
);

const EnvName = v.pipe(
  v.string(),
  v.regex(/^[^=\0]+$/, 'must be a non-empty name without "=" or NUL'),
);

/** How to get the image before running it. */
export const PullPolicySchema = v.picklist(['always', 'missing', 'never'], 'must be one of always, missing, never');

/**
 * The valibot schema of a job: the single source of the {@link JobConfig} (input) and
 * {@link ResolvedJob} (normalised output) types.
 */
export const JobConfigSchema = v.strictObject(
  {
    /** Image reference, e.g. `python:3.12-slim` or `registry.example.com:5000/etl/job@sha256:...`. */
    image: v.pipe(nonEmpty('an image reference such as busybox:1.36'), v.regex(/^\S+$/, 'must not contain whitespace')),
    /** Command and arguments: an argv array, or a string split like a POSIX shell would (no shell runs). */
    command: v.optional(Argv),
    /** Overrides the image's entrypoint: argv array or string, split like `command`. */
    entrypoint: v.optional(Argv),
    /** Environment variables the child sees, passed unchanged. */
    env: v.optional(v.record(EnvName, v.string('must be a string')), {}),
    /** Volumes in `docker run -v` syntax: `/host:/container[:ro]`, `name:/container`, `/anonymous`. */
    volumes: v.optional(v.array(v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty (expected SOURCE:TARGET[:MODE])'))), []),
    /** Working directory inside the container. */
    workdir: v.optional(nonEmpty('an absolute path')),
    /** User (and group) to run as, e.g. `1000:1000` or `nobody`. */
    user: v.optional(nonEmpty('a user name or uid[:gid]')),
    /** Network mode: `bridge` (engine default), `none`, `host`, or a network name. */
    network: v.optional(nonEmpty('a network mode or name')),
    /** Extra labels on the container. Labels under `io.docker-job.` are reserved. */
    labels: v.optional(
      v.record(
        v.pipe(v.string(), v.check((k) => !k.startsWith('io.docker-job.'), 'is reserved (io.docker-job.* labels are set by docker-job)')),
        v.string(),
      ),
      {},
    ),
    /** Container name. Without one, the engine picks a unique name. */
    name: v.optional(v.pipe(v.string(), v.regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]*'))),
    /** Give the child a TTY: output arrives raw, stdout and stderr merged. */
    tty: v.optional(v.boolean(), false),
    /** When to pull the image. Default: `missing`. */
    pull: v.optional(PullPolicySchema, 'missing'),
    /** Stop the job after this many milliseconds; the result then has `timedOut: true`. */
    timeoutMs: v.optional(v.pipe(v.number(), v.integer('must be an integer'), v.minValue(1, 'must be at least 1'))),
    /** Seconds between the stop signal and SIGKILL when the job is stopped (docker's `--stop-timeout`). Default 10. */
    stopTimeout: v.optional(v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be 0 or more')), 10),
  },
  (issue) => `unknown field ${JSON.stringify(issue.input)}`,
);

/** A job as callers write it. See {@link JobConfigSchema} for every field. */
export type JobConfig = v.InferInput<typeof JobConfigSchema>;

/** A validated job with defaults applied and commands split into argv. */
export type ResolvedJob = v.InferOutput<typeof JobConfigSchema>;

/** The outcome of {@link safeParseJobConfig}. */
export type JobConfigParseResult =
  | { readonly success: true; readonly job: ResolvedJob }
  | { readonly success: false; readonly issues: readonly ConfigIssue[] };

/**
 * Validates a job configuration without throwing.
 * Returns the resolved job, or every issue found (field path, what was wrong, what was expected).
 */
export function safeParseJobConfig(input: unknown): JobConfigParseResult {
  const result = v.safeParse(JobConfigSchema, input);
  if (!result.success) return { success: false, issues: result.issues.map(toConfigIssue) };
  const issues = validateVolumes(result.output.volumes);
  if (issues.length > 0) return { success: false, issues };
  return { success: true, job: result.output };
}

/**
 * Validates a job configuration.
 * @throws {ConfigError} carrying every issue found.
 */
export function parseJobConfig(input: unknown): ResolvedJob {
  const result = safeParseJobConfig(input);
  if (!result.success) throw new ConfigError(result.issues);
  return result.job;
}

function validateVolumes(volumes: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const targets = new Map<string, number>();
  volumes.forEach((spec, i) => {
    const parsed = parseVolumeSpec(spec);
    if (!parsed.ok) {
      issues.push({ path: `volumes[${i}]`, message: `"${spec}" ${parsed.message}`, expected: parsed.expected });
      return;
    }
    const target = parsed.value.target.replace(/\/+$/, '') || '/';
    const first = targets.get(target);
    if (first !== undefined) {
      issues.push({ path: `volumes[${i}]`, message: `mounts ${target} again (volumes[${first}] mounts it already)`, expected: 'each container path mounted once' });
    } else targets.set(target, i);
  });
  return issues;
}

function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = v.getDotPath(issue) ?? 'config';
  // valibot's default messages repeat the received value; ours never include input values, so a
  // secret in a malformed field is not echoed.
  const custom = issue.message.startsWith('Invalid ') ? `has the wrong type (${issue.received === undefined ? 'unexpected value' : typeOf(issue)})` : issue.message;
  return issue.expected && issue.message.startsWith('Invalid ')
    ? { path: formatPath(path), message: custom, expected: issue.expected }
    : { path: formatPath(path), message: custom };
}

function typeOf(issue: v.BaseIssue<unknown>): string {
  const input = issue.input;
  if (input === null) return 'got null';
  if (Array.isArray(input)) return 'got an array';
  return `got ${typeof input}`;
}

/** `volumes.2` → `volumes[2]`, `env.DB_HOST` stays. */
function formatPath(dotPath: string): string {
  return dotPath.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}
