import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { EngineError } from '../../errors/engine-error.js';
import type {
  CallOptions,
  ContainerEngine,
  EngineInfo,
  EngineJob,
  ExitStatus,
  JobSpec,
  JobSummary,
  OutputChunk,
  PullProgress,
  StartedJob,
} from '../container-engine.js';
import { demuxDockerStream, rawDockerStream, StreamProtocolError } from './demux.js';
import { parseVolumeSpec } from '../../core/volumes.js';

/** How to reach a Docker Engine. Without any field, `DOCKER_HOST` and the TLS variables decide, else the local socket. */
export interface DockerEngineOptions {
  /** Path of the engine's unix socket (or Windows named pipe). */
  readonly socketPath?: string;
  /** Host name or address of a TCP engine. */
  readonly host?: string;
  /** Port of a TCP engine. */
  readonly port?: number | string;
  /** `http`, `https` or `ssh`. */
  readonly protocol?: 'http' | 'https' | 'ssh';
  /** TLS material for `https`. */
  readonly ca?: string | Buffer;
  /** Client certificate for `https`. */
  readonly cert?: string | Buffer;
  /** Client key for `https`. */
  readonly key?: string | Buffer;
  /** Pin the engine API version, e.g. `1.41`. Default: the engine's own. */
  readonly apiVersion?: string;
}

interface DockerodeError extends Error {
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  code?: string;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNRESET', 'EPIPE']);

/**
 * The Docker Engine adapter of {@link ContainerEngine}, built on dockerode.
 *
 * Runs each job with the lifecycle that loses nothing: create (no daemon auto-remove), attach
 * before start without log replay, register the wait before start, start, read the output to its
 * end, and only then report the exit.
 */
export class DockerEngine implements ContainerEngine {
  readonly address: string;
  readonly #docker: Docker;

  constructor(options: DockerEngineOptions = {}) {
    const { apiVersion, ...connection } = options;
    this.#docker = new Docker({ ...connection, ...(apiVersion ? { version: `v${apiVersion.replace(/^v/, '')}` } : {}) });
    this.address = describeAddress(this.#docker.modem as unknown as ModemAddress);
  }

  async ping(options: CallOptions = {}): Promise<EngineInfo> {
    const v = await this.#call('read the engine version', () => (this.#docker.version as (opts: object) => Promise<Docker.DockerVersion>).call(this.#docker, signalled({}, options.signal)));
    return { version: v.Version, apiVersion: v.ApiVersion, platform: `${v.Os}/${v.Arch}` };
  }

  async hasImage(image: string, options: CallOptions = {}): Promise<boolean> {
    try {
      await this.#docker.getImage(image).inspect(signalled({}, options.signal));
      return true;
    } catch (error) {
      if ((error as DockerodeError).statusCode === 404) return false;
      throw this.#wrap(error, `inspect image ${image}`);
    }
  }

  async pullImage(image: string, options: CallOptions & { onProgress?: (event: PullProgress) => void } = {}): Promise<void> {
    const operation = `pull image ${image}`;
    const stream = (await this.#call(operation, () => this.#docker.pull(image, signalled({}, options.signal)))) as IncomingMessage;
    // Pull failures arrive inside a 200 progress stream: read every event and surface errors.
    await readJsonLines(stream, (event: { status?: string; id?: string; error?: string; errorDetail?: { message?: string }; progressDetail?: { current?: number; total?: number } }) => {
      if (event.error || event.errorDetail) {
        throw new EngineError({ operation, engine: this.address, reason: event.errorDetail?.message ?? event.error ?? 'unknown error' });
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
      throw error instanceof EngineError ? error : this.#wrap(error, operation);
    });
  }

  async createJob(spec: JobSpec, options: CallOptions = {}): Promise<EngineJob> {
    const binds: string[] = [];
    const anonymous: Record<string, object> = {};
    for (const volume of spec.volumes) {
      const parsed = parseVolumeSpec(volume);
      if (parsed.ok && parsed.value.type === 'anonymous') anonymous[parsed.value.target] = {};
      else binds.push(volume);
    }
    const create: Docker.ContainerCreateOptions = {
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
        ...(spec.network === undefined ? {} : { NetworkMode: spec.network }),
        ...(spec.logDriver === undefined && spec.logOptions === undefined ? {} : { LogConfig: { Type: spec.logDriver ?? '', Config: { ...spec.logOptions } } }),
      },
      ...(spec.command === undefined ? {} : { Cmd: [...spec.command] }),
      ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
      ...(spec.workdir === undefined ? {} : { WorkingDir: spec.workdir }),
      ...(spec.user === undefined ? {} : { User: spec.user }),
      ...(spec.name === undefined ? {} : { name: spec.name }),
      ...(Object.keys(anonymous).length === 0 ? {} : { Volumes: anonymous }),
    };
    const container = await this.#call(`create a container from ${spec.image}`, () =>
      this.#docker.createContainer(signalled(create, options.signal)),
    );
    return new DockerJob(this, this.#docker.getContainer(container.id), spec.tty);
  }

  async listJobs(filter: { labels: Readonly<Record<string, string>> }, options: CallOptions = {}): Promise<JobSummary[]> {
    const label = Object.entries(filter.labels).map(([k, v]) => `${k}=${v}`);
    const list = await this.#call('list containers', () =>
      this.#docker.listContainers(signalled({ all: true, filters: { label } }, options.signal)),
    );
    return list.map((c) => ({ id: c.Id, state: c.State, labels: c.Labels ?? {} }));
  }

  async removeJob(id: string, options: CallOptions = {}): Promise<void> {
    await removeContainer(this, this.#docker.getContainer(id), options);
  }

  /** Runs a dockerode call, turning its failures into {@link EngineError}s. @internal */
  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#wrap(error, operation);
    }
  }

