import * as v from 'valibot';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { parseCommandString } from './command.js';
import { parseVolumeSpec } from './volumes.js';

const nonEmpty = (what: string) => v.pipe(v.string(), v.nonEmpty(`must not be empty (expected ${what})`));

/** An argv array, or a command string split like a POSIX shell would; the parser's own message says why a string could not be split. */
const Argv = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be a command string or an array of strings'),
  v.rawTransform<string | string[], readonly string[]>(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') return dataset.value;
    const result = parseCommandString(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  }),
);

/** Keys that valibot's `record` drops silently (its prototype-pollution guard): refused aloud instead. */
const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A record of strings whose keys are checked by `key`; keys that would be dropped silently are refused by name. */
function stringRecord<TKey extends v.GenericSchema<string, string>>(key: TKey) {
  return v.pipe(
    v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'must be an object of names to strings'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      for (const name of UNSAFE_KEYS) {
        if (Object.hasOwn(dataset.value, name)) {
          addIssue({
            message: `cannot be used as a name (${UNSAFE_KEYS.join(', ')} are refused)`,
            path: [{ type: 'object', origin: 'key', input: dataset.value, key: name, value: dataset.value[name] }],
          });
        }
      }
    }),
    v.record(key, v.string('must be a string')),
  );
}

/** Volumes in `docker run -v` syntax: each item parsed, each container path mounted once, every issue reported in input order. */
const Volumes = v.pipe(
  v.array(v.unknown(), 'must be a list of volume specs'),
  v.rawTransform<unknown[], string[]>(({ dataset, addIssue, NEVER }) => {
    const targets = new Map<string, number>();
    let failed = false;
    dataset.value.forEach((spec, i) => {
      const at = (message: string, expected: string) => {
        failed = true;
        addIssue({ message, expected, path: [{ type: 'array', origin: 'value', input: dataset.value, key: i, value: spec }] });
      };
      if (typeof spec !== 'string') return at(`has the wrong type (${describeType(spec)})`, 'a string such as /host:/container:ro');
      const parsed = parseVolumeSpec(spec);
      if (!parsed.ok) return at(`"${spec}" ${parsed.message}`, parsed.expected);
      const target = parsed.value.target.replace(/\/+$/, '') || '/';
      const first = targets.get(target);
      if (first === undefined) targets.set(target, i);
      else at(`mounts ${target} again (volumes[${first}] mounts it already)`, 'each container path mounted once');
    });
    return failed ? NEVER : (dataset.value as string[]);
  }),
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
    env: v.optional(stringRecord(EnvName), {}),
    /** Volumes in `docker run -v` syntax: `/host:/container[:ro]`, `name:/container`, `/anonymous`. */
    volumes: v.optional(Volumes, []),
    /** Working directory inside the container. */
    workdir: v.optional(nonEmpty('an absolute path')),
    /** User (and group) to run as, e.g. `1000:1000` or `nobody`. */
    user: v.optional(nonEmpty('a user name or uid[:gid]')),
    /** Network mode: `bridge` (engine default), `none`, `host`, or a network name. */
    network: v.optional(nonEmpty('a network mode or name')),
    /** Extra labels on the container. Labels under `io.docker-job.` are reserved. */
    labels: v.optional(
      stringRecord(v.pipe(v.string(), v.check((k) => !k.startsWith('io.docker-job.'), 'is reserved (io.docker-job.* labels are set by docker-job)'))),
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
    /**
     * The engine's log driver for the container (docker's `--log-driver`): `json-file`, `local`,
     * `none`, or any driver the engine has. Default: the engine's own (usually `json-file`).
     * `none` is the fast path: docker-job still receives every byte, but the engine keeps no copy,
     * so there is no `docker logs` afterwards and no way to resume after a dropped connection.
     * See docs/logging.md.
     */
    logDriver: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_.:/-]*$/, 'must be a log driver name such as json-file, local or none'))),
    /** Options of the log driver (docker's `--log-opt`), e.g. `{ "max-size": "10m" }`. */
    logOptions: v.optional(stringRecord(v.pipe(v.string(), v.nonEmpty('must not be empty (expected an option name such as max-size)')))),
  },
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

function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = formatPath(v.getDotPath(issue) ?? 'config');
  if (issue.type === 'strict_object') {
    // valibot reports three things under this type; its own messages would echo the input.
    if (issue.expected === 'never') return { path, message: `unknown field ${JSON.stringify(path)}` };
    if (issue.path?.length) return { path, message: 'is required', expected: `a value for ${path}` };
    return { path, message: `must be an object (${typeOf(issue)})`, expected: 'an object of job fields such as { image: "busybox" }' };
  }
  // valibot's default messages repeat the received value; ours never include input values, so a
  // secret in a malformed field is not echoed.
  if (issue.message.startsWith('Invalid ')) {
    const message = `has the wrong type (${issue.received === undefined ? 'unexpected value' : typeOf(issue)})`;
    return issue.expected ? { path, message, expected: issue.expected } : { path, message };
  }
  // Our own checks say what they expected in words; valibot's built-in ones in symbols (`>=1`).
  const ours = issue.type === 'raw_check' || issue.type === 'raw_transform';
  return ours && issue.expected ? { path, message: issue.message, expected: issue.expected } : { path, message: issue.message };
}

function typeOf(issue: v.BaseIssue<unknown>): string {
  return describeType(issue.input);
}

function describeType(input: unknown): string {
  if (input === null) return 'got null';
  if (Array.isArray(input)) return 'got an array';
  return `got ${typeof input}`;
}

/** `volumes.2` → `volumes[2]`, `env.DB_HOST` stays. */
function formatPath(dotPath: string): string {
  return dotPath.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}
