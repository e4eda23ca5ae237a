import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import { EngineError } from '../../errors/engine-error.js';
import type { CallOptions, ContainerEngine, EngineCapabilities, EngineInfo, EngineJob, JobSpec, JobSummary, PullProgress } from '../container-engine.js';
import { DOCKER_CAPABILITIES } from './docker-capabilities.js';
import { formatVolumeSpec } from '../../core/volumes.js';
import { compareApiVersions, dockerClient, resolveDockerConnection, type DockerEngineOptions } from './connection.js';
import { DockerContainerJob, removeContainer, type DockerJobContext } from './docker-container-job.js';
import { DOCKER_ENGINE_NAME, signalled, toEngineError, withDeadline } from './engine-calls.js';
import { WATCH_INTERVAL_MS } from './job-watch.js';
import { readJsonMessages } from './progress-stream.js';
import { toDockerAuthConfig } from './docker-auth.js';
import type { RegistryAuth } from '../../registry/resolve-registry-auth.js';

export type { DockerEngineOptions } from './connection.js';

/**
 * The newest engine API version docker-job speaks. With an engine that speaks a newer one, this
 * is used; with an older engine, the engine's. (Docker Engine 29 refuses versions below 1.44.)
 */
export const MAX_API_VERSION = '1.47';
/** The oldest engine API version docker-job works with (Docker Engine 20.10). */
export const MIN_API_VERSION = '1.41';

const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const DEFAULT_RECONNECT_TIMEOUT_MS = 60_000;

/**
 * The Docker Engine adapter of {@link ContainerEngine}, built on dockerode.
 *
 * Runs each job with the lifecycle that loses nothing: create (no daemon auto-remove), attach
 * before start without log replay, register the wait before start, start, read the output to its
 * end, and only then report the exit.
 */
export class DockerEngine implements ContainerEngine {
  readonly name = DOCKER_ENGINE_NAME;
  readonly address: string;
  readonly capabilities: EngineCapabilities = DOCKER_CAPABILITIES;
  readonly #docker: Docker;
  readonly #ctx: DockerJobContext;
  #negotiated: Promise<EngineInfo> | undefined;

