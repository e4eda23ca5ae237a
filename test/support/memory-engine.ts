/**
 * An in-memory ContainerEngine: no daemon, no network. A job's workload is a JavaScript *program*,
 * found by its argv (entrypoint and command); it writes to its streams through {@link ProgramIo}
 * and returns its exit code. It passes the same contract suite as the Docker engine
 * (test/unit/memory-engine.contract.test.ts), so the runner's branches can be tested on it, fast
 * and deterministically, where a real engine cannot produce the fault on demand: a create whose
 * answer is lost, a remove that fails, a stop that never answers.
 *
 * What it imitates, as the port asks:
 * - `attach` output is pull-based with no buffer: a program's `write` resolves only once the
 *   consumer has taken the chunk, so a slow consumer stalls the program, as a full pipe stalls a
 *   container. `log` output (capabilities.output) is buffered: writes never wait, and the output
 *   replays the log to its end after the exit.
 * - A command it has no program for does not start: exit 127 and a start error, as Docker says it.
 * - `stop` aborts the program's `stopping` signal and, if it has not exited after the grace
 *   period, kills it: exit 137. Stop and remove succeed on a job that is done or gone.
 * - An image it does not have makes `createJob` reject with an EngineError naming it.
 * - A JobSpec field its capabilities do not list must never reach it: it throws if one does, so
 *   a runner that forgot to refuse a field fails its tests.
 *
 * Faults: `intercept(call, phase)` runs before and after every call; throwing `before` fails the
 * call with no effect, throwing `after` fails it after its effect (the answer lost), returning
 * `'ignore'` before makes it answer without doing anything (a stop the engine acknowledged and did
 * not do), and a promise that never settles hangs it. As with Docker, aborting the signal given
 * to `start` releases the job's streams: its output and exit then fail with an EngineError.
 */
import { randomUUID } from 'node:crypto';
import type { CallOptions, ContainerEngine, EngineCapabilities, EngineInfo, EngineJob, ExitStatus, JobSpec, JobSummary, OutputChunk, OutputStream, PullProgress, StartedJob } from '../../src/index.js';
import { EngineError } from '../../src/index.js';
import { isSet, JOB_FIELDS, SPEC_FIELDS } from '../../src/core/job-fields.js';

/** What a program can do. */
export interface ProgramIo {
  /** The job it runs for: env, workdir, user, ... */
  readonly spec: JobSpec;
  /** Writes to a stream; resolves once the consumer has taken the bytes (attach) or at once (log). */
  write(stream: 'stdout' | 'stderr', data: string | Uint8Array): Promise<void>;
  /** Aborts when the job is asked to stop; the reason is the stop signal (`SIGTERM`, ...). */
  readonly stopping: AbortSignal;
  /** Ends the program as the kernel's OOM killer does: exit 137, `oomKilled`. */
  oomKill(): never;
}

/** A workload: runs, and resolves with its exit code. */
export type Program = (io: ProgramIo) => Promise<number>;

/** The calls {@link MemoryEngineOptions.intercept} sees. */
export type MemoryCall = 'ping' | 'hasImage' | 'pullImage' | 'createJob' | 'start' | 'stop' | 'remove' | 'listJobs' | 'removeJob';

/** Options of {@link createMemoryEngine}. */
export interface MemoryEngineOptions {
  /** Programs by argv (entrypoint then command, joined by spaces), or a function that finds one. */
  readonly programs?: Readonly<Record<string, Program>> | ((argv: readonly string[]) => Program | undefined);
  /** Images the engine has. Default: `memory/busybox:1`. */
  readonly images?: readonly string[];
  /** Images a pull can fetch (the pull adds them to `images`). Default: none. */
  readonly registry?: readonly string[];
  /** Capabilities to declare instead of the defaults (everything, like Docker). */
  readonly capabilities?: Partial<EngineCapabilities>;
  /** Runs before and after every call: see the module's description. */
  readonly intercept?: (call: MemoryCall, phase: 'before' | 'after', detail: { readonly id?: string; readonly spec?: JobSpec }) => void | 'ignore' | Promise<void | 'ignore'>;
}

