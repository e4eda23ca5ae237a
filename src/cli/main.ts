import { writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { configFromEnv } from '../core/env.js';
import { readEnvFiles } from '../core/env-file.js';
import { describeJob } from '../core/describe-job.js';
import type { ResolvedJob } from '../core/job-config.js';
import { createDockerEngine } from '../engine/docker/docker-engine.js';
import { isConfigError } from '../errors/config-error.js';
import { isDockerJobError } from '../errors/docker-job-error.js';
import { isBuildError } from '../errors/build-error.js';
import { isPushError } from '../errors/push-error.js';
import type { BuildEvent, PushEvent } from '../engine/image-engine.js';
import type { PackageOptions } from '../image/image-options.js';
import { packageImage } from '../image/package-image.js';
import { pushImage } from '../image/push-image.js';
import type { LogSink } from '../logs/log-sink.js';
import { JsonLinesSink } from '../logs/sinks/json-lines-sink.js';
import { StdioSink } from '../logs/sinks/stdio-sink.js';
import { TslogSink } from '../logs/sinks/tslog-sink.js';
import { runDockerJob } from '../run/run-docker-job.js';
import { sweepOrphans, type SweepResult } from '../run/sweep-orphans.js';
import { parseCliArgs, USAGE, UsageError, type CliCommand, type LogFormat } from './args.js';
import { PullProgressSink } from './pull-progress.js';
import { VERSION } from './version.js';

/** What the CLI gets from its process; ./bin.ts passes the real ones, tests their own. */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Calls `listener` on SIGINT and SIGTERM; returns a function that stops it. */
  onSignal(listener: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}

/** Exit code for a configuration or engine error, as `docker run` uses it. */
export const EXIT_DOCKER_JOB_ERROR = 125;
/** Exit code for a job stopped at its timeout, as timeout(1) uses it. */
export const EXIT_TIMED_OUT = 124;
const EXIT_FOR_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
/** Exit code of `build` and `push` when the engine's build or push failed, as `docker build` uses it. */
export const EXIT_BUILD_FAILED = 1;

/**
 * Runs the `docker-job` command and returns its exit code: the job's own, 124 when it timed out,
 * 125 for a configuration or engine error (one line on stderr naming the variable or the
 * engine's address), 130/143 when interrupted.
 */
export async function main(io: CliIo): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(io.argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`docker-job: ${error.message}\nRun docker-job --help for the options.\n`);
    return EXIT_DOCKER_JOB_ERROR;
  }
  try {
    switch (command.kind) {
      case 'help':
        io.stdout.write(`${USAGE}\n`);
        return 0;
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return 0;
      case 'sweep':
        return await sweep(io, command);
      case 'run':
        return await run(io, command);
      case 'build':
      case 'push':
        return await buildOrPush(io, command);
    }
  } catch (error) {
    reportError(io.stderr, error);
    return isBuildError(error) || isPushError(error) ? EXIT_BUILD_FAILED : EXIT_DOCKER_JOB_ERROR;
  }
}

async function run(io: CliIo, command: Extract<CliCommand, { kind: 'run' }>): Promise<number> {
  const env = withEnvFiles(io.env, command.envFiles);
  const job = configFromEnv(env, { baseDir: io.cwd, ...(command.policy ? { policy: command.policy } : {}) });
  if (command.dryRun) {
    const description = describeJob(job);
    io.stdout.write(command.json ? `${JSON.stringify(description.json, null, 2)}\n` : `${description.text}\n\n${description.dockerRun}\n`);
    return 0;
  }
  const engine = createDockerEngine({ env });
  if (command.sweep) reportSweep(io.stderr, await sweepOrphans({ engine }));

  const cancel = new AbortController();
  const kill = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const stopListening = io.onSignal((signal) => {
    if (interrupted === undefined) {
      interrupted = signal;
      io.stderr.write(`docker-job: ${signal}: stopping the job (a second signal kills it)\n`);
      cancel.abort(new Error(`interrupted by ${signal}`));
    } else kill.abort();
  });
  try {
    const result = await runDockerJob(job, {
      engine,
      sinks: [outputSink(io, command.logFormat, job), new PullProgressSink(io.stderr, io.stderrIsTTY)],
      signal: cancel.signal,
      killSignal: kill.signal,
      env,
    });
    if (interrupted) return EXIT_FOR_SIGNAL[interrupted];
    if (result.timedOut) {
      io.stderr.write(`docker-job: ${result.message.split('\n')[0]}\n`);
      return EXIT_TIMED_OUT;
    }
    if (result.startError !== undefined) io.stderr.write(`docker-job: ${result.message.split('\n')[0]}\n`);
    return result.exitCode;
  } catch (error) {
    // Interrupted before the job ran (during a pull, say): whatever the abort surfaced as, the
    // answer is the signal's exit code; nothing was left behind.
    if (interrupted) return EXIT_FOR_SIGNAL[interrupted];
    throw error;
  } finally {
    stopListening();
  }
}