  /**
   * @param options How to reach the engine.
   * @param tuning @internal Shorter deadlines for tests; not part of the public contract.
   */
  constructor(options: DockerEngineOptions = {}, tuning: Partial<Pick<DockerJobContext, 'reconnectTimeoutMs' | 'watchIntervalMs'>> = {}) {
    const connection = resolveDockerConnection(options, options.env ?? process.env);
    this.#docker = dockerClient(connection);
    this.address = connection.address;
    this.#ctx = {
      address: this.address,
      callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      reconnectTimeoutMs: tuning.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS,
      watchIntervalMs: tuning.watchIntervalMs ?? WATCH_INTERVAL_MS,
    };
  }

  /**
   * Checks the engine answers and says what it is. The first successful ping also agrees the API
   * version: the engine's, or API 1.47 if the engine speaks a newer one.
   */
  async ping(options: CallOptions = {}): Promise<EngineInfo> {
    const version = this.#docker.version as (opts: object) => Promise<Docker.DockerVersion>;
    const v = await this.#call('read the engine version', (signal) => version.call(this.#docker, signalled({}, signal)), options.signal, this.#ctx.callTimeoutMs, false);
    const info = { version: v.Version, apiVersion: v.ApiVersion, platform: `${v.Os}/${v.Arch}` };
    if (this.#modem.version === undefined) {
      if (compareApiVersions(info.apiVersion, MIN_API_VERSION) < 0) {
        throw new EngineError({ operation: 'agree on an API version', engine: this.address, engineName: DOCKER_ENGINE_NAME, reason: `the engine speaks API ${info.apiVersion}; docker-job needs ${MIN_API_VERSION} or newer (Docker Engine 20.10+)` });
      }
      const agreed = compareApiVersions(info.apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : info.apiVersion;
      this.#modem.version = `v${agreed}`;
    }
    return info;
  }

  /** docker-modem's API version, `v1.41`; its typings leave it out. */
  get #modem(): { version?: string } {
    return this.#docker.modem as unknown as { version?: string };
  }

  /** Agrees the API version once, before the first call that depends on it. */
  async #ready(signal?: AbortSignal): Promise<void> {
    if (this.#modem.version !== undefined) return;
    this.#negotiated ??= this.ping(signal ? { signal } : {});
    try {
      await this.#negotiated;
    } catch (error) {
      this.#negotiated = undefined; // try again next time
      throw error;
    }
  }

  async hasImage(image: string, options: CallOptions = {}): Promise<boolean> {
    try {
      await this.#call(`inspect image ${image}`, (signal) => this.#docker.getImage(image).inspect(signalled({}, signal)), options.signal);
      return true;
    } catch (error) {
      if (error instanceof EngineError && error.statusCode === 404) return false;
      throw error;
    }
  }

  async pullImage(image: string, options: CallOptions & { onProgress?: (event: PullProgress) => void; auth?: RegistryAuth } = {}): Promise<void> {
    const operation = `pull image ${image}${options.auth ? ` with the credentials from ${options.auth.source}` : ''}`;
    const pullOptions = options.auth ? { authconfig: toDockerAuthConfig(options.auth) } : {};
    // No deadline: a pull takes as long as it takes; the caller's signal ends it.
    const stream = (await this.#call(operation, () => this.#docker.pull(image, signalled(pullOptions, options.signal)), undefined, Number.POSITIVE_INFINITY)) as IncomingMessage;
    // Pull failures arrive inside a 200 progress stream: read every event and surface errors.
    await readJsonMessages(stream, (event) => {
      if (event.error || event.errorDetail) {
        throw new EngineError({ operation, engine: this.address, engineName: DOCKER_ENGINE_NAME, reason: event.errorDetail?.message ?? event.error ?? 'unknown error' });
      }
      if (options.onProgress && event.status) {
        options.onProgress({
          status: event.status,
          ...(event.id === undefined ? {} : { id: event.id }),
          ...(event.progressDetail?.current === undefined ? {} : { current: event.progressDetail.current }),
          ...(event.progressDetail?.total === undefined ? {} : { total: event.progressDetail.total }),
        });
      }
    }).catch((error: unknown) => {
      throw toEngineError(this.address, error, operation);
    });
  }

  async createJob(spec: JobSpec, options: CallOptions = {}): Promise<EngineJob> {
    const body = createBody(spec);
    // dockerode would put every field of the body into the query string too (env values included,
    // and a long value past the engine's header limit): the query gets only what belongs there.
    const query = { ...(spec.name === undefined ? {} : { name: spec.name }), ...(spec.platform === undefined ? {} : { platform: spec.platform }) };
    const hint = windowsPathHint(spec);
    const container = await this.#call(
      `create a container from ${spec.image}`,
      (signal) => this.#docker.createContainer(signalled({ _query: query, _body: body } as unknown as Docker.ContainerCreateOptions, signal)),
      options.signal,
    ).catch((error: unknown) => {
      throw hint && error instanceof EngineError && error.statusCode !== undefined ? error.with({ hint }) : error;
    });
    return new DockerContainerJob(this.#docker.getContainer(container.id), spec.tty, this.#ctx);
  }

  async listJobs(filter: { labels: Readonly<Record<string, string>>; ids?: readonly string[] }, options: CallOptions = {}): Promise<JobSummary[]> {
    const label = Object.entries(filter.labels).map(([k, v]) => `${k}=${v}`);
    const filters = { label, ...(filter.ids === undefined ? {} : { id: [...filter.ids] }) };
    if (filter.ids?.length === 0) return [];
    const list = await this.#call('list containers', (signal) => this.#docker.listContainers(signalled({ all: true, filters }, signal)), options.signal);
    return list.map((c) => ({ id: c.Id, state: c.State, labels: c.Labels ?? {}, createdAt: c.Created * 1000 }));
  }

  async removeJob(id: string, options: CallOptions = {}): Promise<void> {
    await this.#ready(options.signal);
    await removeContainer(this.#docker.getContainer(id), this.#ctx, options);
  }

  /**
   * Runs one short engine call with the agreed API version and a deadline, turning its failures
   * into {@link EngineError}s that name the operation and the engine.
   */
  async #call<T>(operation: string, fn: (signal: AbortSignal | undefined) => Promise<T>, signal: AbortSignal | undefined, timeoutMs = this.#ctx.callTimeoutMs, negotiate = true): Promise<T> {
    try {
      if (negotiate) await this.#ready(signal);
      return await fn(Number.isFinite(timeoutMs) ? withDeadline(signal, timeoutMs) : signal);
    } catch (error) {
      throw toEngineError(this.address, error, operation);
    }
  }
}

