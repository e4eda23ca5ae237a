/**
 * The engine port: what docker-job needs from a container engine, in its own small types.
 *
 * The unit of work is a *job*: one workload with one exit status and its output. A Docker
 * container, a Docker Swarm `replicated-job` service or a Kubernetes Job can each be one, so the
 * port speaks of jobs, not containers, and no adapter type crosses it. Engines differ in what they
 * can do; each says so in its {@link EngineCapabilities}, and docker-job adapts to them (or
 * refuses a job clearly) before the engine is contacted.
 */
import type { FieldSupport, PullPolicy, ResolvedJob, SpecField } from '../core/job-fields.js';
import type { RegistryAuth } from '../registry/resolve-registry-auth.js';

/** Options every engine call accepts. */
export interface CallOptions {
  /** Aborts the call. Engines must stop waiting on the network when it fires. */
  readonly signal?: AbortSignal;
}

/**
 * What the engine must run: the job's fields that reach engines (see docs/engines.md), with the
 * same names and resolved values as in a {@link ResolvedJob}. `labels` carry docker-job's own
 * ownership labels besides the job's. A job field the engine's capabilities do not list never
 * reaches it set: docker-job refuses such a job first.
 */
export interface JobSpec extends Readonly<Pick<ResolvedJob, SpecField>> {
  /**
   * The pull policy the engine's nodes apply, for engines that pull themselves
   * ({@link EngineCapabilities.images} `nodes`); absent on the others, where docker-job pulls.
   */
  readonly pull?: PullPolicy;
}

/**
 * Which stream bytes come from: `stdout` or `stderr` when the engine keeps them apart, `merged`
 * when it cannot tell them apart (a TTY, an engine that merges its logs). A merged stream is
 * never called stdout or stderr.
 */
export type OutputStream = 'stdout' | 'stderr' | 'merged';

/** A piece of a workload's output, in the order the engine delivered it. */
export interface OutputChunk {
  /** Which stream the bytes came from: `merged` for a TTY job, and for every job of an engine whose {@link EngineCapabilities.streams} is `merged`. */
  readonly stream: OutputStream;
  /** The bytes; chunks do not align with lines or UTF-8 characters. */
  readonly data: Uint8Array;
}

/** How a workload ended. */
export interface ExitStatus {
  /** The workload's exit code (126/127 when it could not be started, as `docker run` reports). */
  readonly exitCode: number;
  /**
   * The kernel killed the workload for exceeding its memory limit; `undefined` when the engine
   * cannot tell ({@link EngineCapabilities.oomKill} `unknown`).
   */
  readonly oomKilled: boolean | undefined;
  /** The engine's reason when the workload could not be started at all. */
  readonly startError?: string;
}

/** A job that has been started. */
export interface StartedJob {
  /**
   * The workload's output from its very first byte, ending when the output ends: after the exit,
   * with everything the workload wrote, its last partial line included (an engine whose output is
   * a replayed log makes that end certain itself). Pull-based: an engine reads from its source only
   * as fast as this is consumed (backpressure). It may throw an {@link EngineError} if the engine
   * reports an error inside the stream.
   */
  readonly output: AsyncIterable<OutputChunk>;
  /**
   * Settles when the workload has exited. Engines must attach a handler so that a rejection is
   * never unhandled if the caller stops listening.
   */
  readonly exit: Promise<ExitStatus>;
}

/** A created job, not yet started. */
export interface EngineJob {
  /** The engine's id for the job (a container id for Docker). */
  readonly id: string;
  /**
   * Starts the workload. Engines must make sure no output is lost and the exit is observed even if
   * the workload ends at once: attach to the output and register for the exit before starting, or
   * read the output from the engine's log to its end.
   * A workload that cannot start (command not found) resolves with an `exit` carrying
   * {@link ExitStatus.startError}; it does not reject.
   */
  start(options?: CallOptions): Promise<StartedJob>;
  /**
   * Asks the workload to stop: the stop signal, then a kill after `timeoutSeconds`. Succeeds if the
   * workload has already stopped.
   */
  stop(options: CallOptions & { readonly timeoutSeconds: number }): Promise<void>;
  /** Removes the job and its anonymous volumes, stopping it if needed. Succeeds if it is gone already. */
  remove(options?: CallOptions): Promise<void>;
}

/** A job found by {@link ContainerEngine.listJobs}. */
export interface JobSummary {
  /** The engine's id for the job. */
  readonly id: string;
  /** `created`, `running`, `exited`, ... as the engine reports it. */
  readonly state: string;
  /** The job's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** When the job was created, in milliseconds since the epoch. */
  readonly createdAt: number;
}

