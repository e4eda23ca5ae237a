import * as v from 'valibot';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { parseCommandString, type ParseResult } from './command.js';
import { parseCapabilities, parseExtraHost, parseNetworkMode, parsePidMode, parsePlatform, parseStopSignal, parseUser } from './docker-options.js';
import { collectEnvFiles, type ReadFile } from './env-file.js';
import { parseGpuRequest, type GpuRequest } from './gpus.js';
import { parseImageReference } from '../registry/image-reference.js';
import { checkJobPolicy, type JobPolicy, type PolicySubject } from './policy.js';
import type { EntriesInput, EntriesOutput } from './schema-types.js';
import { maskSecrets, secretNameMatcher, secretValues } from './secrets.js';
import { parseByteSize, parseNanoCpus } from './units.js';
import { bindSourceKind, checkVolumeMount, MOUNT_CONSISTENCIES, MOUNT_PROPAGATIONS, normalizedTarget, parseVolumeSpec, resolvePath, resolveVolumeMount, type VolumeMount } from './volumes.js';

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

/** How to get the image before running it. */
export const PullPolicySchema = v.picklist(['always', 'missing', 'never'], 'must be one of always, missing, never');

/** When the runner removes the job's container. */
export const RemovePolicySchema = v.picklist(['always', 'on-success', 'never'], 'must be one of always, on-success, never');

/** The pull policies: `always` pulls before every run, `missing` only when the image is absent, `never` never pulls. */
export type PullPolicy = v.InferOutput<typeof PullPolicySchema>;

/** When the container is removed: `always`, `on-success` (kept for inspection when the job failed), `never`. */
export type RemovePolicy = v.InferOutput<typeof RemovePolicySchema>;

/** The lowest memory limit the Docker Engine accepts: 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

/** The longest timeout a Node.js timer can wait (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A string checked and converted by one of the core's pure parsers; the parser's words become the issue. */
function parsedString<T>(parse: (text: string) => ParseResult<T>, typeMessage = 'must be a string') {
  return v.pipe(
    v.string(typeMessage),
    v.rawTransform<string, T>(({ dataset, addIssue, NEVER }) => {
      const result = parse(dataset.value);
      if (result.ok) return result.value;
      addIssue({ message: result.message, expected: result.expected });
      return NEVER;
    }),
  );
}

/** A string checked (not converted) by one of the core's pure parsers. */
function checkedString(parse: (text: string) => ParseResult<unknown>, typeMessage = 'must be a string') {
  return v.pipe(
    v.string(typeMessage),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const result = parse(dataset.value);
      if (!result.ok) addIssue({ message: result.message, expected: result.expected });
    }),
  );
}

/**
 * Runs the policy on one field's value alone (`subject` puts it in a {@link PolicySubject}), so
 * that its issues come with every other issue of the job, not only once the rest is valid.
 */
function policyCheck<T>(policy: JobPolicy | undefined, subject: (value: T) => PolicySubject) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!policy || !dataset.typed) return;
    for (const problem of checkJobPolicy(subject(dataset.value), policy)) {
      const index = /\[(\d+)\]$/.exec(problem.path)?.[1];
      const list = dataset.value as unknown;
      addIssue({
        message: problem.message,
        expected: problem.expected ?? '',
        ...(index === undefined || !Array.isArray(list) ? {} : { path: [{ type: 'array', origin: 'value', input: list, key: Number(index), value: list[Number(index)] }] }),
      });
    }
  });
}

const noNul = (what: string) => v.check<string, string>((s) => !s.includes('\0'), `must not contain a NUL character (${what} cannot carry one)`);

/** An argv array, or a command string split like a POSIX shell would; the parser's own message says why a string could not be split. */
const Argv = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be a command string or an array of strings'),
  v.rawTransform<string | string[], string[]>(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') {
      const nul = dataset.value.findIndex((w) => w.includes('\0'));
      if (nul === -1) return dataset.value;
      addIssue({ message: `has a NUL character in item ${nul}`, expected: 'no NUL characters (no program argument can carry one)' });
      return NEVER;
    }
    const result = parseCommandString(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  }),
);

