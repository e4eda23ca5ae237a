/**
 * docker-job: run containerised jobs through the Docker Engine, with every log line, the exit
 * status, cancellation and timeouts, and no container left behind.
 *
 * This file is the package's public contract.
 * @packageDocumentation
 */

// Running jobs
export { runDockerJob, type RunOptions, type JobResult } from './run/run-docker-job.js';
export { LABELS, OWNER } from './run/labels.js';

// Configuration (pure)
export {
  JobConfigSchema,
  PullPolicySchema,
  parseJobConfig,
  safeParseJobConfig,
  type JobConfig,
  type ResolvedJob,
  type JobConfigParseResult,
} from './core/job-config.js';
export {
  configFromEnv,
  type ConfigFromEnvOptions,
  CHILD_ENV_SUFFIX,
  SETTING_PREFIX,
  RUNTIME_ENV_NAMES,
} from './core/env.js';
export { parseCommandString, formatCommand, type ParseResult } from './core/command.js';
export { parseVolumeSpec, formatVolumeSpec, type VolumeSpec } from './core/volumes.js';
export { DEFAULT_SECRET_WORDS, MASK, secretNameMatcher, secretValues, maskEnv, type SecretNameMatcher } from './core/secrets.js';

// Engines
export type {
  ContainerEngine,
  EngineJob,
  StartedJob,
  JobSpec,
  JobSummary,
  OutputChunk,
  ExitStatus,
  EngineInfo,
  PullProgress,
  CallOptions,
} from './engine/container-engine.js';
export { DockerEngine, createDockerEngine, type DockerEngineOptions } from './engine/docker/docker-engine.js';

// Logs
export type { LogSink, LogLine, OutputBytes, JobInfo, JobEvent } from './logs/log-sink.js';
export type { SinkFailure } from './logs/sink-fanout.js';
export type { OutputTailLines } from './logs/output-pipeline.js';
export type { MaskSecretsOptions } from './logs/secret-masker.js';
export { LineSplitter, DEFAULT_MAX_LINE_LENGTH } from './logs/line-splitter.js';
export { TslogSink, type TslogSinkOptions } from './logs/sinks/tslog-sink.js';
export { StdioSink, type StdioSinkOptions } from './logs/sinks/stdio-sink.js';
export { MemorySink, type MemorySinkOptions } from './logs/sinks/memory-sink.js';
export { JsonLinesSink, type JsonLinesSinkOptions } from './logs/sinks/json-lines-sink.js';
export { callbackSink, type CallbackSinkOptions } from './logs/sinks/callback-sink.js';
export { teeSinks, type TeeSink, type TeeSinkOptions } from './logs/sinks/tee-sink.js';

// Errors
export { DockerJobError, isDockerJobError, type DockerJobErrorCode } from './errors/docker-job-error.js';
export { ConfigError, isConfigError, type ConfigIssue } from './errors/config-error.js';
export { EngineError, isEngineError, type EngineErrorDetails } from './errors/engine-error.js';
