import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { safeParseJobConfig, type ParseOptions } from './job-config.js';
import { JOB_FIELD_NAMES, JOB_FIELDS, SETTING_PREFIX, type EnvSettingKind, type JobField, type ResolvedJob } from './job-fields.js';
import { maskIssue } from './schema-helpers.js';
import { secretNameMatcher, secretValues } from './secrets.js';
export { SETTING_PREFIX, type EnvSettingKind } from './job-fields.js';
import { MOUNT_CONSISTENCIES, MOUNT_PROPAGATIONS } from './volumes.js';

/** Suffix that marks a variable as one to hand to the child. */
export const CHILD_ENV_SUFFIX = '_ENV';

/**
 * Variables ending in `_ENV` that runtimes, shells, environment managers and CI runners set on the
 * launcher's own process: never passed to the child, even though their names end in `_ENV`.
 * `NODE_ENV` and `BABEL_ENV` (Node.js), `BASH_ENV` (a file bash runs at start), `VIRTUAL_ENV`,
 * `PYENV_VIRTUAL_ENV` and `CONDA_DEFAULT_ENV` (a Python worker's environment), `GITHUB_ENV` (a
 * file on the GitHub Actions runner).
 */
export const RUNTIME_ENV_NAMES: readonly string[] = ['NODE_ENV', 'BABEL_ENV', 'BASH_ENV', 'VIRTUAL_ENV', 'PYENV_VIRTUAL_ENV', 'CONDA_DEFAULT_ENV', 'GITHUB_ENV'];

/** Options of {@link configFromEnv}: those of {@link parseJobConfig}, and how `_ENV` variables are passed. */
export interface ConfigFromEnvOptions extends ParseOptions {
  /** Pass `DB_HOST_ENV=x` to the child as `DB_HOST=x` instead of unchanged. Default `false`. */
  readonly stripEnvSuffix?: boolean;
  /** The `_ENV` names that belong to the launcher, not the job. Default {@link RUNTIME_ENV_NAMES}; replaces it when given. */
  readonly runtimeEnvNames?: readonly string[];
}

/** One variable {@link configFromEnv} reads, besides the `_ENV` ones. */
export interface EnvSetting {
  /** The variable's name, e.g. `DOCKER_JOB_MEMORY`. */
  readonly variable: string;
  /** The {@link JobConfig} field it sets. */
  readonly field: JobField;
  /** How its text is read. */
  readonly kind: EnvSettingKind;
  /** What it means, for help texts. */
  readonly description: string;
}

/**
 * Every variable {@link configFromEnv} reads, besides the `_ENV` ones: `IMAGE`, `COMMAND` and
 * `VOLUMES` from the original proxy, then every other setting under {@link SETTING_PREFIX}, in the
 * order of the field table.
 */
export const ENV_SETTINGS: readonly EnvSetting[] = JOB_FIELD_NAMES.flatMap((field): EnvSetting[] => {
  const binding = JOB_FIELDS[field].env;
  return binding === undefined ? [] : [{ variable: binding.variable, field, kind: binding.kind, description: binding.description }];
}).sort((a, b) => Number(a.variable.startsWith(SETTING_PREFIX)) - Number(b.variable.startsWith(SETTING_PREFIX)));

const BY_FIELD = new Map<string, EnvSetting>(ENV_SETTINGS.map((s) => [s.field, s]));
const PREFIXED = new Set(ENV_SETTINGS.filter((s) => s.variable.startsWith(SETTING_PREFIX)).map((s) => s.variable.slice(SETTING_PREFIX.length)));
const MOUNT_OPTION_WORDS = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', ...MOUNT_PROPAGATIONS, ...MOUNT_CONSISTENCIES]);