/** Creates the Docker Engine adapter. See {@link DockerEngineOptions}. */
export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  return new DockerEngine(options);
}

/** The body of `POST /containers/create` for a job spec (API 1.41). */
function createBody(spec: JobSpec): Docker.ContainerCreateOptions {
  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  for (const mount of spec.volumes) {
    // Anonymous volumes go where `docker run -v /path` puts them; the rest as `-v` strings, so the
    // engine applies docker's own rules (a missing bind source is created, as with `docker run -v`).
    if (mount.type === 'volume' && mount.source === undefined) anonymous[mount.target] = {};
    else binds.push(formatVolumeSpec(mount));
  }
  const defined = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    Tty: spec.tty,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    StopTimeout: spec.stopTimeout,
    HostConfig: {
      AutoRemove: false, // removal is ours, after the exit code and every byte are read
      Binds: binds,
      ...defined('NetworkMode', spec.network),
      ...defined('Memory', spec.memory),
      ...defined('MemorySwap', spec.memorySwap),
      // Exact: a resolved cpus is a whole number of nano-CPUs divided by 1e9.
      ...defined('NanoCpus', spec.cpus === undefined ? undefined : Math.round(spec.cpus * 1e9)),
      ...defined('ShmSize', spec.shmSize),
      ...defined('PidsLimit', spec.pidsLimit),
      ...defined('ReadonlyRootfs', spec.readOnly),
      ...defined('CapAdd', spec.capAdd && [...spec.capAdd]),
      ...defined('CapDrop', spec.capDrop && [...spec.capDrop]),
      ...defined('Privileged', spec.privileged),
      ...defined('PidMode', spec.pidMode),
      ...defined('Init', spec.init),
      ...defined('ExtraHosts', spec.extraHosts && [...spec.extraHosts]),
      ...(spec.logDriver === undefined && spec.logOptions === undefined ? {} : { LogConfig: { Type: spec.logDriver ?? '', Config: { ...spec.logOptions } } }),
      ...defined(
        'DeviceRequests',
        spec.gpus?.map((gpu) => ({
          Driver: gpu.driver,
          Count: gpu.count,
          ...(gpu.deviceIds === undefined ? {} : { DeviceIDs: [...gpu.deviceIds] }),
          Capabilities: [[...gpu.capabilities]],
          Options: { ...gpu.options },
        })),
      ),
    },
    ...defined('Cmd', spec.command && [...spec.command]),
    // An empty entrypoint removes the image's; the engine expects it as `[""]`, as the docker CLI sends it.
    ...defined('Entrypoint', spec.entrypoint && (spec.entrypoint.length === 0 ? [''] : [...spec.entrypoint])),
    ...defined('WorkingDir', spec.workdir),
    ...defined('User', spec.user),
    ...defined('StopSignal', spec.stopSignal),
    ...(Object.keys(anonymous).length === 0 ? {} : { Volumes: anonymous }),
  } as Docker.ContainerCreateOptions;
}

/** A Linux engine reads `C:\data:/data` as `C` mounted at `\data` with options `/data`, and says only "invalid mode": say what went wrong. */
function windowsPathHint(spec: JobSpec): string | undefined {
  const windows = spec.volumes.find((m) => m.type === 'bind' && m.source !== undefined && !m.source.startsWith('/'));
  if (!windows) return undefined;
  return `The volume ${formatVolumeSpec(windows)} has a Windows host path, which only an engine on Windows (or Docker Desktop) can mount; a Linux engine takes absolute POSIX host paths such as /srv/data`;
}
