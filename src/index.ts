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
export { sweepOrphans, type SweepOptions, type SweepResult } from './run/sweep-orphans.js';

// Configuration (pure)
export {
  JobConfigSchema,
  PullPolicySchema,
  RemovePolicySchema,
  createJobConfigSchema,
  parseJobConfig,
  safeParseJobConfig,
  isResolvedJob,
  effectivePullPolicy,
  MIN_MEMORY_BYTES,
  MAX_TIMEOUT_MS,
  type JobConfig,
  type ResolvedJob,
  type VolumeMountConfig,
  type GpuRequestConfig,
  type JobConfigParseResult,
  type ParseOptions,
  type JobConfigSchemaOptions,
  type PullPolicy,
  type RemovePolicy,
} from './core/job-config.js';
export type { JobField, SpecField, OptionalField, FieldSupport } from './core/job-fields.js';
export {
  configFromEnv,
  type ConfigFromEnvOptions,
  CHILD_ENV_SUFFIX,
  SETTING_PREFIX,
  RUNTIME_ENV_NAMES,
  ENV_SETTINGS,
  type EnvSetting,
  type EnvSettingKind,
} from './core/env.js';
export { describeJob, type DescribeJobOptions, type JobDescription, type JsonValue } from './core/describe-job.js';
export { parseCommandString, formatCommand, type ParseResult } from './core/command.js';
export { parseVolumeSpec, formatVolumeSpec, type VolumeMount, type MountPropagation, type MountConsistency } from './core/volumes.js';
export { parseEnvFile, formatEnvFile, type EnvFileParseResult, type EnvFileIssue, type ReadFile } from './core/env-file.js';
export { parseByteSize } from './core/units.js';
export { parseGpuRequest, formatGpuRequest, type GpuRequest } from './core/gpus.js';
export { STRICT_POLICY, DANGEROUS_OPTIONS, type JobPolicy, type DangerousOption } from './core/policy.js';
export { DEFAULT_SECRET_WORDS, MASK, secretNameMatcher, secretValues, maskEnv, maskSecrets, type SecretNameMatcher } from './core/secrets.js';

// Engines
export type {
  ContainerEngine,
  EngineCapabilities,
  OutputStream,
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
export type { TlsOptions } from './engine/docker/connection.js';
export type {
  ImageEngine,
  BuildRequest,
  BuildEvent,
  PushEvent,
  ImageInfo,
  BuildCallOptions,
  PushCallOptions,
} from './engine/image-engine.js';
export { DockerImageEngine, createDockerImageEngine } from './engine/docker/docker-image-engine.js';

// Images: build, push, package
export { buildImage, type BuildRunOptions, type BuildResult, type BuildSource } from './image/build-image.js';
export { pushImage, type PushRunOptions, type PushResult } from './image/push-image.js';
export { packageImage, type PackageRunOptions } from './image/package-image.js';
export { createImageManifest, parseImageManifest, ImageManifestSchema, type ImageManifest, type ImageManifestSource } from './image/image-manifest.js';
export {
  BuildOptionsSchema,
  PushOptionsSchema,
  PackageOptionsSchema,
  DEFAULT_BASE_IMAGE,
  type BuildOptions,
  type PushOptions,
  type PackageOptions,
  type ResolvedBuild,
  type ResolvedDockerfileBuild,
  type ResolvedRecipeBuild,
  type FileCopy,
  type BuildSettings,
  type ResolvedPush,
  type ResolvedPackage,
} from './image/image-options.js';
export { generateDockerfile, quoteWord, type DockerfileRecipe } from './image/dockerfile.js';
export { packBuildContext, type BuildContextOptions, type ExtraContextEntry } from './image/build-context.js';

// Registries (image references, registry addresses, credentials)
export {
  parseImageReference,
  formatImageReference,
  repositoryName,
  isDockerHub,
  DOCKER_HUB,
  type ImageReference,
  type FormatImageReferenceOptions,
} from './core/image-reference.js';
export { parseRegistryAddress, formatRegistryAddress, type RegistryAddress } from './core/registry-address.js';
export { parseDockerConfig, dockerConfigDir, type DockerConfig, type DockerConfigAuth } from './registry/docker-config.js';
export {
  resolveRegistryAuth,
  resolveImageAuth,
  type RegistryAuth,
  type RegistryAuthOptions,
  type RegistryCredentials,
} from './registry/resolve-registry-auth.js';

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
export { ConfigError, isConfigError, type ConfigIssue, type ConfigErrorOptions } from './errors/config-error.js';
export { EngineError, isEngineError, type EngineErrorDetails } from './errors/engine-error.js';
export { RegistryAuthError, isRegistryAuthError, type RegistryAuthErrorDetails } from './errors/registry-auth-error.js';
export { BuildError, isBuildError, type BuildErrorDetails, type BuildStep } from './errors/build-error.js';
export { BuildContextError, isBuildContextError, type BuildContextErrorDetails } from './errors/build-context-error.js';
export { PushError, isPushError, type PushErrorDetails } from './errors/push-error.js';
