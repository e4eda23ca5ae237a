/**
 * Stage 1 of a run, prepare: the job resolved, its engine chosen and checked against the job, the
 * sinks and the output pipeline made. Nothing is contacted yet: a job the engine cannot run as
 * asked is refused here.
 */
import { randomUUID } from 'node:crypto';
import { isResolvedJob, parseJobConfig } from '../../core/job-config.js';
import type { JobConfig, ResolvedJob } from '../../core/job-fields.js';
import { createDockerEngine } from '../../engine/docker/docker-engine.js';
import type { ContainerEngine } from '../../engine/container-engine.js';
import { OutputPipeline } from '../../logs/output-pipeline.js';
import { resolveMaskValues } from '../../logs/secret-masker.js';
import { SinkFanout } from '../../logs/sink-fanout.js';
import { TslogSink } from '../../logs/sinks/tslog-sink.js';
import { checkEngineSupport } from '../job-spec.js';
import type { RunOptions } from '../run-options.js';

/** A run, prepared: what every later stage works with. @internal */
export interface PreparedRun {
  /** The job, resolved. */
  readonly job: ResolvedJob;
  /** The engine it runs on. */
  readonly engine: ContainerEngine;
  /** The sinks, isolated from each other. */
  readonly sinks: SinkFanout;
  /** Carries the output from the engine to the sinks. */
  readonly pipeline: OutputPipeline;
  /** This run's id, in the job's labels. */
  readonly runId: string;
  /** What the caller asked for. */
  readonly options: RunOptions;
}

/**
 * Prepares a run.
 * @throws {ConfigError} when the job is invalid or its engine cannot honour it.
 */
export function prepare(config: JobConfig, options: RunOptions): PreparedRun {
  // A job parsed already (configFromEnv, parseJobConfig) is taken as it is: its env files are not read again.
  const job = isResolvedJob(config) ? config : parseJobConfig(config);
  const engine = options.engine ?? createDockerEngine();
  checkEngineSupport(job, engine);
  const sinks = new SinkFanout(options.sinks ?? [new TslogSink()], {
    bytesToByteSinks: true,
    ...(options.onSinkFailure ? { onFailure: options.onSinkFailure } : {}),
  });
  const pipeline = new OutputPipeline(sinks, {
    maskValues: resolveMaskValues(job.env, options.maskSecrets),
    ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
  });
  return { job, engine, sinks, pipeline, runId: randomUUID(), options };
}