async function sweep(io: CliIo, command: Extract<CliCommand, { kind: 'sweep' }>): Promise<number> {
  const result = await sweepOrphans({
    engine: createDockerEngine({ env: io.env }),
    dryRun: command.dryRun,
    ...(command.graceSeconds === undefined ? {} : { graceMs: command.graceSeconds * 1000 }),
    ...(command.labels === undefined ? {} : { labels: command.labels }),
  });
  if (command.json) io.stdout.write(`${JSON.stringify({ ...result, failed: result.failed.map((f) => ({ id: f.id, error: String(f.error) })) }, null, 2)}\n`);
  else reportSweep(io.stdout, result, command.dryRun);
  return result.failed.length > 0 ? EXIT_DOCKER_JOB_ERROR : 0;
}

/** `docker-job build` and `docker-job push`: progress on stderr, the manifest (or push result) as JSON on stdout. */
async function buildOrPush(io: CliIo, command: Extract<CliCommand, { kind: 'build' | 'push' }>): Promise<number> {
  const username = io.env['DOCKER_JOB_REGISTRY_USERNAME'];
  const password = io.env['DOCKER_JOB_REGISTRY_PASSWORD'];
  const credentials = username !== undefined && password !== undefined ? { credentials: { username, password } } : {};
  const cancel = new AbortController();
  const stopListening = io.onSignal((signal) => cancel.abort(new Error(`interrupted by ${signal}`)));
  const run = { env: io.env, signal: cancel.signal, onEvent: (event: BuildEvent | PushEvent) => reportImageEvent(io.stderr, event) };
  try {
    if (command.kind === 'push') {
      const pushed = await pushImage(command.image, { ...command.options, ...credentials }, run);
      io.stdout.write(`${JSON.stringify(pushed, null, 2)}\n`);
      return 0;
    }
    const pushing = command.options['registry'] !== undefined;
    const manifest = await packageImage({ ...command.options, ...(pushing ? credentials : {}) } as PackageOptions, run);
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    if (command.manifest !== undefined) writeFileSync(command.manifest, text);
    io.stdout.write(text);
    return 0;
  } finally {
    stopListening();
  }
}

/** One line per build step, build output line and pushed tag; layer-by-layer progress is left out. */
function reportImageEvent(stderr: Writable, event: BuildEvent | PushEvent): void {
  if (event.type === 'build-step') stderr.write(`step ${event.step}/${event.steps}: ${event.instruction}\n`);
  else if (event.type === 'build-output') stderr.write(`  ${event.text}\n`);
  else if (event.type === 'build-warning') stderr.write(`warning: ${event.message}\n`);
  else if (event.type === 'pushed') stderr.write(`pushed ${event.image} ${event.digest}\n`);
}

/** The job's output, as the log format says. */
function outputSink(io: CliIo, format: LogFormat, job: ResolvedJob): LogSink {
  if (format === 'json') return new JsonLinesSink(io.stdout);
  if (format === 'pretty') return new TslogSink();
  void job;
  return new StdioSink({ stdout: io.stdout, stderr: io.stderr });
}

/** The environment with the variables of each `--env-file` on top, in order (docker's format; a bare name takes its value from the environment). */
function withEnvFiles(env: Readonly<Record<string, string | undefined>>, files: readonly string[]): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  if (files.length === 0) return merged;
  for (const [name, value] of readEnvFiles(files, { label: '--env-file', lookupEnv: env })) merged[name] = value;
  return merged;
}

function reportSweep(out: Writable, result: SweepResult, dryRun = false): void {
  const verb = dryRun ? 'would remove' : 'removed';
  out.write(`docker-job: sweep ${verb} ${result.removed.length} container(s) of launchers that are gone${result.removed.length ? `: ${result.removed.map((id) => id.slice(0, 12)).join(', ')}` : ''}\n`);
  for (const f of result.failed) out.write(`docker-job: sweep could not remove ${f.id.slice(0, 12)}: ${(f.error as Error).message ?? String(f.error)}\n`);
}

/** One line per problem on stderr: the variable or the engine, what was wrong, what to do. */
function reportError(stderr: Writable, error: unknown): void {
  if (isConfigError(error)) {
    for (const issue of error.issues) stderr.write(`docker-job: ${issue.path}: ${issue.message}${issue.expected ? ` (expected ${issue.expected})` : ''}\n`);
    return;
  }
  if (isDockerJobError(error)) {
    stderr.write(`docker-job: ${error.message.replaceAll('\n', ' ')}\n`);
    return;
  }
  stderr.write(`docker-job: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}
