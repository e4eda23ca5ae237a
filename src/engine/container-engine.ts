import type { GpuRequest } from '../core/gpus.js';
import type { VolumeMount } from '../core/volumes.js';

/**
 * The engine port: what docker-job needs from a container engine, in its own small types.
 *
 * The unit of work is a *job*: one workload with one exit status and two output streams. A Docker
 * container, a Docker Swarm `replicated-job` service or a Kubernetes Job can each be one, so the
 * port speaks of jobs, not containers, and no adapter type crosses it.
 */

import type { RegistryAuth } from '../registry/resolve-registry-auth.js';

/** Options every engine call accepts. */
export interface CallOptions {
  /** Aborts the call. Engines must stop waiting on the network when it fires. */
  readonly signal?: AbortSignal;
}

/** What the engine must run. Built by docker-job from a validated {@link ResolvedJob}. */
export interface JobSpec {
  /** Image reference. */
  readonly image: string;
  /** Command and arguments; absent: the image's default. */
  readonly command?: readonly string[];
  /** Entrypoint override; absent: the image's default. */
  readonly entrypoint?: readonly string[];
  /** Environment of the workload. */
  readonly env: Readonly<Record<string, string>>;
  /** Volumes: bind mounts, named and anonymous volumes, already validated (relative paths resolved). */
  readonly volumes: readonly VolumeMount[];
  /** Working directory. */
  readonly workdir?: string;
  /** User to run as. */
  readonly user?: string;
  /** Network mode or name. */
  readonly network?: string;
  /** Name for the workload. */
  readonly name?: string;
  /** Labels; engines must store them so that {@link ContainerEngine.listJobs} can filter on them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Allocate a TTY: output arrives as one raw stream, reported as `stdout`. */
  readonly tty: boolean;
  /** Seconds between the stop signal and a kill when the job is stopped. */
  readonly stopTimeout: number;
  /** Signal that asks the workload to stop (`SIGTERM` when absent), as written: `SIGINT`, `TERM`, `9`. */
  readonly stopSignal?: string;
  /** Platform of the image to run, `os[/arch[/variant]]`; absent: the engine's. */
  readonly platform?: string;
  /** Run an init process as PID 1 that forwards signals and reaps zombies. */
  readonly init?: boolean;
  /** Memory limit in bytes; absent or 0: none. */
  readonly memoryBytes?: number;
  /** Memory plus swap limit in bytes, `-1` for unlimited swap; absent: the engine's default (twice the memory). */
  readonly memorySwapBytes?: number;
  /** CPU limit in billionths of a CPU; absent or 0: none. */
  readonly nanoCpus?: number;
  /** Size of `/dev/shm` in bytes; absent or 0: the engine's default. */
  readonly shmSizeBytes?: number;
  /** Most processes the workload may run; absent, 0 or -1: no limit. */
  readonly pidsLimit?: number;
  /** GPU requests. */
  readonly gpus?: readonly GpuRequest[];
  /** Mount the root file system read-only. */
  readonly readOnlyRootfs?: boolean;
  /** Capabilities to add, `CAP_*` or `ALL`. */
  readonly capAdd?: readonly string[];
  /** Capabilities to drop, `CAP_*` or `ALL`. */
  readonly capDrop?: readonly string[];
  /** Run privileged. */
  readonly privileged?: boolean;
  /** PID namespace: `host` or `container:<name>`; absent: its own. */
  readonly pidMode?: string;
  /** Extra `/etc/hosts` entries, `host:ip`. */
  readonly extraHosts?: readonly string[];
  /** The engine's log driver for the workload (`json-file`, `local`, `none`, ...); absent: the engine's default. */
  readonly logDriver?: string;
  /** Options of the log driver. */
  readonly logOptions?: Readonly<Record<string, string>>;
}

/** A piece of a workload's output, in the order the engine delivered it. */
export interface OutputChunk {
  /** Which stream the bytes came from. */
  readonly stream: 'stdout' | 'stderr';
  /** The bytes; chunks do not align with lines or UTF-8 characters. */
  readonly data: Uint8Array;
}

/** How a workload ended. */
export interface ExitStatus {
  /** The workload's exit code (126/127 when it could not be started, as `docker run` reports). */
  readonly exitCode: number;
  /** The kernel killed the workload for exceeding its memory limit. */
  readonly oomKilled: boolean;
  /** The engine's reason when the workload could not be started at all. */
  readonly startError?: string;
}

/** A job that has been started. */
export interface StartedJob {
  /**
   * The workload's output from its very first byte, ending when the output ends. Pull-based: an
   * engine reads from its source only as fast as this is consumed (backpressure). It may throw an
   * {@link EngineError} if the engine reports an error inside the stream.
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
   * the workload ends at once: attach to the output and register for the exit before starting.
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

/**
 * A container engine docker-job can run jobs on. Implement it to run jobs elsewhere (Swarm,
 * Kubernetes, Podman); the contract test suite in the repository (`test/contract`) says what
 * every implementation must do.
 */
export interface ContainerEngine {
  /** Where the engine is, for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  readonly address: string;
  /** Checks the engine answers and says what it is. */
  ping(options?: CallOptions): Promise<EngineInfo>;
  /** True when the image is present on the engine. */
  hasImage(image: string, options?: CallOptions): Promise<boolean>;
  /**
   * Pulls an image, with the registry credentials given (if any); rejects with the engine's
   * message if the pull fails at any point, including inside the progress stream.
   */
  pullImage(image: string, options?: CallOptions & { readonly onProgress?: (event: PullProgress) => void; readonly auth?: RegistryAuth }): Promise<void>;
  /** Creates (does not start) a job. */
  createJob(spec: JobSpec, options?: CallOptions): Promise<EngineJob>;
  /**
   * Lists workloads, including stopped ones, that carry every given label and, when `ids` is
   * given, have one of those ids (a full id or a unique prefix).
   */
  listJobs(filter: { readonly labels: Readonly<Record<string, string>>; readonly ids?: readonly string[] }, options?: CallOptions): Promise<JobSummary[]>;
  /** Removes a job by id, stopping it if needed. Succeeds if it is gone already. */
  removeJob(id: string, options?: CallOptions): Promise<void>;
}
