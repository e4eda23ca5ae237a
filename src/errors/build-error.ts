import { DockerJobError, isDockerJobError } from './docker-job-error.js';

/** The Dockerfile step a build failed at, as the classic builder numbers it. */
export interface BuildStep {
  /** The step's number, from 1. */
  readonly number: number;
  /** How many steps the build has. */
  readonly total: number;
  /** The instruction as the builder printed it: `RUN make`. */
  readonly instruction: string;
}

/** Details of a {@link BuildError}. */
export interface BuildErrorDetails {
  /** What was being built, for the message: the first tag, or the context directory. */
  readonly image: string;
  /** The engine's (or the builder's) own message, e.g. `The command '/bin/sh -c make' returned a non-zero code: 2`. */
  readonly reason: string;
  /** The step that failed, when the build had reached one. */
  readonly step?: BuildStep;
  /** The exit code of the failing `RUN`, when the engine said. */
  readonly exitCode?: number;
  /** The last lines the failing step printed (at most 50). */
  readonly output?: readonly string[];
  /** The engine's address. */
  readonly engine?: string;
  /** The HTTP status, when the engine refused the build outright. */
  readonly statusCode?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * An image build failed: a step failed, the Dockerfile or the context was refused, or the engine
 * reported an error inside the build's progress stream (where a plain HTTP client sees success).
 * The message names the failing step, `Step 3/5 : RUN make`, and carries the engine's message.
 * No tag is moved by a failed build.
 */
export class BuildError extends DockerJobError {
  /** What was being built. */
  readonly image: string;
  /** The engine's message. */
  readonly reason: string;
  /** The step that failed, when the build had reached one. */
  readonly step: BuildStep | undefined;
  /** The failing `RUN`'s exit code, when known. */
  readonly exitCode: number | undefined;
  /** The last lines the failing step printed. */
  readonly output: readonly string[];
  /** The HTTP status, when the engine refused the build outright. */
  readonly statusCode: number | undefined;

  constructor(details: BuildErrorDetails) {
    const at = details.step ? ` at Step ${details.step.number}/${details.step.total} : ${details.step.instruction}` : '';
    const engine = details.engine ? ` on ${details.engine}` : '';
    super('BUILD', `Build of ${details.image} failed${at}${engine}: ${details.reason}`, { cause: details.cause });
    this.name = 'BuildError';
    this.image = details.image;
    this.reason = details.reason;
    this.step = details.step;
    this.exitCode = details.exitCode;
    this.output = details.output ?? [];
    this.statusCode = details.statusCode;
  }
}

/** True when `value` is a {@link BuildError}. */
export function isBuildError(value: unknown): value is BuildError {
  return isDockerJobError(value) && value.code === 'BUILD';
}