/**
 * Turns an environment into a job, following the proxy's conventions:
 *
 * - `IMAGE` (required), `COMMAND` and `VOLUMES`, as in the original proxy;
 * - every variable whose name ends in `_ENV` reaches the child under the same name and value
 *   (`DB_NAME_ENV=analytics`; `{ stripEnvSuffix: true }` passes `DB_NAME=analytics`), except the
 *   launcher's own runtime variables ({@link RUNTIME_ENV_NAMES}) and `DOCKER_JOB_*` variables;
 * - every other setting under the `DOCKER_JOB_` prefix ({@link ENV_SETTINGS}), never under a bare
 *   name such as `USER`, `NAME` or `TIMEOUT` that shells and runtimes set on their own. An unknown
 *   `DOCKER_JOB_` variable within two typing errors of a known one is refused as a likely typo;
 *   others are left alone (other tools may use the prefix).
 *
 * Empty or blank settings are ignored. A bare `NAME` line in an env file takes its value from
 * `env`. Pure: reads only the record it is given (pass `process.env` yourself), and the env files
 * it names.
 *
 * @throws {ConfigError} naming every variable that is missing or malformed, never echoing the value
 *   of a secret-looking variable.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, options: ConfigFromEnvOptions = {}): ResolvedJob {
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};

  const image = env['IMAGE'];
  if (image === undefined || image.trim() === '') {
    issues.push({ path: 'IMAGE', message: image === undefined ? 'is not set' : 'is empty', expected: 'the image to run, e.g. IMAGE=python:3.12-slim' });
  }
  for (const s of ENV_SETTINGS) {
    const raw = env[s.variable];
    if (raw === undefined || raw.trim() === '') continue;
    const read = readSetting(raw.trim(), s);
    if ('issue' in read) issues.push(read.issue);
    // One env file is passed as a path, so its issues name DOCKER_JOB_ENV_FILE, not DOCKER_JOB_ENV_FILE[0].
    else config[s.field] = s.field === 'envFile' && Array.isArray(read.value) && read.value.length === 1 ? read.value[0] : read.value;
  }
  for (const name of Object.keys(env)) {
    if (!name.startsWith(SETTING_PREFIX) || name.endsWith(CHILD_ENV_SUFFIX)) continue;
    const suffix = name.slice(SETTING_PREFIX.length);
    if (PREFIXED.has(suffix)) continue;
    const near = [...PREFIXED].filter((known) => editDistance(suffix, known) <= 2);
    if (near.length > 0) {
      issues.push({ path: name, message: 'is not a docker-job setting', expected: near.map((n) => SETTING_PREFIX + n).join(' or ') });
    }
  }

  const runtime = new Set(options.runtimeEnvNames ?? RUNTIME_ENV_NAMES);
  const childEnv: Record<string, string> = {};
  const childNames = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.endsWith(CHILD_ENV_SUFFIX) || name === CHILD_ENV_SUFFIX) continue;
    if (runtime.has(name) || name.startsWith(SETTING_PREFIX)) continue;
    const childName = options.stripEnvSuffix ? name.slice(0, -CHILD_ENV_SUFFIX.length) : name;
    childEnv[childName] = value;
    childNames.set(childName, name);
  }
  config['env'] = childEnv;

  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const secrets = [...(options.secrets ?? []), ...secretValues(strings, secretNameMatcher(options.secretWords))];
  // The schema checks every other setting even when IMAGE is missing, so one error names every
  // variable at fault; the stand-in image is never reported (IMAGE already is).
  if (config['image'] === undefined) config['image'] = 'image-missing';
  const result = safeParseJobConfig(config, { ...options, lookupEnv: options.lookupEnv ?? env, secrets });
  if (result.success && issues.length === 0) {
    fromEnvironment.add(result.job);
    return result.job;
  }
  // A variable already reported above is not reported twice; the placeholder image is never reported.
  const reported = new Set(issues.map((i) => i.path));
  const schemaIssues = result.success ? [] : result.issues.map((i) => toEnvIssue(i, childNames)).filter((i) => !reported.has(i.path));
  throw new ConfigError([...issues, ...schemaIssues].map((i) => maskIssue(i, secrets)));
}

/** The jobs {@link configFromEnv} made: their problems are reported by the variables they came from. */
const fromEnvironment = new WeakSet<object>();

