import { parseArgs } from 'node:util';

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
    }
  | { readonly kind: 'sweep'; readonly dryRun: boolean; readonly json: boolean; readonly graceSeconds: number | undefined };

/** A command line the CLI does not understand. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const LOG_FORMATS: readonly LogFormat[] = ['raw', 'pretty', 'json'];

export const USAGE = `Usage: docker-job [options]
       docker-job sweep [--grace <seconds>] [--dry-run] [--json]

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
  --grace <seconds>      with sweep: leave containers younger than this alone (default 30)
  -h, --help             print this help
  -V, --version          print the version

Exit codes: the job's own; 124 when it timed out; 125 when the configuration is invalid or the
engine failed; 130 / 143 when docker-job was interrupted (SIGINT / SIGTERM) and stopped the job.`;

/**
 * Reads the command line. Pure.
 * @throws {UsageError} for an unknown option, a missing value or an unknown log format.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
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
    for (const option of ['env-file', 'log-format', 'sweep'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} does not apply to sweep`);
    }
    const grace = values.grace;
    if (grace !== undefined && !/^\d+$/.test(grace)) throw new UsageError(`--grace must be a whole number of seconds, not "${grace}"`);
    return { kind: 'sweep', dryRun: values['dry-run'] ?? false, json: values.json ?? false, graceSeconds: grace === undefined ? undefined : Number(grace) };
  }
  const logFormat = values['log-format'] ?? 'raw';
  if (!LOG_FORMATS.includes(logFormat as LogFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, not "${logFormat}"`);
  }
  if (values.grace !== undefined) throw new UsageError('--grace applies to the sweep command');
  if (values.json && !values['dry-run']) throw new UsageError('--json applies to --dry-run and sweep; for JSON logs use --log-format json');
  return {
    kind: 'run',
    envFiles: values['env-file'] ?? [],
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
    logFormat: logFormat as LogFormat,
    sweep: values.sweep ?? false,
  };
}