  /** @internal */
  #wrap(error: unknown, operation: string): EngineError {
    return toEngineError(this.address, error, operation);
  }
}

/** Creates the Docker Engine adapter. See {@link DockerEngineOptions}. */
export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  return new DockerEngine(options);
}

class DockerJob implements EngineJob {
  readonly id: string;

  constructor(
    private readonly engine: DockerEngine,
    private readonly container: Docker.Container,
    private readonly tty: boolean,
  ) {
    this.id = container.id;
  }

  async start(options: CallOptions = {}): Promise<StartedJob> {
    const { engine, container } = this;
    const short = this.id.slice(0, 12);
    // 1. Attach before start, without replaying logs: nothing the workload prints is missed.
    const attach = (await call(engine, `attach to container ${short}`, () =>
      container.attach(signalled({ stream: true, stdout: true, stderr: true, logs: false }, options.signal)),
    )) as unknown as IncomingMessage;
    // 2. Register the wait before start. The engine answers the headers once the wait is
    // registered; the body comes when the container exits.
    const waitAbort = new AbortController();
    let wait: IncomingMessage;
    try {
      wait = await dialStream(container, `/containers/${this.id}/wait?`, { condition: 'next-exit' }, waitAbort.signal);
    } catch (error) {
      attach.destroy();
      throw toEngineError(engine.address, error, `wait for container ${short}`);
    }
    const waitBody = readJson<{ StatusCode?: number; Error?: { Message?: string } | null }>(wait);
    waitBody.catch(() => {});
    // 3. Start.
    try {
      await container.start(signalled({}, options.signal));
    } catch (error) {
      // A failed start leaves the container `created`; the wait registered above never answers.
      waitAbort.abort();
      wait.destroy();
      attach.destroy();
      const state = await inspectState(container).catch(() => undefined);
      const code = state?.ExitCode;
      if (code === 126 || code === 127) {
        const reason = state?.Error || (error as DockerodeError).json?.message || (error as Error).message;
        const exit = Promise.resolve<ExitStatus>({ exitCode: code, oomKilled: false, startError: reason });
        return { output: emptyOutput(), exit };
      }
      throw toEngineError(engine.address, error, `start container ${short}`);
    }
    // 4. The exit: the wait's answer, then the engine's record of OOM kills.
    const exit = waitBody.then(async (body): Promise<ExitStatus> => {
      if (body.Error?.Message) {
        throw new EngineError({ operation: `wait for container ${short}`, engine: engine.address, reason: body.Error.Message });
      }
      const exitCode = body.StatusCode ?? -1;
      // An OOM kill shows as 137 (SIGKILL); only then is the engine's record worth a request.
      const oomKilled = exitCode === 137 && (await inspectState(container).catch(() => undefined))?.OOMKilled === true;
      return { exitCode, oomKilled };
    }, (error: unknown) => {
      throw toEngineError(engine.address, error, `wait for container ${short}`);
    });
    exit.catch(() => {});
    const output = readOutput(this.tty ? rawDockerStream(attach) : demuxDockerStream(attach), engine.address, short);
    return { output, exit };
  }

  async stop(options: CallOptions & { timeoutSeconds: number }): Promise<void> {
    try {
      await this.container.stop(signalled({ t: options.timeoutSeconds }, options.signal));
    } catch (error) {
      const status = (error as DockerodeError).statusCode;
      if (status === 304 || status === 404) return; // already stopped, or already gone
      throw toEngineError(this.engine.address, error, `stop container ${this.id.slice(0, 12)}`);
    }
  }