/**
 * The variable a field of `job` came from, when {@link configFromEnv} made the job
 * (`DOCKER_JOB_SHM_SIZE` for `shmSize`); `undefined` otherwise. So that a problem found later (an
 * engine that cannot honour the field) names what the user typed. @internal
 */
export function variableOf(job: object, field: JobField): string | undefined {
  return fromEnvironment.has(job) ? BY_FIELD.get(field)?.variable : undefined;
}

type Read = { value: unknown } | { issue: ConfigIssue };

function readSetting(text: string, s: EnvSetting): Read {
  const name = s.variable;
  switch (s.kind) {
    case 'text':
      return { value: text };
    case 'command':
      return text.startsWith('[') ? jsonStrings(text, name) : { value: text };
    case 'list':
      return text.startsWith('[') ? jsonStrings(text, name) : { value: splitList(text) };
    case 'volumes':
      return text.startsWith('[') ? jsonStrings(text, name) : { value: joinMountOptions(splitList(text)) };
    case 'gpus':
      return text.startsWith('[') ? jsonStrings(text, name) : { value: text };
    case 'integer':
      return /^-?\d+$/.test(text) ? { value: Number(text) } : { issue: { path: name, message: 'is not a whole number', expected: 'digits only, e.g. 30000' } };
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes'].includes(lower)) return { value: true };
      if (['false', '0', 'no'].includes(lower)) return { value: false };
      return { issue: { path: name, message: 'is not a boolean', expected: 'true or false (or 1/0, yes/no)' } };
    }
    case 'labels':
      return text.startsWith('{') ? jsonLabels(text, name) : { value: Object.fromEntries(splitList(text).map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, '']))) };
  }
}

/** Items separated by commas or newlines, trimmed, empty ones dropped. */
function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * In a comma-separated VOLUMES, `/a:/a:ro,z` splits into `/a:/a:ro` and `z`: an item that is a
 * mount option word continues the previous spec's options (no valid spec is a bare option word).
 */
function joinMountOptions(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const previous = out.at(-1);
    if (previous !== undefined && MOUNT_OPTION_WORDS.has(item) && previous.split(':').length >= 3) out[out.length - 1] = `${previous},${item}`;
    else out.push(item);
  }
  return out;
}

function jsonStrings(text: string, variable: string): Read {
  const parsed = parseJson(text, variable, 'a JSON list of strings, e.g. ["a","b"]');
  if ('issue' in parsed) return parsed;
  if (!Array.isArray(parsed.value)) return { issue: { path: variable, message: 'is JSON but not a list', expected: 'a JSON list of strings' } };
  const bad = parsed.value.findIndex((item) => typeof item !== 'string');
  if (bad !== -1) {
    return { issue: { path: `${variable}[${bad}]`, message: `is ${describeJson(parsed.value[bad])}, not a string`, expected: 'every item a string' } };
  }
  return parsed;
}

function jsonLabels(text: string, variable: string): Read {
  const parsed = parseJson(text, variable, 'a JSON object of strings, e.g. {"team":"data"}');
  if ('issue' in parsed) return parsed;
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    return { issue: { path: variable, message: 'is JSON but not an object', expected: 'a JSON object of strings' } };
  }
  return parsed;
}

function parseJson(text: string, variable: string, expected: string): { value: unknown } | { issue: ConfigIssue } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    // The engine's message quotes the input; report only where it broke.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` at character ${Number(position) + 1}`;
    return { issue: { path: variable, message: `starts with "${text[0]}" but is not valid JSON${where}`, expected } };
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

/** Maps a config field path back to the variable it came from, so errors name what the user typed. */
function toEnvIssue(issue: ConfigIssue, childNames: ReadonlyMap<string, string>): ConfigIssue {
  const head = /^[A-Za-z]+/.exec(issue.path)?.[0] ?? issue.path;
  const rest = issue.path.slice(head.length);
  if (head === 'env') {
    const name = rest.slice(1);
    return { ...issue, path: childNames.get(name) ?? name };
  }
  const s = BY_FIELD.get(head);
  return { ...issue, path: s ? s.variable + rest : issue.path };
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}
