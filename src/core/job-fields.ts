/**
 * The one table of job fields. Each row says everything docker-job knows about one field:
 *
 * - `schema`: how it is checked and resolved (the source of the {@link JobConfig} and
 *   {@link ResolvedJob} types, and of the doc comment each property carries);
 * - `env`: the variable {@link configFromEnv} reads it from;
 * - `doc`: its row in docs/configuration.md (a test holds the page to the table);
 * - `show` and `flags`: how {@link describeJob} shows it, and its `docker run` flags;
 * - `honour`: who honours it. `runner`: docker-job itself, on every engine (a timeout, the remove
 *   policy). `engine`: it reaches every engine in the {@link JobSpec}, and every engine must honour
 *   it. `optional`: it reaches the engine in the JobSpec, and an engine honours it only when its
 *   capabilities list it (`EngineCapabilities.fields`); a job that sets it on any other engine is
 *   refused with a {@link ConfigError} naming it, before the engine is contacted.
 *
 * Adding a field is one row here, and its handling in the engines that honour it. Pure.
 */
import * as v from 'valibot';
import type { ConfigIssue } from '../errors/config-error.js';
import { formatCommand } from './command.js';
import { parseExtraHost, parseNetworkMode, parsePidMode, parseStopSignal, parseUser } from './docker-options.js';
import { byteSize, Capabilities, Cpus, EnvName, envFiles, Gpus, MemorySwap, policyCheck, volumes, type FieldSchemaOptions } from './field-schemas.js';
import { formatGpuRequest } from './gpus.js';
import { parseImageReference } from './image-reference.js';
import { Argv, imageReference, noNul, parsedString, Platform, stringRecord } from './schema-helpers.js';
import type { EntriesInput, EntriesOutput } from './schema-types.js';
import { formatByteSize } from './units.js';
import { formatVolumeSpec } from './volumes.js';

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

/** Who honours a field: see the module's description. */
export type FieldHonour = 'runner' | 'engine' | 'optional';

/** How a variable's text becomes a job field. */
export type EnvSettingKind = 'text' | 'command' | 'list' | 'volumes' | 'integer' | 'boolean' | 'labels' | 'gpus';

/** Prefix of every docker-job setting read from the environment, besides IMAGE, COMMAND and VOLUMES. */
export const SETTING_PREFIX = 'DOCKER_JOB_';

/** The variable a field is read from by {@link configFromEnv}. */
interface EnvBinding {
  /** The variable's name, e.g. `DOCKER_JOB_MEMORY`. */
  readonly variable: string;
  /** How its text is read. */
  readonly kind: EnvSettingKind;
  /** What it means, for help texts and docs. */
  readonly description: string;
}

/** What the rows' `show` and `flags` may read besides their own value: the job's image, pull and stop signal. */
export interface FieldContext {
  readonly image: string;
  readonly pull?: PullPolicy | undefined;
  readonly stopSignal?: string | undefined;
}

/** One row of {@link JOB_FIELDS}. */
export interface FieldRow<S extends v.GenericSchema = v.GenericSchema, H extends FieldHonour = FieldHonour> {
  /** The field's schema entry (with its `optional` and default), given what the schemas depend on. */
  readonly schema: (options: FieldSchemaOptions) => S;
  /** Who honours it. */
  readonly honour: H;
  /** The variable it is read from, if any. */
  readonly env?: EnvBinding;
  /** Its row in docs/configuration.md: type, default, meaning (with its `docker run` flag). */
  readonly doc: { readonly type: string; readonly default: string; readonly meaning: string };
  /** The name of its line in {@link describeJob}'s text, when not the field's. */
  readonly label?: string;
  /** Its lines in {@link describeJob}'s text (secrets masked already); none when it returns nothing. */
  readonly show?: (value: v.InferOutput<S>, job: FieldContext) => string | readonly string[] | undefined;
  /** Its `docker run` flags, in {@link describeJob}'s command line. */
  readonly flags?: (value: v.InferOutput<S>, job: FieldContext) => readonly string[];
}