/** Keys that valibot's `record` drops silently (its prototype-pollution guard): refused aloud instead. */
const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A record of strings whose keys are checked by `key`; keys that would be dropped silently are refused by name. */
function stringRecord<TKey extends v.GenericSchema<string, string>>(key: TKey, value: v.GenericSchema<string, string> = v.string('must be a string')) {
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
    v.record(key, value),
  );
}

/** A value given once or as a list, always a list after parsing. */
function oneOrMany<T extends v.GenericSchema>(item: T, listMessage: string) {
  return v.lazy((input) => (Array.isArray(input) ? v.array(item, listMessage) : v.pipe(item, v.transform((one) => [one] as v.InferOutput<T>[]))));
}

/** A size in bytes: a number, or a string in docker's syntax (`512m`, `1.5g`). */
function byteSize(min: number, minMessage: string) {
  return v.lazy((input) =>
    typeof input === 'string'
      ? v.pipe(parsedString(parseByteSize), v.check((n) => n === 0 || n >= min, minMessage))
      : v.pipe(v.number('must be a size such as 512m, or a number of bytes'), v.integer('must be a whole number of bytes'), v.check((n) => n === 0 || n >= min, minMessage)),
  );
}

/** Capability names, normalised as the docker CLI normalises them. */
const Capabilities = v.pipe(
  v.array(v.string('must be a string'), 'must be a list of capabilities'),
  v.rawTransform<string[], string[]>(({ dataset, addIssue, NEVER }) => {
    const result = parseCapabilities(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  }),
);

const ENV_NAME = v.pipe(v.string(), v.regex(/^[^=\0]+$/, 'must be a non-empty name without "=" or NUL'));

const volumeEntries = {
  /** `bind` (a host path) or `volume` (a named volume, or an anonymous one without `source`). */
  type: v.picklist(['bind', 'volume'], 'must be bind or volume'),
  /** Host path (bind; relative ones start with `.` and need `baseDir`) or volume name; absent: an anonymous volume. */
  source: v.optional(v.string('must be a string')),
  /** Absolute path inside the container. */
  target: v.string('must be a string'),
  /** `true`: read-only (`ro`); `false`: `rw`; absent: read-write. */
  readOnly: v.optional(v.boolean('must be true or false')),
  /** SELinux relabelling: `shared` (`z`) or `private` (`Z`). */
  selinuxLabel: v.optional(v.picklist(['shared', 'private'], 'must be shared (z) or private (Z)')),
  /** Bind propagation, binds only: `private`, `rprivate` (the engine's default), `shared`, `rshared`, `slave`, `rslave`. */
  propagation: v.optional(v.picklist(MOUNT_PROPAGATIONS, `must be one of ${MOUNT_PROPAGATIONS.join(', ')}`)),
  /** `nocopy`, volumes only: do not copy the image's files into an empty named volume. */
  noCopy: v.optional(v.boolean('must be true or false')),
  /** Docker Desktop file-sharing flag: `consistent`, `cached` or `delegated`. */
  consistency: v.optional(v.picklist(MOUNT_CONSISTENCIES, `must be one of ${MOUNT_CONSISTENCIES.join(', ')}`)),
};

/** A volume as an object, as callers write it in {@link JobConfig}`.volumes`; it resolves to a {@link VolumeMount}. */
export interface VolumeMountConfig extends EntriesInput<typeof volumeEntries> {}

const VolumeObject: v.GenericSchema<VolumeMountConfig, VolumeMountConfig> = v.strictObject(
  volumeEntries,
  'must be a volume: a docker run -v string, or an object { type, source, target, readOnly, ... }',
);

/** A volume item: a `-v` string or an object, checked by the same rules, relative sources resolved against `baseDir`. */
function volumeItem(baseDir: string | undefined, policy: JobPolicy | undefined) {
  const finish = (mount: VolumeMount, addIssue: (info: { message: string; expected: string }) => void): VolumeMount | undefined => {
    let resolved = mount;
    if (bindSourceKind(mount) === 'relative') {
      if (baseDir === undefined || !baseDir.startsWith('/')) {
        addIssue({ message: `has a relative host path "${mount.source}" and ${noBaseDir(baseDir)}`, expected: 'an absolute host path, or the baseDir option (the docker CLI uses its working directory)' });
        return undefined;
      }
      resolved = resolveVolumeMount(mount, baseDir);
    }
    const refusals = policy ? checkJobPolicy({ volumes: [resolved] }, policy) : [];
    for (const problem of refusals) addIssue({ message: problem.message, expected: problem.expected ?? '' });
    return refusals.length > 0 ? undefined : resolved;
  };
  const fromString = v.pipe(
    v.string(),
    v.rawTransform<string, VolumeMount>(({ dataset, addIssue, NEVER }) => {
      const parsed = parseVolumeSpec(dataset.value);
      if (!parsed.ok) {
        addIssue({ message: parsed.message, expected: parsed.expected });
        return NEVER;
      }
      return finish(parsed.value, addIssue) ?? NEVER;
    }),
  );
  const fromObject = v.pipe(
    VolumeObject,
    v.rawTransform<VolumeMountConfig, VolumeMount>(({ dataset, addIssue, NEVER }) => {
      const mount = withoutUndefined(dataset.value) as VolumeMount;
      const checked = checkVolumeMount(mount);
      if (!checked.ok) {
        addIssue({ message: checked.message, expected: checked.expected });
        return NEVER;
      }
      return finish(checked.value, addIssue) ?? NEVER;
    }),
  );
  return v.lazy((input) => (typeof input === 'string' ? fromString : fromObject));
}

/** Volumes: each item parsed, each container path mounted once. */
function volumes(baseDir: string | undefined, policy: JobPolicy | undefined) {
  return v.pipe(
    v.array(volumeItem(baseDir, policy), 'must be a list of volumes'),
    v.rawCheck(({ dataset, addIssue }) => {
      // Runs even when some items are invalid (those are skipped), so every issue is reported at once.
      const targets = new Map<string, number>();
      if (!Array.isArray(dataset.value)) return;
      const items = dataset.value as unknown[];
      items.forEach((mount, i) => {
        if (typeof mount !== 'object' || mount === null || typeof (mount as { target?: unknown }).target !== 'string') return;
        const target = normalizedTarget((mount as VolumeMount).target);
        const first = targets.get(target);
        if (first === undefined) targets.set(target, i);
        else {
          addIssue({
            message: `mounts ${target} again (volumes[${first}] mounts it already)`,
            expected: 'each container path mounted once',
            path: [{ type: 'array', origin: 'value', input: items, key: i, value: mount }],
          });
        }
      });
    }),
  );
}

const gpuEntries = {
  /** How many GPUs: a number, or `'all'` (or `-1`). Default: 1, or the devices `deviceIds` names. */
  count: v.optional(v.union([v.literal('all'), v.pipe(v.number(), v.integer(), v.minValue(-1))], 'must be "all" (or -1) or a whole number of GPUs')),
  /** Specific devices by index or UUID (`['0', '1']`). */
  deviceIds: v.optional(v.pipe(v.array(v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty'), v.check((s) => !s.includes(','), 'must not contain a comma'))), v.nonEmpty('must name at least one device'))),
  /** Capabilities every device must have (`['compute', 'utility']`); `gpu` is always added. */
  capabilities: v.optional(v.array(v.string('must be a string'), 'must be a list of capabilities such as ["compute", "utility"]')),
  /** Device driver (`nvidia`); default: the engine chooses. */
  driver: v.optional(v.string('must be a string')),
  /** Driver-specific options. */
  options: v.optional(stringRecord(v.string())),
};

/** A GPU request as an object, as callers write it in {@link JobConfig}`.gpus`; it resolves to a {@link GpuRequest}. */
export interface GpuRequestConfig extends EntriesInput<typeof gpuEntries> {}

const GpuObject: v.GenericSchema<GpuRequestConfig, GpuRequest> = v.pipe(
  v.strictObject(gpuEntries, 'must be a GPU request: a docker --gpus string, or an object { count, deviceIds, capabilities, driver, options }'),
  v.transform((o): GpuRequest => {
    const capabilities = o.capabilities ?? [];
    return {
      driver: o.driver ?? '',
      count: o.count === 'all' ? -1 : (o.count ?? (o.deviceIds === undefined ? 1 : 0)),
      ...(o.deviceIds === undefined ? {} : { deviceIds: o.deviceIds }),
      capabilities: capabilities.at(-1) === 'gpu' ? capabilities : [...capabilities, 'gpu'],
      options: o.options ?? {},
    };
  }),
);
const GpuItem = v.lazy((input) => (typeof input === 'string' ? parsedString(parseGpuRequest) : GpuObject));

/** Why a relative path cannot be resolved. */
function noBaseDir(baseDir: string | undefined): string {
  return baseDir === undefined ? 'no baseDir to resolve it against' : `a baseDir "${baseDir}" that is not absolute`;
}

/** An absolute env-file path, or a relative one resolved against `baseDir`. */
function envFilePath(baseDir: string | undefined) {
  return v.pipe(
    v.string('must be a path'),
    v.nonEmpty('must not be empty'),
    noNul('a path'),
    v.rawTransform<string, string>(({ dataset, addIssue, NEVER }) => {
      if (dataset.value.startsWith('/')) return dataset.value;
      if (baseDir?.startsWith('/')) return resolvePath(baseDir, dataset.value);
      addIssue({ message: `is a relative path "${dataset.value}" and ${noBaseDir(baseDir)}`, expected: 'an absolute path, or the baseDir option' });
      return NEVER;
    }),
  );
}

/** Env-file paths: one or a list, relative ones resolved against `baseDir`. */
function envFileField(baseDir: string | undefined) {
  return oneOrMany(envFilePath(baseDir), 'must be a path or a list of paths');
}

/** The fields of a job; see {@link createJobConfigSchema}. */
function jobFields(options: JobConfigSchemaOptions) {
  return v.strictObject({
    /** Image reference, e.g. `python:3.12-slim` or `registry.example.com:5000/etl/job@sha256:...`. */
    image: checkedString(parseImageReference, 'must be an image reference string'),
    /** Command and arguments: an argv array, or a string split like a POSIX shell would (no shell runs). */
    command: v.optional(Argv),
    /** Overrides the image's entrypoint: argv array or string, split like `command`; `''` or `[]` removes it. */
    entrypoint: v.optional(Argv),
    /** Environment variables the child sees, passed unchanged. They override those of `envFile`. */
    env: v.optional(stringRecord(ENV_NAME, v.pipe(v.string('must be a string'), noNul('an environment value'))), {}),
    /** Env files in docker's `--env-file` format, read when the job is parsed; relative paths need `baseDir`. */
    envFile: v.optional(envFileField(options.baseDir)),
    /** Volumes: `docker run -v` strings or {@link VolumeMount} objects. */
    volumes: v.optional(volumes(options.baseDir, options.policy), []),
    /** Working directory inside the container: an absolute path. */
    workdir: v.optional(v.pipe(v.string('must be a string'), v.regex(/^\//, 'must be an absolute path (docker refuses others)'), noNul('a path'))),
    /** User (and group) to run as: `1000:1000`, `nobody`, `app:app`. */
    user: v.optional(parsedString(parseUser)),
    /** Network mode: `none`, `bridge` (engine default), `host`, `container:<name>`, or a network name. */
    network: v.optional(v.pipe(parsedString(parseNetworkMode), policyCheck(options.policy, (network: string) => ({ network, volumes: [] })))),
    /** When to pull the image. Default: {@link effectivePullPolicy} (`always` for `latest` or untagged, else `missing`). */
    pull: v.optional(PullPolicySchema),
    /** Platform of the image to run, `os[/arch[/variant]]` (`linux/arm64`). */
    platform: v.optional(parsedString(parsePlatform)),
    /** Stop the job after this many milliseconds; the result then has `timedOut: true`. */
    timeoutMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.integer('must be an integer'), v.minValue(1, 'must be at least 1'), v.maxValue(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} (about 24.8 days)`))),
    /** Seconds between the stop signal and SIGKILL when the job is stopped (docker's `--stop-timeout`). Default 10. */
    stopTimeout: v.optional(v.pipe(v.number('must be a number of seconds'), v.integer('must be an integer'), v.minValue(0, 'must be 0 or more'), v.maxValue(MAX_TIMEOUT_MS / 1000 - 60, 'is too long')), 10),
    /** Signal that asks the job to stop (docker's `--stop-signal`): `SIGTERM` (default), `SIGINT`, `9`, ... */
    stopSignal: v.optional(parsedString(parseStopSignal)),
    /** Run an init process as PID 1 that forwards signals and reaps zombies (docker's `--init`). */
    init: v.optional(v.boolean('must be true or false')),
    /** Memory limit in bytes, or a docker size string (`512m`, `1g`); at least 6 MiB; `0`: no limit. */
    memory: v.optional(byteSize(MIN_MEMORY_BYTES, `must be at least 6m (${MIN_MEMORY_BYTES} bytes), the engine's minimum, or 0 for no limit`)),
    /** Memory plus swap limit (docker's `--memory-swap`): a size at least `memory`, or `-1` for unlimited swap; needs `memory`. */
    memorySwap: v.optional(
      v.lazy((input) => (input === -1 || input === '-1' ? v.pipe(v.union([v.literal(-1), v.literal('-1')]), v.transform((): number => -1)) : byteSize(0, ''))),
    ),
    /** CPUs the job may use (docker's `--cpus`): a decimal string such as `"1.5"` (at most nine decimals) or a number (rounded to nano-CPUs); `0`: no limit. */
    cpus: v.optional(
      v.pipe(
        v.union([v.string(), v.number()], 'must be a number of CPUs such as 1.5'),
        v.rawTransform<string | number, number>(({ dataset, addIssue, NEVER }) => {
          const parsed = parseNanoCpus(typeof dataset.value === 'string' ? dataset.value.trim() : dataset.value);
          if (!parsed.ok) {
            addIssue({ message: parsed.message, expected: parsed.expected });
            return NEVER;
          }
          return parsed.value / 1e9;
        }),
      ),
    ),
    /** Size of `/dev/shm`, in bytes or a docker size string; `0`: the engine's default (64m). */
    shmSize: v.optional(byteSize(0, '')),
    /** Most processes the job may run (docker's `--pids-limit`); `0` or `-1`: no limit. */
    pidsLimit: v.optional(v.pipe(v.number('must be a number'), v.integer('must be an integer'), v.minValue(-1, 'must be -1 (no limit) or more'))),
    /** GPUs: docker's `--gpus` syntax (`all`, `2`, `"device=0,1"`), a {@link GpuRequest}-like object, or a list of them. */
    gpus: v.optional(oneOrMany(GpuItem, 'must be a GPU request or a list of them')),
    /** Extra labels on the container. Labels under `io.docker-job.` are reserved. */
    labels: v.optional(
      stringRecord(
        v.pipe(v.string(), v.check((k) => !k.startsWith('io.docker-job.'), 'is reserved (io.docker-job.* labels are set by docker-job)')),
        v.pipe(v.string('must be a string'), noNul('a label')),
      ),
      {},
    ),
    /** Container name: two or more of `[a-zA-Z0-9_.-]`, starting with a letter or digit. Without one, the engine picks a unique name. */
    name: v.optional(v.pipe(v.string('must be a string'), v.regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters or more)'))),
    /** Mount the container's root file system read-only (docker's `--read-only`). */
    readOnly: v.optional(v.boolean('must be true or false')),
    /** Capabilities to add (`NET_ADMIN`, `CAP_SYS_PTRACE`, `ALL`); normalised to `CAP_*`, sorted, as docker does. */
    capAdd: v.optional(v.pipe(Capabilities, policyCheck(options.policy, (capAdd: string[]) => ({ capAdd, volumes: [] })))),
    /** Capabilities to drop (`ALL`, `NET_RAW`); normalised like `capAdd`. */
    capDrop: v.optional(Capabilities),
    /** Run privileged (every device, every capability, no confinement). */
    privileged: v.optional(v.pipe(v.boolean('must be true or false'), policyCheck(options.policy, (privileged: boolean) => ({ privileged, volumes: [] })))),
    /** PID namespace: `host` or `container:<name>` (docker's `--pid`). */
    pidMode: v.optional(v.pipe(parsedString(parsePidMode), policyCheck(options.policy, (pidMode: string) => ({ pidMode, volumes: [] })))),
    /** Extra `/etc/hosts` entries (docker's `--add-host`): `host:ip`, `host=ip`, `host:host-gateway`; stored as `host:ip`. */
    extraHosts: v.optional(v.array(parsedString(parseExtraHost), 'must be a list of host:ip entries')),
    /** Give the child a TTY: output arrives raw, stdout and stderr merged. */
    tty: v.optional(v.boolean('must be true or false'), false),
    /** When the runner removes the container: `always` (default), `on-success`, `never`. Never the engine's own auto-remove. */
    remove: v.optional(RemovePolicySchema, 'always'),
    /**
     * The engine's log driver for the container (docker's `--log-driver`): `json-file`, `local`,
     * `none`, or any driver the engine has. Default: the engine's own (usually `json-file`).
     * `none` is the fast path: docker-job still receives every byte, but the engine keeps no copy,
     * so there is no `docker logs` afterwards and no way to resume after a dropped connection.
     * See docs/logging.md.
     */
    logDriver: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_.:/-]*$/, 'must be a log driver name such as json-file, local or none'))),
    /** Options of the log driver (docker's `--log-opt`), e.g. `{ "max-size": "10m" }`. */
    logOptions: v.optional(stringRecord(v.pipe(v.string(), v.nonEmpty('must not be empty (expected an option name such as max-size)')), v.pipe(v.string('must be a string'), noNul('a log option')))),
  });
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
    jobFields(options),
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

/** The entries of the job schema, whose doc comments describe each field. */
type JobEntries = ReturnType<typeof jobFields>['entries'];

/**
 * A job as callers write it: the input type of {@link JobConfigSchema}, which checks every field.
 * Only `image` is required.
 */
// An interface over the schema's entries (see schema-types.ts), so each field keeps its one comment.
export interface JobConfig extends EntriesInput<JobEntries> {}

/**
 * A validated job: defaults applied, commands split into argv, volumes and GPU requests as objects,
 * sizes in bytes, capabilities normalised, env files merged into `env` (their paths kept in
 * `envFile`). The output type of {@link JobConfigSchema}. A resolved job is itself a valid
 * {@link JobConfig} and parses to itself, without its env files being read again. Those
 * {@link parseJobConfig} returns are deep-frozen (see {@link isResolvedJob}); change a copy and
 * parse it.
 */
export interface ResolvedJob extends EntriesOutput<JobEntries> {}

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
  const paths = v.safeParse(envFileField(options.baseDir), given);
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

/**
 * The pull policy a job runs with: its own `pull`, else `always` for an image tagged `latest` or
 * not tagged at all (a moving target), else `missing`. An image pinned by digest defaults to
 * `missing`. Pure.
 */
export function effectivePullPolicy(job: { readonly image: string; readonly pull?: PullPolicy | undefined }): PullPolicy {
  if (job.pull !== undefined) return job.pull;
  const reference = parseImageReference(job.image);
  if (!reference.ok) return 'missing';
  if (reference.value.digest !== undefined) return 'missing';
  return reference.value.tag === undefined || reference.value.tag === 'latest' ? 'always' : 'missing';
}

/**
 * Whether the runner removes a job's container, given its `remove` policy and whether the job
 * succeeded (exited 0, not stopped). Pure.
 */
export function removesContainer(policy: RemovePolicy, succeeded: boolean): boolean {
  return policy === 'always' || (policy === 'on-success' && succeeded);
}

function inputSecrets(input: unknown, words: readonly string[] | undefined): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const env = (input as { env?: unknown }).env;
  if (typeof env !== 'object' || env === null) return [];
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return secretValues(strings, secretNameMatcher(words));
}

/** An issue with every occurrence of the given secret values masked, in its path too. @internal */
export function maskIssue(issue: ConfigIssue, secrets: readonly string[]): ConfigIssue {
  if (secrets.length === 0) return issue;
  const masked = { path: maskSecrets(issue.path, secrets), message: maskSecrets(issue.message, secrets) };
  return issue.expected === undefined ? masked : { ...masked, expected: maskSecrets(issue.expected, secrets) };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}

/** Turns a valibot issue into a {@link ConfigIssue} that never repeats the input value. @internal */
export function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = formatPath(v.getDotPath(issue) ?? 'config');
  if (issue.type === 'strict_object') {
    // valibot reports three things under this type; its own messages would echo the input.
    if (issue.expected === 'never') return { path, message: `unknown field ${JSON.stringify(path.replace(/^.*[.\]]/, ''))}` };
    if (issue.received === 'undefined' && issue.expected?.startsWith('"')) return { path, message: 'is required', expected: `a value for ${path}` };
    if (!issue.message.startsWith('Invalid ')) return { path, message: issue.message };
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
