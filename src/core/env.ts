import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { safeParseJobConfig, type ResolvedJob } from './job-config.js';

/** Suffix that marks a variable as one to hand to the child. */
export const CHILD_ENV_SUFFIX = '_ENV';

/** Prefix of every docker-job setting read from the environment, besides IMAGE, COMMAND and VOLUMES. */
export const SETTING_PREFIX = 'DOCKER_JOB_';

/**
 * Variables ending in `_ENV` that belong to the launcher's own runtime, not to the job: they are
 * never passed to the child, even though their names end in `_ENV`.
 */
export const RUNTIME_ENV_NAMES: readonly string[] = ['NODE_ENV'];

/** Options of {@link configFromEnv}. */
export interface ConfigFromEnvOptions {
  /** Pass `DB_HOST_ENV=x` to the child as `DB_HOST=x` instead of unchanged. Default `false`. */
  readonly stripEnvSuffix?: boolean;
}

const SETTINGS = {
  ENTRYPOINT: 'entrypoint',
  WORKDIR: 'workdir',
  USER: 'user',
  NETWORK: 'network',
  NAME: 'name',
  PULL: 'pull',
  LOG_DRIVER: 'logDriver',
} as const;

const INTEGER_SETTINGS = {
  TIMEOUT_MS: 'timeoutMs',
  STOP_TIMEOUT: 'stopTimeout',
} as const;

/**
 * Turns an environment into a job, following the proxy's conventions:
 *
 * - `IMAGE` (required): the image to run.
 * - `COMMAND`: the command, as a JSON array (`["python","main.py"]`) or a shell-like string.
 * - `VOLUMES`: `docker run -v` specs, as a JSON list (`["/host:/container"]`) or separated by commas
 *   or newlines.
 * - every variable whose name ends in `_ENV` reaches the child unchanged (`DB_NAME_ENV=analytics`),
 *   except the launcher's own runtime variables ({@link RUNTIME_ENV_NAMES}, e.g. `NODE_ENV`).
 * - further settings under the `DOCKER_JOB_` prefix: `DOCKER_JOB_ENTRYPOINT`, `DOCKER_JOB_WORKDIR`,
 *   `DOCKER_JOB_USER`, `DOCKER_JOB_NETWORK`, `DOCKER_JOB_NAME`, `DOCKER_JOB_PULL`, `DOCKER_JOB_LOG_DRIVER`,
 *   `DOCKER_JOB_TIMEOUT_MS`, `DOCKER_JOB_STOP_TIMEOUT`.
 *
 * Pure: reads only the record it is given.
 * @throws {ConfigError} naming every variable that is missing or malformed.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, options: ConfigFromEnvOptions = {}): ResolvedJob {
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};

  const image = env['IMAGE'];
  if (image === undefined || image.trim() === '') {
    issues.push({ path: 'IMAGE', message: image === undefined ? 'is not set' : 'is empty', expected: 'the image to run, e.g. IMAGE=python:3.12-slim' });
  } else config['image'] = image.trim();

  const command = env['COMMAND'];
  if (command !== undefined && command.trim() !== '') {
    const parsed = parseListOrString(command, 'COMMAND');
    if (parsed.issue) issues.push(parsed.issue);
    else config['command'] = parsed.value;
  }

  const volumes = env['VOLUMES'];
  if (volumes !== undefined && volumes.trim() !== '') {
    const parsed = parseVolumesVar(volumes);
    if (parsed.issue) issues.push(parsed.issue);
    else config['volumes'] = parsed.value;
  }

  for (const [suffix, field] of Object.entries(SETTINGS)) {
    const name = SETTING_PREFIX + suffix;
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (field !== 'entrypoint') config[field] = value;
    else {
      const parsed = parseListOrString(value, name);
      if (parsed.issue) issues.push(parsed.issue);
      else config[field] = parsed.value;
    }
  }
  for (const [suffix, field] of Object.entries(INTEGER_SETTINGS)) {
    const name = SETTING_PREFIX + suffix;
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!/^\d+$/.test(value.trim())) issues.push({ path: name, message: 'is not a whole number', expected: 'digits only, e.g. 30000' });
    else config[field] = Number(value.trim());
  }

  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.endsWith(CHILD_ENV_SUFFIX) || name === CHILD_ENV_SUFFIX) continue;
    if (RUNTIME_ENV_NAMES.includes(name) || name.startsWith(SETTING_PREFIX)) continue;
    childEnv[options.stripEnvSuffix ? name.slice(0, -CHILD_ENV_SUFFIX.length) : name] = value;
  }
  config['env'] = childEnv;

  // The schema checks the rest, so one error names every variable at fault. A variable already
  // reported above (IMAGE missing, say) is not reported twice.
  const result = safeParseJobConfig(config);
  if (result.success && issues.length === 0) return result.job;
  const reported = new Set(issues.map((i) => i.path));
  const schemaIssues = result.success ? [] : result.issues.map(toEnvIssue).filter((i) => !reported.has(i.path));
  throw new ConfigError([...issues, ...schemaIssues]);
}

/** Maps a config field path back to the variable it came from, so errors name what the user typed. */
function toEnvIssue(issue: ConfigIssue): ConfigIssue {
  const head = issue.path.split(/[.[]/)[0] ?? issue.path;
  const variable =
    head === 'image' ? 'IMAGE'
    : head === 'command' ? 'COMMAND'
    : head === 'volumes' ? `VOLUMES${issue.path.slice('volumes'.length)}`
    : head === 'env' ? `${issue.path.slice('env.'.length)}`
    : `${SETTING_PREFIX}${[...Object.entries(SETTINGS), ...Object.entries(INTEGER_SETTINGS)].find(([, f]) => f === head)?.[0] ?? head}`;
  return { ...issue, path: variable };
}

type Parsed = { value: string | string[]; issue?: undefined } | { value?: undefined; issue: ConfigIssue };

function parseListOrString(raw: string, variable: string): Parsed {
  const text = raw.trim();
  if (!text.startsWith('[')) return { value: text };
  const list = parseJsonStringList(text, variable);
  return list.issue ? list : { value: list.value };
}

function parseVolumesVar(raw: string): { value: string[]; issue?: undefined } | { value?: undefined; issue: ConfigIssue } {
  const text = raw.trim();
  if (text.startsWith('[')) return parseJsonStringList(text, 'VOLUMES');
  return { value: text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '') };
}

function parseJsonStringList(text: string, variable: string): { value: string[]; issue?: undefined } | { value?: undefined; issue: ConfigIssue } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The engine's message quotes the input; report only where it broke.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` at character ${Number(position) + 1}`;
    return { issue: { path: variable, message: `starts with "[" but is not valid JSON${where}`, expected: 'a JSON list of strings, e.g. ["a","b"]' } };
  }
  if (!Array.isArray(parsed)) return { issue: { path: variable, message: 'is JSON but not a list', expected: 'a JSON list of strings' } };
  const bad = parsed.findIndex((item) => typeof item !== 'string');
  if (bad !== -1) {
    return { issue: { path: `${variable}[${bad}]`, message: `is ${parsed[bad] === null ? 'null' : typeof parsed[bad]}, not a string`, expected: 'every item a string' } };
  }
  return { value: parsed as string[] };
}