/** A row, with its schema's and honour's types kept for the types derived from the table. */
function field<S extends v.GenericSchema, const H extends FieldHonour>(row: FieldRow<S, H>): FieldRow<S, H> {
  return row;
}

const env = (suffix: string, kind: EnvSettingKind, description: string): EnvBinding => ({ variable: SETTING_PREFIX + suffix, kind, description });

/** A value shown as text when it is set. */
const whenSet =
  <T>(format: (value: T) => string | readonly string[]) =>
  (value: T | undefined) =>
    value === undefined ? undefined : format(value);
/** `--name value` when set; `--name` alone for `true`; nothing for `false`. */
const flag =
  <T>(name: string, format: (value: T) => string = String) =>
  (value: T | undefined): readonly string[] =>
    value === undefined || value === false ? [] : value === true ? [name] : [name, format(value)];
/** One `--name value` per item. */
const each =
  <T>(name: string, format: (value: T) => string = String) =>
  (values: readonly T[] | undefined): readonly string[] =>
    (values ?? []).flatMap((item) => [name, format(item)]);
const pairs = (record: Readonly<Record<string, string>>) => Object.entries(record).map(([k, value]) => `${k}=${value}`);
const nonEmptyPairs = (record: Readonly<Record<string, string>> | undefined) => (record === undefined || Object.keys(record).length === 0 ? undefined : pairs(record));
const bytes = (n: number) => (n === 0 ? '0 (no limit)' : `${formatByteSize(n)} (${n} bytes)`);
const yesNo = whenSet((b: boolean) => String(b));

/**
 * Every field of a job, in the order the docs list them. The doc comment on each row is the field's
 * documentation in {@link JobConfig} and {@link ResolvedJob}.
 */
