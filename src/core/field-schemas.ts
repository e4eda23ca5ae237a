/**
 * The schemas of the job fields that need more than one line: volumes, GPU requests, sizes, CPUs,
 * capabilities, env-file paths, and the policy check that runs on one field's value. The field
 * table (job-fields.ts) puts them together. Pure.
 */
import * as v from 'valibot';
import { parseCapabilities } from './docker-options.js';
import { parseGpuRequest, type GpuRequest } from './gpus.js';
import { checkJobPolicy, type JobPolicy, type PolicySubject } from './policy.js';
import { noNul, oneOrMany, parsedString, stringRecord } from './schema-helpers.js';
import type { EntriesInput } from './schema-types.js';
import { parseByteSize, parseNanoCpus } from './units.js';
import { bindSourceKind, checkVolumeMount, MOUNT_CONSISTENCIES, MOUNT_PROPAGATIONS, normalizedTarget, parseVolumeSpec, resolvePath, resolveVolumeMount, type VolumeMount } from './volumes.js';

/** What the schemas of a job depend on: see `ParseOptions`. */
export interface FieldSchemaOptions {
  /** Absolute directory relative host paths are resolved against. */
  readonly baseDir?: string | undefined;
  /** The policy dangerous options are checked against. */
  readonly policy?: JobPolicy | undefined;
}

/**
 * Runs the policy on one field's value alone (`subject` puts it in a {@link PolicySubject}), so
 * that its issues come with every other issue of the job, not only once the rest is valid.
 */
export function policyCheck<T>(policy: JobPolicy | undefined, subject: (value: T) => PolicySubject) {
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

/** A size in bytes: a number, or a string in docker's syntax (`512m`, `1.5g`). */
export function byteSize(min: number, minMessage: string) {
  return v.lazy((input) =>
    typeof input === 'string'
      ? v.pipe(parsedString(parseByteSize), v.check((n) => n === 0 || n >= min, minMessage))
      : v.pipe(v.number('must be a size such as 512m, or a number of bytes'), v.integer('must be a whole number of bytes'), v.check((n) => n === 0 || n >= min, minMessage)),
  );
}

/** Memory plus swap: a size, or `-1` (number or string) for unlimited swap. */
export const MemorySwap = v.lazy((input) => (input === -1 || input === '-1' ? v.pipe(v.union([v.literal(-1), v.literal('-1')]), v.transform((): number => -1)) : byteSize(0, '')));

/** CPUs: a decimal string (at most nine decimals, exact) or a number (rounded to nano-CPUs); resolved to a number of CPUs. */
export const Cpus = v.pipe(
  v.union([v.string(), v.number()], 'must be a number of CPUs such as 1.5'),
  v.rawTransform<string | number, number>(({ dataset, addIssue, NEVER }) => {
    const parsed = parseNanoCpus(typeof dataset.value === 'string' ? dataset.value.trim() : dataset.value);
    if (!parsed.ok) {
      addIssue({ message: parsed.message, expected: parsed.expected });
      return NEVER;
    }
    return parsed.value / 1e9;
  }),
);

/** Capability names, normalised as the docker CLI normalises them. */
export const Capabilities = v.pipe(
  v.array(v.string('must be a string'), 'must be a list of capabilities'),
  v.rawTransform<string[], string[]>(({ dataset, addIssue, NEVER }) => {
    const result = parseCapabilities(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  }),
);

/** An environment variable name. */
export const EnvName = v.pipe(v.string(), v.regex(/^[^=\0]+$/, 'must be a non-empty name without "=" or NUL'));

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

/** Why a relative path cannot be resolved. */
function noBaseDir(baseDir: string | undefined): string {
  return baseDir === undefined ? 'no baseDir to resolve it against' : `a baseDir "${baseDir}" that is not absolute`;
}

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
export function volumes({ baseDir, policy }: FieldSchemaOptions) {
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

/** GPU requests: one or a list, each a `--gpus` string or an object. */
export const Gpus = oneOrMany(
  v.lazy((input) => (typeof input === 'string' ? parsedString(parseGpuRequest) : GpuObject)),
  'must be a GPU request or a list of them',
);

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
export function envFiles({ baseDir }: FieldSchemaOptions) {
  return oneOrMany(envFilePath(baseDir), 'must be a path or a list of paths');
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}
