import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DANGEROUS_OPTIONS, type DangerousOption, type JobPolicy } from '../core/policy.js';

/** How the CLI prints the job's output. */
export type LogFormat = 'raw' | 'pretty' | 'json';

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run';
      readonly envFiles: readonly string[];
      readonly dryRun: boolean;
      readonly json: boolean;
      readonly logFormat: LogFormat;
      readonly sweep: boolean;
      /** The operator's policy (--strict, --allow, --allow-host-path); undefined: none. */
      readonly policy: JobPolicy | undefined;
    }
  | { readonly kind: 'sweep'; readonly dryRun: boolean; readonly json: boolean; readonly graceSeconds: number | undefined; readonly labels: Readonly<Record<string, string>> | undefined }
  | { readonly kind: 'build'; readonly options: Record<string, unknown>; readonly manifest: string | undefined }
  | { readonly kind: 'push'; readonly image: string; readonly options: Record<string, unknown> };

/** A command line the CLI does not understand. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const LOG_FORMATS: readonly LogFormat[] = ['raw', 'pretty', 'json'];

export const USAGE = `Usage: docker-job [options]
       docker-job sweep [--grace <seconds>] [--label <K=V>]... [--dry-run] [--json]
       docker-job build [build options] [--push <registry>]
       docker-job push <image> --registry <registry> [--push-tag <tag>]...

Runs one job in a container, configured by the environment (as the docker-job proxy image does):
prints the job's output as it comes and exits with the job's exit code.

  IMAGE            the image to run (required)
  COMMAND          the command: a JSON array, or a shell-like string (split, never run by a shell)
  VOLUMES          docker -v specs: a JSON list, or separated by commas or newlines
  *_ENV            every variable ending in _ENV is passed to the job unchanged
  DOCKER_JOB_*     every other setting (docs/configuration.md)

Options:
  --env-file <path>      read variables from a file in docker's --env-file format (repeatable;
                         the file's values win over the environment's)
  --dry-run              print the job docker-job would run, secrets masked, and exit 0
  --json                 with --dry-run or sweep: print JSON
  --log-format <format>  raw (default: the job's bytes on stdout and stderr), pretty (tslog), or
                         json (one JSON object per line on stdout)
  --sweep                first remove containers whose docker-job launcher is gone
  --strict               refuse dangerous options (privileged, host namespaces, the engine socket,
                         system paths, added capabilities): for configuration written by others
  --allow <name>         with --strict: allow one of them anyway (repeatable)
  --allow-host-path <dir>  with --strict: bind mounts must stay inside these directories (repeatable)
  --grace <seconds>      with sweep: leave containers younger than this alone (default 30)
  --label <K=V>          with sweep: only containers that also carry this label (repeatable)
  -h, --help             print this help
  -V, --version          print the version

Build options (docs/packaging.md): from a Dockerfile: --context <dir>, -f/--file <Dockerfile>,
--target <stage>; or from a base image: --base-image <image>, --install <command>...,
--copy <source:destination>..., --root <dir>, --env <K=V>..., --instruction <line>...,
--workdir <dir>, --user <user>, --entrypoint <command>, --cmd <command>; and for both: -t/--tag
<image>..., --build-arg <K=V>..., --label <K=V>..., --platform <os/arch>, --pull, --no-cache,
--docker-config <dir>, --push <registry> with --push-tag <tag>..., --manifest <file>. The image
manifest (id, tags, digest) is printed as JSON. Registry credentials: the Docker config, or
DOCKER_JOB_REGISTRY_USERNAME and DOCKER_JOB_REGISTRY_PASSWORD in the environment.

Exit codes: the job's own; 124 when it timed out; 125 when the configuration is invalid or the
engine failed; 130 / 143 when docker-job was interrupted (SIGINT / SIGTERM) and stopped the job.
build and push: 0, 1 when the build or the push failed, 125 for invalid options or no engine.`;

/**
 * Reads the command line. Pure.
 * @throws {UsageError} for an unknown option, a missing value or an unknown log format.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  if (argv[0] === 'build') return parseBuildArgs(argv.slice(1));
  if (argv[0] === 'push') return parsePushArgs(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'env-file': { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        'log-format': { type: 'string' },
        sweep: { type: 'boolean' },
        grace: { type: 'string' },
        label: { type: 'string', multiple: true },
        strict: { type: 'boolean' },
        allow: { type: 'string', multiple: true },
        'allow-host-path': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...extra] = positionals;
  if (extra.length > 0 || (command !== undefined && command !== 'run' && command !== 'sweep')) {
    throw new UsageError(`unexpected argument "${command === 'run' || command === 'sweep' ? extra[0] : command}": the job is configured by the environment (IMAGE, COMMAND, ...), not by arguments`);
  }
  if (command === 'sweep') {
    for (const option of ['env-file', 'log-format', 'sweep', 'strict', 'allow', 'allow-host-path'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} does not apply to sweep`);
    }
    const grace = values.grace;
    if (grace !== undefined && !/^\d+$/.test(grace)) throw new UsageError(`--grace must be a whole number of seconds, not "${grace}"`);
    return {
      kind: 'sweep',
      dryRun: values['dry-run'] ?? false,
      json: values.json ?? false,
      graceSeconds: grace === undefined ? undefined : Number(grace),
      labels: keyValues('label', values.label),
    };
  }
  const logFormat = values['log-format'] ?? 'raw';
  if (!LOG_FORMATS.includes(logFormat as LogFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, not "${logFormat}"`);
  }
  if (values.grace !== undefined) throw new UsageError('--grace applies to the sweep command');
  if (values.label !== undefined) throw new UsageError('--label applies to the sweep command; the job\'s labels are DOCKER_JOB_LABELS');
  if (values.json && !values['dry-run']) throw new UsageError('--json applies to --dry-run and sweep; for JSON logs use --log-format json');
  const allow = values.allow ?? [];
  const unknown = allow.find((a) => !DANGEROUS_OPTIONS.includes(a as DangerousOption));
  if (unknown !== undefined) throw new UsageError(`--allow "${unknown}" is not one of ${DANGEROUS_OPTIONS.join(', ')}`);
  const hostPaths = values['allow-host-path'];
  if (!values.strict && (allow.length > 0 || hostPaths !== undefined)) throw new UsageError('--allow and --allow-host-path refine --strict: add --strict');
  const policy: JobPolicy | undefined = values.strict
    ? { allow: allow as DangerousOption[], ...(hostPaths === undefined ? {} : { allowedHostPaths: hostPaths }) }
    : undefined;
  return {
    kind: 'run',
    policy,
    envFiles: values['env-file'] ?? [],
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
    logFormat: logFormat as LogFormat,
    sweep: values.sweep ?? false,
  };
}

/** `K=V` items into a record; a bare `K` is refused (build args and labels need a value). */
function keyValues(option: string, items: readonly string[] | undefined): Record<string, string> | undefined {
  if (items === undefined) return undefined;
  const record: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${option} "${item}" is not KEY=VALUE`);
    record[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return record;
}

function strict(argv: readonly string[], options: ParseArgsOptionsConfig, positionals: boolean) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The build command's flags and the packageImage options they set, one to one. `pairs` flags take
 * repeated `K=V` items into a record.
 */
const BUILD_FLAGS: readonly { flag: string; field: string; kind: 'one' | 'many' | 'flag' | 'pairs'; short?: string }[] = [
  { flag: 'context', field: 'context', kind: 'one' },
  { flag: 'file', field: 'dockerfile', kind: 'one', short: 'f' },
  { flag: 'target', field: 'target', kind: 'one' },
  { flag: 'base-image', field: 'baseImage', kind: 'one' },
  { flag: 'install', field: 'install', kind: 'many' },
  { flag: 'copy', field: 'files', kind: 'many' },
  { flag: 'root', field: 'root', kind: 'one' },
  { flag: 'env', field: 'env', kind: 'pairs' },
  { flag: 'instruction', field: 'instructions', kind: 'many' },
  { flag: 'workdir', field: 'workdir', kind: 'one' },
  { flag: 'user', field: 'user', kind: 'one' },
  { flag: 'entrypoint', field: 'entrypoint', kind: 'one' },
  { flag: 'cmd', field: 'command', kind: 'one' },
  { flag: 'tag', field: 'tags', kind: 'many', short: 't' },
  { flag: 'build-arg', field: 'buildArgs', kind: 'pairs' },
  { flag: 'label', field: 'labels', kind: 'pairs' },
  { flag: 'platform', field: 'platform', kind: 'one' },
  { flag: 'pull', field: 'pull', kind: 'flag' },
  { flag: 'no-cache', field: 'noCache', kind: 'flag' },
  { flag: 'docker-config', field: 'dockerConfig', kind: 'one' },
  { flag: 'push', field: 'registry', kind: 'one' },
  { flag: 'push-tag', field: 'pushTags', kind: 'many' },
];

/** `docker-job build ...`: the options of packageImage, one flag each, plus `--manifest <file>`. */
function parseBuildArgs(argv: readonly string[]): CliCommand {
  const config: ParseArgsOptionsConfig = { manifest: { type: 'string' } };
  for (const { flag, kind, short } of BUILD_FLAGS) {
    config[flag] = { type: kind === 'flag' ? 'boolean' : 'string', ...(kind === 'many' || kind === 'pairs' ? { multiple: true } : {}), ...(short ? { short } : {}) };
  }
  const values = strict(argv, config, false).values as Record<string, string | string[] | boolean | undefined>;
  const options: Record<string, unknown> = {};
  for (const { flag, field, kind } of BUILD_FLAGS) {
    const value = values[flag];
    if (value !== undefined) options[field] = kind === 'pairs' ? keyValues(flag, value as string[]) : value;
  }
  return { kind: 'build', options, manifest: values['manifest'] as string | undefined };
}

/** `docker-job push <image> --registry <registry> [--push-tag <tag>]...`. */
function parsePushArgs(argv: readonly string[]): CliCommand {
  const { values, positionals } = strict(argv, { registry: { type: 'string' }, 'push-tag': { type: 'string', multiple: true }, 'docker-config': { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(`push takes one image, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const v = values as Record<string, string | string[] | undefined>;
  const options: Record<string, unknown> = {};
  if (v['registry'] !== undefined) options['registry'] = v['registry'];
  if (v['push-tag'] !== undefined) options['pushTags'] = v['push-tag'];
  if (v['docker-config'] !== undefined) options['dockerConfig'] = v['docker-config'];
  return { kind: 'push', image: positionals[0] as string, options };
}