export const JOB_FIELDS = {
  /** Image reference, e.g. `python:3.12-slim` or `registry.example.com:5000/etl/job@sha256:...`. */
  image: field({
    honour: 'engine',
    schema: () => imageReference({ digest: true, typeMessage: 'must be an image reference string' }),
    env: { variable: 'IMAGE', kind: 'text', description: 'Image to run. Required.' },
    doc: { type: 'string', default: 'required', meaning: "Image reference, checked with the engine's grammar (lower-case repository, `:tag`, `@sha256:...`)." },
    show: (image) => image,
    // positional in `docker run`: see describeJob
  }),
  /** Command and arguments: an argv array, or a string split like a POSIX shell would (no shell runs). */
  command: field({
    honour: 'engine',
    schema: () => v.optional(Argv),
    env: { variable: 'COMMAND', kind: 'command', description: 'The command; a string is split into words, and no shell runs.' },
    doc: { type: 'string or string[]', default: "the image's `CMD`", meaning: 'Command and arguments. A string is [split like a shell](#commands-and-entrypoint), no shell runs.' },
    show: (command) => (command === undefined ? "(the image's)" : formatCommand(command)),
  }),
  /** Overrides the image's entrypoint: argv array or string, split like `command`; `''` or `[]` removes it. */
  entrypoint: field({
    honour: 'engine',
    schema: () => v.optional(Argv),
    env: env('ENTRYPOINT', 'command', "Entrypoint override, like COMMAND; `[]` removes the image's."),
    doc: { type: 'string or string[]', default: "the image's", meaning: "`--entrypoint`, split like `command`. `''` or `[]` removes the image's entrypoint." },
    show: (entrypoint) => (entrypoint === undefined ? "(the image's)" : entrypoint.length === 0 ? '(none)' : formatCommand(entrypoint)),
  }),
  /** Environment variables the child sees, passed unchanged. They override those of `envFile`. */
  env: field({
    honour: 'engine',
    schema: () => v.optional(stringRecord(EnvName, v.pipe(v.string('must be a string'), noNul('an environment value'))), {}),
    doc: { type: 'record of strings', default: '`{}`', meaning: "The child's environment, passed unchanged; wins over `envFile`. Names must not contain `=` or NUL." },
    show: nonEmptyPairs,
    flags: (record) => each('-e')(pairs(record)),
  }),
  /** Env files in docker's `--env-file` format, read when the job is parsed; relative paths need `baseDir`. */
  envFile: field({
    honour: 'runner',
    schema: (o: FieldSchemaOptions) => v.optional(envFiles(o)),
    env: env('ENV_FILE', 'list', 'Env files in `docker --env-file` format: one path, or several.'),
    doc: { type: 'string or string[]', default: 'none', meaning: '`--env-file`: [env files](#env-files), read when the job is parsed and merged into `env`.' },
    show: whenSet((paths: readonly string[]) => paths.map((p) => `${p} (merged into env)`)),
    // no flag: the files' variables are among the -e flags
  }),
  /** Volumes: `docker run -v` strings or {@link VolumeMount} objects. */
  volumes: field({
    honour: 'optional',
    schema: (o: FieldSchemaOptions) => v.optional(volumes(o), []),
    env: { variable: 'VOLUMES', kind: 'volumes', description: '`docker run -v` specs; in a comma-separated list, `/a:/a:ro,z` keeps its options (an item that is an option word belongs to the spec before it).' },
    doc: { type: '(string or object)[]', default: '`[]`', meaning: '`-v`: [volumes](#volumes) as specs or objects.' },
    show: (mounts) => mounts.map(formatVolumeSpec),
    flags: each('-v', formatVolumeSpec),
  }),
  /** Working directory inside the container: an absolute path. */
  workdir: field({
    honour: 'optional',
    schema: () => v.optional(v.pipe(v.string('must be a string'), v.regex(/^\//, 'must be an absolute path (docker refuses others)'), noNul('a path'))),
    env: env('WORKDIR', 'text', 'Working directory in the container (absolute).'),
    doc: { type: 'string', default: "the image's", meaning: '`-w`: absolute path in the container.' },
    show: whenSet(String),
    flags: flag('-w'),
  }),
  /** User (and group) to run as: `1000:1000`, `nobody`, `app:app`. */
  user: field({
    honour: 'optional',
    schema: () => v.optional(parsedString(parseUser)),
    env: env('USER', 'text', 'User to run as: `name`, `uid`, `uid:gid`.'),
    doc: { type: 'string', default: "the image's", meaning: '`-u`: `name`, `uid`, `name:group` or `uid:gid`.' },
    show: whenSet(String),
    flags: flag('-u'),
  }),
  /** Network mode: `none`, `bridge` (engine default), `host`, `container:<name>`, or a network name. */
  network: field({
    honour: 'optional',
    schema: (o: FieldSchemaOptions) => v.optional(v.pipe(parsedString(parseNetworkMode), policyCheck(o.policy, (network: string) => ({ network, volumes: [] })))),
    env: env('NETWORK', 'text', 'Network: `none`, `bridge`, `host`, `container:<name>`, or a network name.'),
    doc: { type: 'string', default: "the engine's (`bridge`)", meaning: '`--network`: `none`, `bridge`, `host`, `container:<name>`, or a network name.' },
    show: whenSet(String),
    flags: flag('--network'),
  }),
  /** When to pull the image. Default: {@link effectivePullPolicy} (`always` for `latest` or untagged, else `missing`). */
  pull: field({
    honour: 'runner',
    schema: () => v.optional(PullPolicySchema),
    env: env('PULL', 'text', '`always`, `missing` or `never`; default `always` for latest or untagged images, else `missing`.'),
    doc: { type: '`always` \\| `missing` \\| `never`', default: 'see below', meaning: '`--pull`. Without it: `always` for an image tagged `latest` or not tagged, `missing` otherwise (a digest counts as pinned). `effectivePullPolicy(job)` computes it.' },
    show: (pull, job) => {
      if (pull !== undefined) return pull;
      const effective = effectivePullPolicy(job);
      return `${effective} (default for ${effective === 'always' ? 'a latest or untagged' : 'a tagged or pinned'} image)`;
    },
    flags: (_pull, job) => ['--pull', effectivePullPolicy(job)],
  }),
  /** Platform of the image to run, `os[/arch[/variant]]` (`linux/arm64`). */
  platform: field({
    honour: 'optional',
    schema: () => v.optional(Platform),
    env: env('PLATFORM', 'text', 'Image platform, e.g. `linux/arm64`.'),
    doc: { type: 'string', default: "the engine's", meaning: '`--platform`: `os[/arch[/variant]]`, e.g. `linux/arm64`.' },
    show: whenSet(String),
    flags: flag('--platform'),
  }),
  /** Stop the job after this many milliseconds; the result then has `timedOut: true`. */
  timeoutMs: field({
    honour: 'runner',
    schema: () => v.optional(v.pipe(v.number('must be a number of milliseconds'), v.integer('must be an integer'), v.minValue(1, 'must be at least 1'), v.maxValue(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} (about 24.8 days)`))),
    env: env('TIMEOUT_MS', 'integer', 'Stop the job after this many milliseconds.'),
    doc: { type: 'integer, 1 to 2147483647', default: 'none', meaning: 'Stop the job this long after its start.' },
    show: whenSet((ms: number) => `${ms} ms`),
    // no flag: docker-job's own timer
  }),
  /** Seconds between the stop signal and SIGKILL when the job is stopped (docker's `--stop-timeout`). Default 10. */
  stopTimeout: field({
    honour: 'engine',
    schema: () => v.optional(v.pipe(v.number('must be a number of seconds'), v.integer('must be an integer'), v.minValue(0, 'must be 0 or more'), v.maxValue(MAX_TIMEOUT_MS / 1000 - 60, 'is too long')), 10),
    env: env('STOP_TIMEOUT', 'integer', 'Seconds between the stop signal and SIGKILL (default 10).'),
    doc: { type: 'integer >= 0', default: '`10`', meaning: '`--stop-timeout`: seconds between the stop signal and SIGKILL.' },
    label: 'stop', // its line says the whole stop: the signal, then the kill
    show: (seconds, job) => `${job.stopSignal ?? 'SIGTERM'}, then SIGKILL after ${seconds} s`,
    flags: flag('--stop-timeout'),
  }),
  /** Signal that asks the job to stop (docker's `--stop-signal`): `SIGTERM` (default), `SIGINT`, `9`, ... */
  stopSignal: field({
    honour: 'optional',
    schema: () => v.optional(parsedString(parseStopSignal)),
    env: env('STOP_SIGNAL', 'text', 'Signal that asks the job to stop, e.g. `SIGINT` (default `SIGTERM`).'),
    doc: { type: 'string', default: '`SIGTERM`', meaning: '`--stop-signal`: `SIGINT`, `TERM`, `sigusr1`, `SIGRTMIN+3`, or a number 1 to 64; kept as written.' },
    // shown with stopTimeout
    flags: flag('--stop-signal'),
  }),
  /** Run an init process as PID 1 that forwards signals and reaps zombies (docker's `--init`). */
  init: field({
    honour: 'optional',
    schema: () => v.optional(v.boolean('must be true or false')),
    env: env('INIT', 'boolean', 'Run an init process as PID 1.'),
    doc: { type: 'boolean', default: 'false', meaning: '`--init`: an init process as PID 1 forwards signals and reaps zombies.' },
    show: yesNo,
    // `--init=false` says it when the job turns init off: the engine's own default may be on.
    flags: (init) => (init === false ? ['--init=false'] : flag('--init')(init)),
  }),
  /** Memory limit in bytes, or a docker size string (`512m`, `1g`); at least 6 MiB; `0`: no limit. */
  memory: field({
    honour: 'optional',
    schema: () => v.optional(byteSize(MIN_MEMORY_BYTES, `must be at least 6m (${MIN_MEMORY_BYTES} bytes), the engine's minimum, or 0 for no limit`)),
    env: env('MEMORY', 'text', 'Memory limit: `512m`, `1g`, ... (at least `6m`).'),
    doc: { type: 'size', default: 'no limit', meaning: "`--memory`: `512m`, `1.5g`, `64MiB`, or bytes; at least `6m` (the engine's minimum); `0` for no limit." },
    show: whenSet(bytes),
    flags: flag('--memory', formatByteSize),
  }),
  /** Memory plus swap limit (docker's `--memory-swap`): a size at least `memory`, or `-1` for unlimited swap; needs `memory`. */
  memorySwap: field({
    honour: 'optional',
    schema: () => v.optional(MemorySwap),
    env: env('MEMORY_SWAP', 'text', 'Memory plus swap limit, or `-1` for unlimited swap.'),
    doc: { type: 'size or `-1`', default: 'twice `memory`', meaning: '`--memory-swap`: memory plus swap, at least `memory`; `-1` for unlimited swap. Needs `memory`.' },
    show: whenSet((n: number) => (n === -1 ? 'unlimited swap' : bytes(n))),
    flags: flag('--memory-swap', (n: number) => (n === -1 ? '-1' : formatByteSize(n))),
  }),
  /** CPUs the job may use (docker's `--cpus`): a decimal string such as `"1.5"` (at most nine decimals) or a number (rounded to nano-CPUs); `0`: no limit. */
  cpus: field({
    honour: 'optional',
    schema: () => v.optional(Cpus),
    env: env('CPUS', 'text', 'CPUs, e.g. `1.5`.'),
    doc: { type: 'string or number', default: 'no limit', meaning: '`--cpus`: `"1.5"` (a string with at most nine decimals, converted exactly to nano-CPUs) or a number (rounded to nano-CPUs); `0` for no limit.' },
    show: whenSet(String),
    flags: flag('--cpus'),
  }),
  /** Size of `/dev/shm`, in bytes or a docker size string; `0`: the engine's default (64m). */
  shmSize: field({
    honour: 'optional',
    schema: () => v.optional(byteSize(0, '')),
    env: env('SHM_SIZE', 'text', 'Size of `/dev/shm`, e.g. `256m`.'),
    doc: { type: 'size', default: '`64m`', meaning: '`--shm-size`: size of `/dev/shm`.' },
    show: whenSet(bytes),
    flags: flag('--shm-size', formatByteSize),
  }),
  /** Most processes the job may run (docker's `--pids-limit`); `0` or `-1`: no limit. */
  pidsLimit: field({
    honour: 'optional',
    schema: () => v.optional(v.pipe(v.number('must be a number'), v.integer('must be an integer'), v.minValue(-1, 'must be -1 (no limit) or more'))),
    env: env('PIDS_LIMIT', 'integer', 'Most processes the job may run; `-1` for no limit.'),
    doc: { type: 'integer >= -1', default: 'no limit', meaning: '`--pids-limit`; `0` or `-1` for no limit.' },
    show: whenSet(String),
    flags: flag('--pids-limit'),
  }),
  /** GPUs: docker's `--gpus` syntax (`all`, `2`, `"device=0,1"`), a {@link GpuRequest}-like object, or a list of them. */
  gpus: field({
    honour: 'optional',
    schema: () => v.optional(Gpus),
    env: env('GPUS', 'gpus', 'GPUs in `docker --gpus` syntax (`all`, `2`, `"device=0,1"`; its commas are its own).'),
    doc: { type: 'string, object, or a list', default: 'none', meaning: '`--gpus`: [GPU requests](#gpus).' },
    show: whenSet((gpus: readonly Parameters<typeof formatGpuRequest>[0][]) => gpus.map(formatGpuRequest)),
    flags: each('--gpus', formatGpuRequest),
  }),
  /** Extra labels on the container. Labels under `io.docker-job.` are reserved. */
  labels: field({
    honour: 'engine',
    schema: () =>
      v.optional(
        stringRecord(
          v.pipe(v.string(), v.check((k) => !k.startsWith('io.docker-job.'), 'is reserved (io.docker-job.* labels are set by docker-job)')),
          v.pipe(v.string('must be a string'), noNul('a label')),
        ),
        {},
      ),
    env: env('LABELS', 'labels', 'Container labels (`key` alone: an empty value).'),
    doc: { type: 'record of strings', default: '`{}`', meaning: '`--label`. Keys under `io.docker-job.` are reserved.' },
    show: nonEmptyPairs,
    flags: (record) => each('--label')(pairs(record)),
  }),
  /** Container name: two or more of `[a-zA-Z0-9_.-]`, starting with a letter or digit. Without one, the engine picks a unique name. */
  name: field({
    honour: 'optional',
    schema: () => v.optional(v.pipe(v.string('must be a string'), v.regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters or more)'))),
    env: env('NAME', 'text', 'Container name.'),
    doc: { type: 'string', default: 'the engine picks', meaning: '`--name`: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (two characters or more).' },
    show: whenSet(String),
    flags: flag('--name'),
  }),
  /** Mount the container's root file system read-only (docker's `--read-only`). */
  readOnly: field({
    honour: 'optional',
    schema: () => v.optional(v.boolean('must be true or false')),
    env: env('READ_ONLY', 'boolean', 'Mount the root file system read-only.'),
    doc: { type: 'boolean', default: 'false', meaning: '`--read-only`: the root file system is mounted read-only.' },
    show: yesNo,
    flags: flag('--read-only'),
  }),
  /** Capabilities to add (`NET_ADMIN`, `CAP_SYS_PTRACE`, `ALL`); normalised to `CAP_*`, sorted, as docker does. */
  capAdd: field({
    honour: 'optional',
    schema: (o: FieldSchemaOptions) => v.optional(v.pipe(Capabilities, policyCheck(o.policy, (capAdd: string[]) => ({ capAdd, volumes: [] })))),
    env: env('CAP_ADD', 'list', 'Capabilities to add, e.g. `NET_ADMIN`.'),
    doc: { type: 'string[]', default: 'none', meaning: '`--cap-add`: `NET_ADMIN`, `cap_sys_ptrace`, `ALL`; normalised like the CLI (`CAP_NET_ADMIN`, sorted, no repeats). Unknown names are refused.' },
    show: whenSet((caps: readonly string[]) => caps.join(', ')),
    flags: each('--cap-add'),
  }),
  /** Capabilities to drop (`ALL`, `NET_RAW`); normalised like `capAdd`. */
  capDrop: field({
    honour: 'optional',
    schema: () => v.optional(Capabilities),
    env: env('CAP_DROP', 'list', 'Capabilities to drop, e.g. `ALL`.'),
    doc: { type: 'string[]', default: 'none', meaning: '`--cap-drop`: normalised like `capAdd`.' },
    show: whenSet((caps: readonly string[]) => caps.join(', ')),
    flags: each('--cap-drop'),
  }),
  /** Run privileged (every device, every capability, no confinement). */
  privileged: field({
    honour: 'optional',
    schema: (o: FieldSchemaOptions) => v.optional(v.pipe(v.boolean('must be true or false'), policyCheck(o.policy, (privileged: boolean) => ({ privileged, volumes: [] })))),
    env: env('PRIVILEGED', 'boolean', 'Run privileged.'),
    doc: { type: 'boolean', default: 'false', meaning: '`--privileged`.' },
    show: yesNo,
    flags: flag('--privileged'),
  }),
  /** PID namespace: `host` or `container:<name>` (docker's `--pid`). */
  pidMode: field({
    honour: 'optional',
    schema: (o: FieldSchemaOptions) => v.optional(v.pipe(parsedString(parsePidMode), policyCheck(o.policy, (pidMode: string) => ({ pidMode, volumes: [] })))),
    env: env('PID', 'text', 'PID namespace: `host` or `container:<name>`.'),
    doc: { type: 'string', default: 'its own', meaning: '`--pid`: `host` or `container:<name>`.' },
    show: whenSet(String),
    flags: flag('--pid'),
  }),
  /** Extra `/etc/hosts` entries (docker's `--add-host`): `host:ip`, `host=ip`, `host:host-gateway`; stored as `host:ip`. */
  extraHosts: field({
    honour: 'optional',
    schema: () => v.optional(v.array(parsedString(parseExtraHost), 'must be a list of host:ip entries')),
    env: env('EXTRA_HOSTS', 'list', '`/etc/hosts` entries, `host:ip`.'),
    doc: { type: 'string[]', default: 'none', meaning: '`--add-host`: `host:ip`, `host=ip`, `host:[ipv6]`, `host:host-gateway`; stored as `host:ip`.' },
    show: whenSet((hosts: readonly string[]) => hosts),
    flags: each('--add-host'),
  }),
  /** Give the child a TTY: output arrives as one raw stream, stdout and stderr merged (reported as `merged`). */
  tty: field({
    honour: 'optional',
    schema: () => v.optional(v.boolean('must be true or false'), false),
    env: env('TTY', 'boolean', 'Give the job a TTY (its output is then the merged stream).'),
    doc: { type: 'boolean', default: 'false', meaning: '`-t`: output then arrives as one raw stream, stdout and stderr merged, reported as the `merged` stream.' },
    show: (tty) => String(tty),
    flags: flag('-t'),
  }),
  /** When the runner removes the container: `always` (default), `on-success`, `never`. Never the engine's own auto-remove. */
  remove: field({
    honour: 'runner',
    schema: () => v.optional(RemovePolicySchema, 'always'),
    env: env('REMOVE', 'text', 'When to remove the container: `always` (default), `on-success`, `never`.'),
    doc: {
      type: '`always` \\| `on-success` \\| `never`',
      default: '`always`',
      meaning: "When the runner removes the container: always; only when the job succeeded (a failed one is kept for inspection); never. The runner removes it itself after reading every byte and the exit code; the engine's own auto-remove is never used.",
    },
    show: (remove) => remove,
    flags: (remove) => (remove === 'always' ? ['--rm'] : []),
  }),
  /**
   * The engine's log driver for the container (docker's `--log-driver`): `json-file`, `local`,
   * `none`, or any driver the engine has. Default: the engine's own (usually `json-file`).
   * `none` is the fast path: docker-job still receives every byte, but the engine keeps no copy,
   * so there is no `docker logs` afterwards and no way to resume after a dropped connection.
   * See docs/logging.md.
   */
  logDriver: field({
    honour: 'optional',
    schema: () => v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_.:/-]*$/, 'must be a log driver name such as json-file, local or none'))),
    env: env('LOG_DRIVER', 'text', "The engine's log driver: `json-file`, `local`, `none` (the fast path: no copy kept by the engine), ..."),
    doc: { type: 'string', default: "engine's default", meaning: "The engine's log driver for the container (`json-file`, `local`, `none`, ...). `none` is the fast path; see [logging.md](logging.md#the-engines-log-driver-the-fast-path-for-big-outputs) for what it gives up." },
    show: whenSet(String),
    flags: flag('--log-driver'),
  }),
  /** Options of the log driver (docker's `--log-opt`), e.g. `{ "max-size": "10m" }`. */
  logOptions: field({
    honour: 'optional',
    schema: () =>
      v.optional(stringRecord(v.pipe(v.string(), v.nonEmpty('must not be empty (expected an option name such as max-size)')), v.pipe(v.string('must be a string'), noNul('a log option')))),
    env: env('LOG_OPTS', 'labels', 'Log driver options.'),
    doc: { type: '`{ [name]: string }`', default: '—', meaning: 'The log driver\'s options (docker\'s `--log-opt`), e.g. `{ "max-size": "10m" }`.' },
    show: nonEmptyPairs,
    flags: (record) => each('--log-opt')(pairs(record ?? {})),
  }),
};

type Fields = typeof JOB_FIELDS;

/** The name of a job field. */
export type JobField = keyof Fields;

/** The schema entries of a job, one per row of {@link JOB_FIELDS} (each keeps its row's doc comment). */
export type JobEntries = { [K in JobField]: ReturnType<Fields[K]['schema']> };

/**
 * A job as callers write it: the input type of the job schema, which checks every field. Only
 * `image` is required.
 */
// An interface over the schema's entries (see schema-types.ts), so each field keeps its one comment.
export interface JobConfig extends EntriesInput<JobEntries> {}

/**
 * A validated job: defaults applied, commands split into argv, volumes and GPU requests as objects,
 * sizes in bytes, capabilities normalised, env files merged into `env` (their paths kept in
 * `envFile`). The output type of the job schema. A resolved job is itself a valid
 * {@link JobConfig} and parses to itself, without its env files being read again. Those
 * {@link parseJobConfig} returns are deep-frozen (see {@link isResolvedJob}); change a copy and
 * parse it.
 */
export interface ResolvedJob extends EntriesOutput<JobEntries> {}

/** The fields with the given honour. */
type FieldsHonouredBy<H extends FieldHonour> = { [K in JobField]: Fields[K]['honour'] extends H ? K : never }[JobField];

/** The fields that reach an engine in its {@link JobSpec}: every field but those docker-job honours itself. */
export type SpecField = FieldsHonouredBy<'engine' | 'optional'>;

/** The fields an engine honours only when its capabilities say so. */
export type OptionalField = FieldsHonouredBy<'optional'>;

/**
 * Which {@link OptionalField}s an engine honours: `true`, or a note for the docs on how (`as a host
 * path on the node`). A field that is absent is refused when a job sets it.
 */
export type FieldSupport = { readonly [K in OptionalField]?: true | string };

/** Every field, in table order. */
export const JOB_FIELD_NAMES = Object.keys(JOB_FIELDS) as JobField[];

/** The fields docker-job passes to the engine, in table order. */
export const SPEC_FIELDS = JOB_FIELD_NAMES.filter((f): f is SpecField => JOB_FIELDS[f].honour !== 'runner');

/** The fields of a job's schema for the given options: what `createJobConfigSchema` wraps. */
export function jobEntries(options: FieldSchemaOptions): JobEntries {
  return Object.fromEntries(JOB_FIELD_NAMES.map((f) => [f, JOB_FIELDS[f].schema(options)])) as JobEntries;
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

/**
 * Whether a value asks an engine for something: not absent, `false`, `0` or empty. A job asks an
 * engine only for what it sets; `readOnly: false` or `volumes: []` every engine honours.
 */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return true;
}

/**
 * The issues of a job that sets fields its engine cannot honour: one per field, naming it (or the
 * variable it came from, `variableOf`), and what the engine is. Pure.
 */
export function unsupportedFieldIssues(job: Readonly<Record<string, unknown>>, engine: { readonly name: string; readonly fields: FieldSupport }, variableOf: (field: JobField) => string | undefined = () => undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const f of SPEC_FIELDS) {
    if (JOB_FIELDS[f].honour !== 'optional' || engine.fields[f as OptionalField] !== undefined || !isSet(job[f])) continue;
    const variable = variableOf(f);
    issues.push({
      path: variable ?? f,
      message: `${variable === undefined ? 'is' : `sets ${f}, which is`} not supported by the ${engine.name}: it cannot honour it, and docker-job does not drop a setting silently`,
      expected: `no ${f} on this engine, or an engine that supports it (docs/engines.md lists what each supports)`,
    });
  }
  return issues;
}