/** The in-memory engine, with what tests look at. */
export interface MemoryEngine extends ContainerEngine {
  /** Every job ever created, by id, with its spec and state. */
  readonly jobs: ReadonlyMap<string, MemoryJobRecord>;
  /** The calls made, in order (`createJob`, `start`, `stop`, ...). */
  readonly calls: readonly MemoryCall[];
  /** Images present. */
  readonly images: ReadonlySet<string>;
}

/** What the engine keeps of one job. */
export interface MemoryJobRecord {
  readonly spec: JobSpec;
  readonly createdAt: number;
  state: 'created' | 'running' | 'exited' | 'removed';
  /** The stops asked for, with their grace periods. */
  readonly stops: number[];
  /** The `auth` createJob was given, for engines whose nodes pull. */
  readonly auth: unknown;
}

const DEFAULT_CAPABILITIES: EngineCapabilities = {
  streams: 'separate',
  output: 'attach',
  oomKill: 'reported',
  images: 'local',
  fields: Object.fromEntries(SPEC_FIELDS.filter((f) => JOB_FIELDS[f].honour === 'optional').map((f) => [f, true])),
};

const DEFAULT_IMAGE = 'memory/busybox:1';

/** Creates an in-memory engine. */
export function createMemoryEngine(options: MemoryEngineOptions = {}): MemoryEngine {
  const capabilities: EngineCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  const images = new Set(options.images ?? [DEFAULT_IMAGE]);
  const jobs = new Map<string, MemoryJobRecord & { handle: MemoryJob }>();
  const calls: MemoryCall[] = [];
  const intercept = async (call: MemoryCall, phase: 'before' | 'after', detail: { id?: string; spec?: JobSpec } = {}): Promise<boolean> => {
    if (phase === 'before') calls.push(call);
    return (await options.intercept?.(call, phase, detail)) === 'ignore';
  };
  const address = 'memory://local';
  const findProgram = (argv: readonly string[]): Program | undefined => {
    const programs = options.programs ?? {};
    return typeof programs === 'function' ? programs(argv) : programs[argv.join(' ')];
  };

  const engine: MemoryEngine = {
    name: 'in-memory engine',
    address,
    capabilities,
    jobs,
    calls,
    images,
    async ping() {
      await intercept('ping', 'before');
      const info: EngineInfo = { version: '1.0.0', apiVersion: '1.0', platform: 'memory/js' };
      await intercept('ping', 'after');
      return info;
    },
    async createJob(spec, callOptions = {}) {
      await intercept('createJob', 'before', { spec });
      for (const field of SPEC_FIELDS) {
        const optional = JOB_FIELDS[field].honour === 'optional';
        if (optional && isSet(spec[field]) && (capabilities.fields as Record<string, unknown>)[field] === undefined) {
          throw new Error(`the in-memory engine was given ${field}, which its capabilities do not list: the runner must refuse such a job`);
        }
      }
      if (capabilities.images === 'local' && !images.has(spec.image)) {
        throw new EngineError({ operation: `create a job from ${spec.image}`, engine: address, engineName: engine.name, statusCode: 404, reason: `No such image: ${spec.image}` });
      }
      if (capabilities.images === 'nodes' && spec.pull === undefined) throw new Error('an engine whose nodes pull needs the pull policy in the spec');
      const id = randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '');
      const record = { spec, createdAt: Date.now(), state: 'created' as const, stops: [], auth: callOptions.auth, handle: undefined as unknown as MemoryJob };
      const job = new MemoryJob(id, record, capabilities, findProgram, intercept, images);
      record.handle = job;
      jobs.set(id, record);
      await intercept('createJob', 'after', { id, spec });
      return job;
    },
    async listJobs(filter) {
      await intercept('listJobs', 'before');
      const found: JobSummary[] = [];
      for (const [id, record] of jobs) {
        if (record.state === 'removed') continue;
        if (!Object.entries(filter.labels).every(([k, v]) => record.spec.labels[k] === v)) continue;
        if (filter.ids !== undefined && !filter.ids.some((prefix) => id.startsWith(prefix))) continue;
        found.push({ id, state: record.state, labels: record.spec.labels, createdAt: record.createdAt });
      }
      await intercept('listJobs', 'after');
      return found;
    },
    async removeJob(id) {
      await intercept('removeJob', 'before', { id });
      await jobs.get(id)?.handle.removeNow();
      await intercept('removeJob', 'after', { id });
    },
  };
  if (capabilities.images === 'local') {
    engine.hasImage = async (image: string) => {
      await intercept('hasImage', 'before');
      const has = images.has(image);
      await intercept('hasImage', 'after');
      return has;
    };
    engine.pullImage = async (image: string, pullOptions: CallOptions & { onProgress?: (event: PullProgress) => void } = {}) => {
      await intercept('pullImage', 'before');
      pullOptions.signal?.throwIfAborted();
      if (!(options.registry ?? []).includes(image)) {
        throw new EngineError({ operation: `pull image ${image}`, engine: address, engineName: engine.name, statusCode: 404, reason: `manifest for ${image} not found` });
      }
      pullOptions.onProgress?.({ status: 'Downloading', id: '0123456789ab', current: 1, total: 1 });
      images.add(image);
      await intercept('pullImage', 'after');
    };
  }
  return engine;
}