  async remove(options: CallOptions = {}): Promise<void> {
    await removeContainer(this.engine, this.container, options);
  }
}

async function* readOutput(source: AsyncIterable<OutputChunk>, address: string, short: string): AsyncGenerator<OutputChunk> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof StreamProtocolError) {
      throw new EngineError({ operation: `read the output of container ${short}`, engine: address, reason: error.message, cause: error });
    }
    throw toEngineError(address, error, `read the output of container ${short}`);
  }
}

// eslint-disable-next-line require-yield
async function* emptyOutput(): AsyncGenerator<OutputChunk> {}

async function removeContainer(engine: ContainerEngine, container: Docker.Container, options: CallOptions): Promise<void> {
  try {
    await container.remove(signalled({ force: true, v: true }, options.signal));
  } catch (error) {
    const status = (error as DockerodeError).statusCode;
    if (status === 404) return; // gone already
    if (status === 409 && /already in progress/i.test(messageOf(error))) return; // someone else is removing it
    throw toEngineError(engine.address, error, `remove container ${container.id.slice(0, 12)}`);
  }
}

async function call<T>(engine: ContainerEngine, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toEngineError(engine.address, error, operation);
  }
}

/** dockerode passes `abortSignal` on to its HTTP request; its typings do not all say so. */
function signalled<T extends object>(options: T, signal: AbortSignal | undefined): T {
  return signal ? { ...options, abortSignal: signal } : options;
}

interface ContainerState {
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
}

async function inspectState(container: Docker.Container): Promise<ContainerState> {
  const info = await container.inspect();
  return info.State as ContainerState;
}

/** Sends a request whose answer is a stream, resolving once the engine has sent the headers. */
function dialStream(container: Docker.Container, path: string, query: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    container.modem.dial(
      {
        path,
        method: 'POST',
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
        options: query,
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as IncomingMessage)),
    );
  });
}

async function readJson<T>(stream: IncomingMessage): Promise<T> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as T;
}

async function readJsonLines<T>(stream: IncomingMessage, onEvent: (event: T) => void): Promise<void> {
  let pending = '';
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (line.trim() !== '') onEvent(JSON.parse(line) as T);
  };
  for await (const part of stream) {
    pending += decoder.decode(part as Buffer, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  handle(pending + decoder.decode());
}

interface ModemAddress {
  socketPath?: string | (() => Promise<string>) | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  protocol?: string | undefined;
}

function describeAddress(modem: ModemAddress): string {
  // Without DOCKER_HOST, docker-modem picks the rootless user socket if it exists, else the system one.
  const socket = typeof modem.socketPath === 'function' ? defaultUnixSocket() : modem.socketPath;
  if (socket) return socket.startsWith('//./pipe') ? `npipe://${socket}` : `unix://${socket}`;
  const scheme = modem.protocol === 'ssh' ? 'ssh' : modem.protocol === 'https' ? 'tcp+tls' : 'tcp';
  return `${scheme}://${modem.host ?? 'localhost'}${modem.port ? `:${modem.port}` : ''}`;
}

function defaultUnixSocket(): string {
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

function messageOf(error: unknown): string {
  const e = error as DockerodeError;
  return e?.json?.message ?? e?.message ?? String(error);
}

/** Turns anything a dockerode call threw into an {@link EngineError} naming the operation and the engine. */
export function toEngineError(address: string, error: unknown, operation: string): EngineError {
  if (error instanceof EngineError) return error;
  const e = error as DockerodeError;
  if (e?.name === 'AbortError') {
    return new EngineError({ operation, engine: address, reason: 'aborted', cause: error });
  }
  if (e?.code && UNREACHABLE_CODES.has(e.code) && e.statusCode === undefined) {
    const hint = address.startsWith('unix://')
      ? `Start the Docker engine, or set DOCKER_HOST; when docker-job runs in a container, mount the socket: -v /var/run/docker.sock:/var/run/docker.sock`
      : 'Check that the engine runs and DOCKER_HOST points at it';
    return new EngineError({ operation, engine: address, reason: e.code, hint, cause: error }, true);
  }
  const reason = e?.json?.message ?? (typeof e?.message === 'string' ? e.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '') : String(error));
  return new EngineError({
    operation,
    engine: address,
    ...(e?.statusCode === undefined ? {} : { statusCode: e.statusCode }),
    reason: reason.trim(),
    cause: error,
  });
}
