import { formatCommand } from './command.js';
import { effectivePullPolicy, JOB_FIELD_NAMES, JOB_FIELDS, type JobField, type ResolvedJob } from './job-fields.js';
import { MASK, maskSecrets, secretNameMatcher, secretValues } from './secrets.js';

/** Options of {@link describeJob}. */
export interface DescribeJobOptions {
  /** Words that make a variable or label name look secret (see {@link secretNameMatcher}). */
  readonly secretWords?: readonly string[];
  /** Further values to mask wherever they appear (a password that sits in a non-secret-looking variable). */
  readonly secrets?: readonly string[];
}

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A resolved job as it can be shown: secrets masked everywhere. */
export interface JobDescription {
  /**
   * The job as plain JSON: the fields of the {@link ResolvedJob}, with `pull` the policy it will
   * run with ({@link effectivePullPolicy}) and secret values replaced by `***`.
   */
  readonly json: { readonly [key: string]: JsonValue };
  /** The same, as aligned text, one field per line. */
  readonly text: string;
  /**
   * The `docker run` command line that runs the same job: one flag per field (`--rm` when the
   * container is always removed; a multi-word entrypoint becomes `--entrypoint` plus its other
   * words before the command; the env files' variables are among the `-e`). `timeoutMs` and a
   * `remove` of `on-success` have no `docker run` flag: docker-job does them itself.
   */
  readonly dockerRun: string;
}

/**
 * Renders a resolved job for people and logs (the CLI's dry run, debug output): as JSON, as text
 * and as the equivalent `docker run` command line. The values of secret-looking names are masked
 * (variables, labels, log driver options such as `splunk-token`, GPU driver options), and so is
 * every occurrence of such a value, or of one of `options.secrets`, elsewhere (in the command, a
 * volume, another option). Pure.
 */
export function describeJob(job: ResolvedJob, options: DescribeJobOptions = {}): JobDescription {
  const isSecret = secretNameMatcher(options.secretWords);
  // Every record keyed by names: the job's variables, its labels, its log driver's options (a
  // `splunk-token`), its GPU requests' driver options.
  const records = [job.env, job.labels, job.logOptions ?? {}, ...(job.gpus ?? []).map((gpu) => gpu.options)];
  const secrets = [...(options.secrets ?? []), ...records.flatMap((record) => secretValues(record, isSecret))];
  const mask = (text: string) => maskSecrets(text, secrets);
  const maskRecord = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, isSecret(k) ? MASK : mask(v)]));
  const shown: ResolvedJob = {
    ...job,
    env: maskRecord(job.env),
    labels: maskRecord(job.labels),
    ...(job.logOptions === undefined ? {} : { logOptions: maskRecord(job.logOptions) }),
    ...(job.gpus === undefined ? {} : { gpus: job.gpus.map((gpu) => ({ ...gpu, options: maskRecord(gpu.options) })) }),
  };
  const pull = effectivePullPolicy(job);

  const json = JSON.parse(
    JSON.stringify({ ...shown, pull }, (_key, value: unknown) => (typeof value === 'string' ? mask(value) : value)),
  ) as { [key: string]: JsonValue };

  const rows: [string, string[]][] = [];
  for (const name of JOB_FIELD_NAMES) {
    const lines = showField(name, shown);
    if (lines === undefined || lines.length === 0) continue;
    rows.push([JOB_FIELDS[name].label ?? name, (typeof lines === 'string' ? [lines] : [...lines]).map(mask)]);
  }
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  const text = rows.map(([name, values]) => values.map((v, i) => (i === 0 ? name.padEnd(width) : ' '.repeat(width)) + v).join('\n')).join('\n');

  return { json, text, dockerRun: formatCommand(dockerRunArgs(shown).map(mask)) };
}

/** A field's lines, from its row of the table. */
function showField<K extends JobField>(name: K, job: ResolvedJob): string | readonly string[] | undefined {
  const show = JOB_FIELDS[name].show as ((value: ResolvedJob[K], job: ResolvedJob) => string | readonly string[] | undefined) | undefined;
  return show?.(job[name], job);
}

/** A field's `docker run` flags, from its row of the table. */
function fieldFlags<K extends JobField>(name: K, job: ResolvedJob): readonly string[] {
  const flags = JOB_FIELDS[name].flags as ((value: ResolvedJob[K], job: ResolvedJob) => readonly string[]) | undefined;
  return flags?.(job[name], job) ?? [];
}

/**
 * The `docker run` arguments of a job: every field's flags in table order, then the image, the
 * entrypoint's other words and the command (a multi-word entrypoint is `--entrypoint` plus words
 * before the command, as `docker run` takes it).
 */
function dockerRunArgs(job: ResolvedJob): string[] {
  const args = ['docker', 'run', ...JOB_FIELD_NAMES.flatMap((name) => fieldFlags(name, job))];
  const [first, ...restOfEntrypoint] = job.entrypoint ?? [];
  if (job.entrypoint !== undefined) args.push('--entrypoint', first ?? '');
  args.push(job.image, ...restOfEntrypoint, ...(job.command ?? []));
  return args;
}