/** Runs the test's intercept; true when it says to ignore the call. */
type Intercept = (call: MemoryCall, phase: 'before' | 'after', detail?: { id?: string; spec?: JobSpec }) => Promise<boolean>;

/** One job of the in-memory engine. */
class MemoryJob implements EngineJob {
  readonly id: string;
  readonly #record: MemoryJobRecord;
  readonly #capabilities: EngineCapabilities;
  readonly #findProgram: (argv: readonly string[]) => Program | undefined;
  readonly #intercept: Intercept;
  readonly #images: Set<string>;
  readonly #stopping = new AbortController();
  /** Settles the exit with this status (a kill, an OOM kill); the first wins. */
  #end: ((status: ExitStatus) => void) | undefined;
  #exited: Promise<ExitStatus> | undefined;
  /** Chunks written and not yet taken. */
  readonly #queue: { chunk: OutputChunk; taken: () => void }[] = [];
  #wake: (() => void) | undefined;
  #outputDone = false;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(id: string, record: MemoryJobRecord, capabilities: EngineCapabilities, findProgram: (argv: readonly string[]) => Program | undefined, intercept: Intercept, images: Set<string>) {
    this.id = id;
    this.#record = record;
    this.#capabilities = capabilities;
    this.#findProgram = findProgram;
    this.#intercept = intercept;
    this.#images = images;
  }

  async start(options: CallOptions = {}): Promise<StartedJob> {
    await this.#intercept('start', 'before', { id: this.id });
    options.signal?.throwIfAborted();
    const spec = this.#record.spec;
    if (this.#record.state === 'removed') throw new EngineError({ operation: `start job ${this.id.slice(0, 12)}`, engine: 'memory://local', engineName: 'in-memory engine', statusCode: 404, reason: 'no such job' });
    if (this.#capabilities.images === 'nodes' && !this.#images.has(spec.image)) {
      throw new EngineError({ operation: `start job ${this.id.slice(0, 12)}`, engine: 'memory://local', engineName: 'in-memory engine', reason: `the nodes cannot pull ${spec.image}` });
    }
    const argv = [...(spec.entrypoint ?? []), ...(spec.command ?? [])];
    const program = this.#findProgram(argv);
    if (program === undefined) {
      this.#record.state = 'exited';
      const command = argv[0] ?? '';
      const exit: ExitStatus = { exitCode: 127, oomKilled: this.#oom(false), startError: `exec: "${command}": stat ${command}: no such file or directory` };
      this.#outputDone = true;
      await this.#intercept('start', 'after', { id: this.id });
      return { output: this.#output(options.signal), exit: Promise.resolve(exit) };
    }
    this.#record.state = 'running';
    const merged = this.#capabilities.streams === 'merged' || spec.tty;
    const log = this.#capabilities.output === 'log';
    const io: ProgramIo = {
      spec,
      stopping: this.#stopping.signal,
      write: (stream, data) => {
        if (this.#outputDone) return Promise.resolve();
        const bytes = typeof data === 'string' ? new TextEncoder().encode(spec.tty ? data.replaceAll('\n', '\r\n') : data) : data;
        const chunk: OutputChunk = { stream: (merged ? 'merged' : stream) satisfies OutputStream, data: bytes };
        return new Promise<void>((taken) => {
          this.#queue.push({ chunk, taken });
          this.#wake?.();
          if (log) taken();
        });
      },
      oomKill: () => {
        this.#end?.({ exitCode: 137, oomKilled: this.#oom(true) });
        throw new Error('killed by the OOM killer');
      },
    };
    this.#exited = new Promise<ExitStatus>((resolve, reject) => {
      let settled = false;
      this.#end = (status) => {
        if (settled) return;
        settled = true;
        clearTimeout(this.#killTimer);
        this.#record.state = 'exited';
        this.#outputDone = true;
        this.#wake?.();
        resolve(status);
      };
      // The start signal releases the streams: the exit fails, as the output does.
      options.signal?.addEventListener(
        'abort',
        () => {
          if (settled) return;
          settled = true;
          reject(new EngineError({ operation: `wait for job ${this.id.slice(0, 12)}`, engine: 'memory://local', engineName: 'in-memory engine', reason: 'aborted', cause: options.signal?.reason }));
        },
        { once: true },
      );
      program(io).then(
        (exitCode) => this.#end?.({ exitCode, oomKilled: this.#oom(false) }),
        () => this.#end?.({ exitCode: 1, oomKilled: this.#oom(false) }),
      );
    });
    this.#exited.catch(() => {}); // a caller that stops listening leaves no unhandled rejection
    await this.#intercept('start', 'after', { id: this.id });
    return { output: this.#output(options.signal), exit: this.#exited };
  }

  async stop(options: CallOptions & { readonly timeoutSeconds: number }): Promise<void> {
    if (await this.#intercept('stop', 'before', { id: this.id })) return;
    this.#record.stops.push(options.timeoutSeconds);
    if (this.#record.state === 'running' && !this.#stopping.signal.aborted) {
      this.#stopping.abort(this.#record.spec.stopSignal ?? 'SIGTERM');
      this.#killTimer = setTimeout(() => this.#end?.({ exitCode: 137, oomKilled: this.#oom(false) }), options.timeoutSeconds * 1000);
    } else if (this.#record.state === 'running' && options.timeoutSeconds === 0) {
      this.#end?.({ exitCode: 137, oomKilled: this.#oom(false) });
    }
    if (this.#record.state === 'running') await this.#exited;
    await this.#intercept('stop', 'after', { id: this.id });
  }

  async remove(): Promise<void> {
    if (await this.#intercept('remove', 'before', { id: this.id })) return;
    await this.removeNow();
    await this.#intercept('remove', 'after', { id: this.id });
  }

  /** Kills the job if it runs, and forgets it. */
  async removeNow(): Promise<void> {
    if (this.#record.state === 'removed') return;
    this.#end?.({ exitCode: 137, oomKilled: this.#oom(false) });
    this.#outputDone = true;
    this.#wake?.();
    this.#record.state = 'removed';
  }

  /** What the exit says about an OOM kill: the truth, or nothing on an engine that cannot tell. */
  #oom(killed: boolean): boolean | undefined {
    return this.#capabilities.oomKill === 'reported' ? killed : undefined;
  }

  async *#output(signal: AbortSignal | undefined): AsyncGenerator<OutputChunk> {
    for (;;) {
      if (signal?.aborted) throw new EngineError({ operation: `read the output of job ${this.id.slice(0, 12)}`, engine: 'memory://local', engineName: 'in-memory engine', reason: 'aborted', cause: signal.reason });
      const next = this.#queue.shift();
      if (next !== undefined) {
        next.taken();
        yield next.chunk;
        continue;
      }
      if (this.#outputDone) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      this.#wake = undefined;
    }
  }
}
