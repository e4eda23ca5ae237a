import { formatCommand } from './command.js';
import { formatGpuRequest } from './gpus.js';
import { effectivePullPolicy, type ResolvedJob } from './job-config.js';
import { MASK, maskSecrets, secretNameMatcher, secretValues } from './secrets.js';
import { formatByteSize } from './units.js';
import { formatVolumeSpec } from './volumes.js';

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
  const { env, labels } = shown;
  const pull = effectivePullPolicy(job);

  const json = JSON.parse(
    JSON.stringify({ ...shown, pull }, (_key, value: unknown) => (typeof value === 'string' ? mask(value) : value)),
  ) as { [key: string]: JsonValue };

  const rows: [string, string[]][] = [];
  const row = (name: string, ...values: string[]) => rows.push([name, values.map(mask)]);
  row('image', job.image);
  row('pull', job.pull === undefined ? `${pull} (default for ${pull === 'always' ? 'a latest or untagged' : 'a tagged or pinned'} image)` : pull);
  if (job.platform !== undefined) row('platform', job.platform);
  if (job.name !== undefined) row('name', job.name);
  row('entrypoint', job.entrypoint === undefined ? "(the image's)" : job.entrypoint.length === 0 ? '(none)' : formatCommand(job.entrypoint));
  row('command', job.command === undefined ? "(the image's)" : formatCommand(job.command));
  if (job.workdir !== undefined) row('workdir', job.workdir);
  if (job.user !== undefined) row('user', job.user);
  if (Object.keys(env).length > 0) row('env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`));
  if (job.envFile !== undefined) row('envFile', ...job.envFile.map((p) => `${p} (merged into env)`));
  if (job.volumes.length > 0) row('volumes', ...job.volumes.map(formatVolumeSpec));
  if (job.network !== undefined) row('network', job.network);
  if (job.memory !== undefined) row('memory', bytes(job.memory));
  if (job.memorySwap !== undefined) row('memorySwap', job.memorySwap === -1 ? 'unlimited swap' : bytes(job.memorySwap));
  if (job.cpus !== undefined) row('cpus', String(job.cpus));
  if (job.shmSize !== undefined) row('shmSize', bytes(job.shmSize));
  if (job.pidsLimit !== undefined) row('pidsLimit', String(job.pidsLimit));
  if (shown.gpus !== undefined) row('gpus', ...shown.gpus.map(formatGpuRequest));
  if (job.readOnly !== undefined) row('readOnly', String(job.readOnly));
  if (job.capAdd !== undefined) row('capAdd', job.capAdd.join(', '));
  if (job.capDrop !== undefined) row('capDrop', job.capDrop.join(', '));
  if (job.privileged !== undefined) row('privileged', String(job.privileged));
  if (job.pidMode !== undefined) row('pidMode', job.pidMode);
  if (job.extraHosts !== undefined) row('extraHosts', ...job.extraHosts);
  if (job.init !== undefined) row('init', String(job.init));
  if (Object.keys(labels).length > 0) row('labels', ...Object.entries(labels).map(([k, v]) => `${k}=${v}`));
  row('tty', String(job.tty));
  if (job.timeoutMs !== undefined) row('timeoutMs', `${job.timeoutMs} ms`);
  row('stop', `${job.stopSignal ?? 'SIGTERM'}, then SIGKILL after ${job.stopTimeout} s`);
  row('remove', job.remove);
  if (job.logDriver !== undefined) row('logDriver', job.logDriver);
  if (shown.logOptions !== undefined && Object.keys(shown.logOptions).length > 0) row('logOptions', ...Object.entries(shown.logOptions).map(([k, v]) => `${k}=${v}`));
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  const text = rows.map(([name, values]) => values.map((v, i) => (i === 0 ? name.padEnd(width) : ' '.repeat(width)) + v).join('\n')).join('\n');

  return { json, text, dockerRun: formatCommand(dockerRunArgs(shown, pull).map(mask)) };
}

function bytes(n: number): string {
  return n === 0 ? '0 (no limit)' : `${formatByteSize(n)} (${n} bytes)`;
}

/** The `docker run` arguments of a job. */
function dockerRunArgs(job: ResolvedJob, pull: string): string[] {
  const args = ['docker', 'run'];
  const flag = (name: string, value: string | number | boolean | undefined) => {
    if (value === undefined || value === false) return;
    if (value === true) args.push(name);
    else args.push(name, String(value));
  };
  if (job.remove === 'always') flag('--rm', true);
  flag('--pull', pull);
  flag('--platform', job.platform);
  flag('--name', job.name);
  for (const [k, v] of Object.entries(job.env)) flag('-e', `${k}=${v}`);
  for (const mount of job.volumes) flag('-v', formatVolumeSpec(mount));
  flag('-w', job.workdir);
  flag('-u', job.user);
  flag('--network', job.network);
  flag('--memory', job.memory === undefined ? undefined : formatByteSize(job.memory));
  flag('--memory-swap', job.memorySwap === undefined ? undefined : job.memorySwap === -1 ? '-1' : formatByteSize(job.memorySwap));
  flag('--cpus', job.cpus);
  flag('--shm-size', job.shmSize === undefined ? undefined : formatByteSize(job.shmSize));
  flag('--pids-limit', job.pidsLimit);
  for (const gpu of job.gpus ?? []) flag('--gpus', formatGpuRequest(gpu));
  flag('--read-only', job.readOnly);
  for (const cap of job.capAdd ?? []) flag('--cap-add', cap);
  for (const cap of job.capDrop ?? []) flag('--cap-drop', cap);
  flag('--privileged', job.privileged);
  flag('--pid', job.pidMode);
  for (const host of job.extraHosts ?? []) flag('--add-host', host);
  // `--init=false` says it when the job turns init off: the engine's own default may be on.
  if (job.init === false) args.push('--init=false');
  else flag('--init', job.init);
  for (const [k, v] of Object.entries(job.labels)) flag('--label', `${k}=${v}`);
  flag('-t', job.tty);
  flag('--stop-timeout', job.stopTimeout);
  flag('--stop-signal', job.stopSignal);
  flag('--log-driver', job.logDriver);
  for (const [k, v] of Object.entries(job.logOptions ?? {})) flag('--log-opt', `${k}=${v}`);
  const [first, ...restOfEntrypoint] = job.entrypoint ?? [];
  if (job.entrypoint !== undefined) flag('--entrypoint', first ?? '');
  args.push(job.image, ...restOfEntrypoint, ...(job.command ?? []));
  return args;
}