/** What {@link ContainerEngine.ping} learns about the engine. */
export interface EngineInfo {
  /** Engine product version, e.g. `20.10.24`. */
  readonly version: string;
  /** API version the engine speaks, e.g. `1.41`. */
  readonly apiVersion: string;
  /** Operating system and architecture, e.g. `linux/amd64`. */
  readonly platform: string;
}

/** Progress of a pull, as the engine reports it. */
export interface PullProgress {
  /** The engine's status text, e.g. `Downloading`. */
  readonly status: string;
  /** Layer or tag the status is about. */
  readonly id?: string;
  /** Bytes done and total, when known. */
  readonly current?: number;
  /** Total bytes, when known. */
  readonly total?: number;
}

/** How an engine delivers output, reports exits and gets images: what docker-job adapts to. */
export interface EngineCapabilities {
  /**
   * `separate`: a job's chunks are `stdout` or `stderr` (`merged` only for a TTY job).
   * `merged`: the engine cannot tell them apart, and every chunk is `merged`.
   */
  readonly streams: 'separate' | 'merged';
  /**
   * Where the output comes from. `attach`: attached before the start, live; a slow consumer slows
   * the workload down. `log`: replayed from the engine's log of the workload; the engine reads it
   * to its end after the exit (no gap, no duplicate), and a slow consumer slows only the reading.
   * docker-job treats both alike.
   */
  readonly output: 'attach' | 'log';
  /** `reported`: {@link ExitStatus.oomKilled} is always `true` or `false`. `unknown`: it may be `undefined`. */
  readonly oomKill: 'reported' | 'unknown';
  /**
   * `local`: the engine has {@link ContainerEngine.hasImage} and {@link ContainerEngine.pullImage},
   * and docker-job pulls as the job's pull policy says before creating the job. `nodes`: the
   * engine's nodes pull; it has no image methods, docker-job passes the job's pull policy as
   * {@link JobSpec.pull} and the registry's credentials to `createJob`, and refuses a job whose
   * policy is not among `pullPolicies`.
   */
  readonly images: 'local' | 'nodes';
  /** With `images: 'nodes'`: the pull policies the nodes can honour. Default: all three. */
  readonly pullPolicies?: readonly PullPolicy[];
  /**
   * The optional job fields it honours (`true`, or a note for the docs on how). A job that sets
   * any other is refused with a `ConfigError` naming the field, before the engine is contacted;
   * nothing is dropped silently. Every engine honours `image`, `command`, `entrypoint`, `env`,
   * `labels` and `stopTimeout`.
   */
  readonly fields: FieldSupport;
}

/**
 * A container engine docker-job can run jobs on. Implement it to run jobs elsewhere (Swarm,
 * Kubernetes, Podman); the contract test suite in the repository (`test/contract`) says what
 * every implementation must do.
 */
export interface ContainerEngine {
  /** What the engine is, for messages: `Docker engine`, `Kubernetes API server`. */
  readonly name: string;
  /** Where the engine is, for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  readonly address: string;
  /** What it can do. */
  readonly capabilities: EngineCapabilities;
  /** Checks the engine answers and says what it is. */
  ping(options?: CallOptions): Promise<EngineInfo>;
  /** True when the image is present on the engine. Only on engines with `capabilities.images` `local`. */
  hasImage?(image: string, options?: CallOptions): Promise<boolean>;
  /**
   * Pulls an image, with the registry credentials given (if any); rejects with the engine's
   * message if the pull fails at any point, including inside the progress stream. Only on engines
   * with `capabilities.images` `local`.
   */
  pullImage?(image: string, options?: CallOptions & { readonly onProgress?: (event: PullProgress) => void; readonly auth?: RegistryAuth }): Promise<void>;
  /**
   * Creates (does not start) a job. `auth`: on an engine whose nodes pull, the credentials for the
   * image's registry, for the nodes (docker-job resolves them as it does for its own pulls).
   */
  createJob(spec: JobSpec, options?: CallOptions & { readonly auth?: RegistryAuth }): Promise<EngineJob>;
  /**
   * Lists workloads, including stopped ones, that carry every given label and, when `ids` is
   * given, have one of those ids (a full id or a unique prefix).
   */
  listJobs(filter: { readonly labels: Readonly<Record<string, string>>; readonly ids?: readonly string[] }, options?: CallOptions): Promise<JobSummary[]>;
  /** Removes a job by id, stopping it if needed. Succeeds if it is gone already. */
  removeJob(id: string, options?: CallOptions): Promise<void>;
}
