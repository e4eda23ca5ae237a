/** What {@link runDockerJob} takes besides the job, and what it gives back. */
import type { ContainerEngine, PullProgress } from '../engine/container-engine.js';
import type { LogSink } from '../logs/log-sink.js';
import type { OutputTailLines } from '../logs/output-pipeline.js';
import type { MaskSecretsOptions } from '../logs/secret-masker.js';
import type { SinkFailure } from '../logs/sink-fanout.js';
import type { RegistryAuthOptions } from '../registry/resolve-registry-auth.js';

/** Options of {@link runDockerJob}. */
export interface RunOptions {
  /** Where the job's output goes. Default: one {@link TslogSink}. Pass `[]` to discard output. */
  readonly sinks?: readonly LogSink[];
  /**
   * Cancels the job. Before the container starts, the call rejects with the signal's reason and
   * nothing runs; after, the container is stopped (stop signal, then a kill after `stopTimeout`),
   * its output up to then is delivered, and the result has `canceled: true`.
   */
  readonly signal?: AbortSignal;
  /**
   * Kills the job at once (a stop with no grace period) when it aborts, whether or not `signal`
   * already asked for a graceful stop: what a second Ctrl-C does in the CLI.
   */
  readonly killSignal?: AbortSignal;
  /** The engine to run on. Default: the local Docker Engine (`DOCKER_HOST` or the default socket). */
  readonly engine?: ContainerEngine;
  /** Called with the engine's pull progress when the image is pulled. */
  readonly onPullProgress?: (event: PullProgress) => void;
  /**
   * Where the credentials for pulling the image come from: `credentials` as they are, else the
   * Docker config in `dockerConfigDir` (`auths`, `credHelpers`, `credsStore`). Default: the Docker
   * config the docker CLI would read (`DOCKER_CONFIG`, else `~/.docker`). Read only when a pull
   * happens. Credentials are never logged.
   */
  readonly registryAuth?: RegistryAuthOptions;
  /**
   * The environment the Docker config (`DOCKER_CONFIG`, `HOME`) and credential helpers are taken
   * from when a pull needs credentials. Default: `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Replace secret values in the child's output with `***` before any sink, the tail or the
   * message sees them. Default: on, for the values of the job's environment variables whose names
   * look secret (see {@link MaskSecretsOptions}); `false` turns it off. A job without secret
   * values pays nothing for it.
   */
  readonly maskSecrets?: boolean | MaskSecretsOptions;
  /** Called once for each sink that fails and is detached, as it happens (they are also in {@link JobResult.sinkFailures}). */
  readonly onSinkFailure?: (failure: SinkFailure) => void;
  /**
   * The line cap, in UTF-16 code units: a longer line reaches line sinks in pieces marked
   * `continued`. Default 1,048,576 (1 MiB of ASCII).
   */
  readonly maxLineLength?: number;
  /** How many of the last lines of each stream {@link JobResult.tail} keeps. Default 20. */
  readonly tailLines?: number;
}

/** How a job ended. The same shape whether the child succeeded, failed, timed out or was canceled. */
export interface JobResult {
  /** The child's exit code; 126/127 when it could not be started; 137 when killed. */
  readonly exitCode: number;
  /** `true` unless the child exited 0 on its own. */
  readonly failed: boolean;
  /** The container that ran the job (removed by now, unless the job's `remove` policy kept it). */
  readonly containerId: string;
  /** The image that ran. */
  readonly image: string;
  /** Wall time from the call to the result, in milliseconds. */
  readonly durationMs: number;
  /** The job was stopped because `timeoutMs` passed. */
  readonly timedOut: boolean;
  /** The job was stopped because the caller's `signal` fired. */
  readonly canceled: boolean;
  /**
   * The kernel killed the child for exceeding its memory limit; `undefined` when the engine cannot
   * tell (its `capabilities.oomKill` is `unknown`), and the message then says so.
   */
  readonly oomKilled: boolean | undefined;
  /** The engine's reason when the child could not be started (command not found, not executable). */
  readonly startError?: string;
  /** Sinks that threw or rejected and were detached; the job itself went on. */
  readonly sinkFailures: readonly SinkFailure[];
  /**
   * The last lines of each stream (`RunOptions.tailLines`, default 20, from at most the last
   * 16 KiB of each stream), secrets masked: enough to say why a job failed without keeping its output.
   */
  readonly tail: OutputTailLines;
  /**
   * How the job ended, for people: one line (`Job etl (busybox, container 0123456789ab) failed
   * with exit code 3 after 1.2 s`), followed for a failed job by the tail of stderr and then of
   * stdout, as execa builds its error messages, and by any sink that failed.
   */
  readonly message: string;
}

