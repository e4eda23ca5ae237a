import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { EngineError } from '../../errors/engine-error.js';
import type { CallOptions, EngineJob, ExitStatus, OutputChunk, StartedJob } from '../container-engine.js';
import { demuxDockerStream, rawDockerStream, StreamProtocolError } from './demux.js';
import { JobWatch } from './job-watch.js';
import { DeliveredStream, ResumeMismatch, ResumeSkip } from './resume-check.js';
import {
  dialStream,
  messageOf,
  readJson,
  retryWhileUnreachable,
  signalled,
  statusOf,
  toEngineError,
  withDeadline,
  type DockerodeError,
  DOCKER_ENGINE_NAME,
} from './engine-calls.js';

/** What a job needs from its engine. @internal */
export interface DockerJobContext {
  /** The engine's address, for messages. */
  readonly address: string;
  /** Deadline of each short call, in milliseconds. */
  readonly callTimeoutMs: number;
  /** How long to keep trying while the engine is away in the middle of a job, in milliseconds. */
  readonly reconnectTimeoutMs: number;
  /** How long a job's streams may be silent before the engine is asked about it (see job-watch.ts), in milliseconds. */
  readonly watchIntervalMs: number;
}

/** How often a lost output stream is resumed before giving up. */
const MAX_RESUMES = 20;
/**
 * After the output ends cleanly, how long to wait for the exit before asking the engine whether
 * the container still runs (a dropped connection looks exactly like a normal end).
 */
const EXIT_AFTER_OUTPUT_MS = 250;

type WaitBody = { StatusCode?: number; Error?: { Message?: string } | null };

/**
 * One Docker container run as a job, with the lifecycle that loses nothing (see ENGINE-NOTES):
 * attach before start without log replay, the wait registered before start, then start. A dropped
 * attach stream is resumed from the engine's logs without gaps or duplicates; a dropped wait is
 * registered again; while the engine is away (restarting), calls are retried until a deadline; a
 * connection that dies silently is found by a {@link JobWatch}.
 * @internal
 */
export class DockerContainerJob implements EngineJob {
  readonly id: string;
  readonly #container: Docker.Container;
  readonly #ctx: DockerJobContext;
  readonly #tty: boolean;
  readonly #short: string;

  constructor(container: Docker.Container, tty: boolean, context: DockerJobContext) {
    this.id = container.id;
    this.#container = container;
    this.#tty = tty;
    this.#ctx = context;
    this.#short = container.id.slice(0, 12);
  }

  /**
   * Attaches, registers the wait, starts. `options.signal` governs the job's streams for its whole
   * life: aborting it releases them, and the output and exit then fail with an {@link EngineError}.
   */
  async start(options: CallOptions = {}): Promise<StartedJob> {
    const lifetime = new AbortController();
    const release = () => lifetime.abort(options.signal?.reason);
    options.signal?.throwIfAborted();
    options.signal?.addEventListener('abort', release, { once: true });

    const id = this.id;
    let attach: IncomingMessage;
    let wait: IncomingMessage;
    try {
      // 1. Attach before start, without replaying logs: nothing the workload prints is missed.
      attach = await this.#openStream('attach to', { path: `/containers/${id}/attach?`, method: 'POST', query: { stream: true, stdout: true, stderr: true, logs: false } }, lifetime.signal);
      // 2. Register the wait before start: the engine sends the headers once it is registered and
      // the body when the container exits. (`not-running` here would answer at once: it is `created`.)
      wait = await this.#openStream('wait for', { path: `/containers/${id}/wait?`, method: 'POST', query: { condition: 'next-exit' } }, lifetime.signal);
    } catch (error) {
      lifetime.abort();
      options.signal?.removeEventListener('abort', release);
      throw error;
    }
    const firstWait = readJson<WaitBody>(wait);
    firstWait.catch(() => {});

    // 3. Start.
    try {
      await this.#container.start(signalled({}, withDeadline(undefined, this.#ctx.callTimeoutMs)));
    } catch (error) {
      // A failed start leaves the container `created`, and the wait registered above never answers.
      lifetime.abort();
      options.signal?.removeEventListener('abort', release);
      const failed = await this.#startFailure(error);
      if (failed) return { output: emptyOutput(), exit: Promise.resolve(failed) };
      throw toEngineError(this.#ctx.address, error, `start container ${this.#short}`);
    }

    const watch = new JobWatch({
      intervalMs: this.#ctx.watchIntervalMs,
      reconnectTimeoutMs: this.#ctx.reconnectTimeoutMs,
      isRunning: () => this.#isRunning(),
      onUnreachable: (cause, forMs) => {
        const error = new EngineError(
          {
            operation: `follow container ${this.#short}`,
            engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME,
            reason: `no answer for ${Math.round(forMs / 1000)} s while the job's streams were silent; its streams were released, and the container may still run`,
            hint: 'Check that the engine runs and can be reached from here',
            cause,
            unreachable: true,
          },
        );
        lifetime.abort(error);
        watch.release(error);
      },
    });
    lifetime.signal.addEventListener('abort', () => watch.stop(), { once: true });
    watch.waitOn(wait);

    let exitKnown = false;
    const exit = this.#exit(firstWait, lifetime.signal, watch).finally(() => {
      exitKnown = true;
      watch.exitSettled();
    });
    exit.catch(() => {});
    const output = this.#output(attach, lifetime.signal, () => exitKnown, exit, watch);
    // Once the exit is known and the output read, the streams are done: stop listening.
    void Promise.allSettled([exit]).then(() => options.signal?.removeEventListener('abort', release));
    return { output, exit };
  }

  async stop(options: CallOptions & { readonly timeoutSeconds: number }): Promise<void> {
    try {
      await this.#container.stop(signalled({ t: options.timeoutSeconds }, withDeadline(options.signal, this.#ctx.callTimeoutMs + options.timeoutSeconds * 1000)));
    } catch (error) {
      const status = statusOf(error);
      if (status === 304 || status === 404) return; // stopped already, or gone
      throw toEngineError(this.#ctx.address, error, `stop container ${this.#short}`);
    }
  }

  async remove(options: CallOptions = {}): Promise<void> {
    await removeContainer(this.#container, this.#ctx, options);
  }

  /** Opens a streaming request; the engine must answer its headers within the call deadline. */
  async #openStream(verb: string, request: Parameters<typeof dialStream>[1], lifetime: AbortSignal): Promise<IncomingMessage> {
    const operation = `${verb} container ${this.#short}`;
    const stream = new AbortController();
    const onAbort = () => stream.abort(lifetime.reason);
    lifetime.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stream.abort(new DOMException(`no answer within ${this.#ctx.callTimeoutMs} ms`, 'TimeoutError')), this.#ctx.callTimeoutMs);
    try {
      const response = await dialStream(this.#container, request, stream.signal);
      response.once('close', () => lifetime.removeEventListener('abort', onAbort));
      return response;
    } catch (error) {
      lifetime.removeEventListener('abort', onAbort);
      throw toEngineError(this.#ctx.address, error, operation);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Maps a failed start to the exit `docker run` reports (127: not found, 126: not executable),
   * with the engine's reason; `undefined` when the failure is not the command's. Read from the
   * message only: the engine's `State.ExitCode` says 127 for a bad bind mount too.
   */
  async #startFailure(error: unknown): Promise<ExitStatus | undefined> {
    const state = await this.#inspect().catch(() => undefined);
    const reason = state?.Error || messageOf(error);
    const code = exitCodeForStartError(reason);
    return code === undefined ? undefined : { exitCode: code, oomKilled: false, startError: reason };
  }

  /** The exit: the wait's answer; a dropped wait is registered again (`not-running` is right once started). */
  async #exit(firstWait: Promise<WaitBody>, lifetime: AbortSignal, watch: JobWatch): Promise<ExitStatus> {
    const operation = `wait for container ${this.#short}`;
    let body: WaitBody | undefined = await firstWait.catch(() => undefined);
    for (let attempt = 1; body === undefined; attempt++) {
      if (lifetime.aborted) throw toEngineError(this.#ctx.address, lifetime.reason ?? new DOMException('aborted', 'AbortError'), operation);
      if (attempt > MAX_RESUMES) throw new EngineError({ operation, engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME, reason: `the wait was cut off ${MAX_RESUMES} times` });
      const deadline = performance.now() + this.#ctx.reconnectTimeoutMs;
      const stream = await retryWhileUnreachable(
        () => this.#openStream('wait for', { path: `/containers/${this.id}/wait?`, method: 'POST', query: { condition: 'not-running' } }, lifetime),
        deadline,
        lifetime,
      );
      watch.waitOn(stream);
      body = await readJson<WaitBody>(stream).catch(() => undefined);
    }
    if (body.Error?.Message) throw new EngineError({ operation, engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME, reason: body.Error.Message });
    const exitCode = body.StatusCode ?? -1;
    // An OOM kill shows as 137 (SIGKILL); only then is the engine's record worth a request.
    const oomKilled = exitCode === 137 && (await this.#inspect().catch(() => undefined))?.OOMKilled === true;
    return { exitCode, oomKilled };
  }

  /**
   * The output from the first byte. If the attach stream is cut off while the container still
   * runs, it goes on from the engine's logs, skipping the bytes of each stream already delivered,
   * checked against what was delivered (see resume-check.ts): no gap, no duplicate, or an
   * {@link EngineError} that says the log cannot give the stream back.
   */
  async *#output(attach: IncomingMessage, lifetime: AbortSignal, exitKnown: () => boolean, exit: Promise<ExitStatus>, watch: JobWatch): AsyncGenerator<OutputChunk> {
    try {
      yield* this.#readOutput(attach, lifetime, exitKnown, exit, watch);
    } finally {
      watch.outputEnded();
    }
  }

  async *#readOutput(attach: IncomingMessage, lifetime: AbortSignal, exitKnown: () => boolean, exit: Promise<ExitStatus>, watch: JobWatch): AsyncGenerator<OutputChunk> {
    const delivered = { stdout: new DeliveredStream(), stderr: new DeliveredStream(), merged: new DeliveredStream() };
    const skipDelivered = () => ({ stdout: new ResumeSkip('stdout', delivered.stdout), stderr: new ResumeSkip('stderr', delivered.stderr), merged: new ResumeSkip('merged', delivered.merged) });
    let skip: ReturnType<typeof skipDelivered> | undefined; // none on the attach stream
    let source: IncomingMessage = attach;
    let final = false; // reading the logs once more, without follow, after the container exited
    for (let resumes = 0; ; resumes++) {
      let cutOff: unknown;
      watch.readFrom(source);
      try {
        for await (const chunk of this.#tty ? rawDockerStream(source) : demuxDockerStream(source)) {
          let { data } = chunk;
          const resumed = skip?.[chunk.stream];
          if (resumed !== undefined && !resumed.done) {
            data = resumed.take(data);
            if (data.length === 0) {
              watch.progress();
              continue;
            }
          }
          delivered[chunk.stream].record(data);
          watch.delivering();
          yield data === chunk.data ? chunk : { stream: chunk.stream, data };
          watch.reading();
        }
        // The finished log must hold at least what was delivered.
        if (final) for (const s of [skip?.stdout, skip?.stderr, skip?.merged]) s?.end();
      } catch (error) {
        if (error instanceof ResumeMismatch) {
          throw new EngineError({
            operation: `read the output of container ${this.#short}`,
            engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME,
            reason: `the output stream was cut off, and the engine's log, read to resume it, does not reproduce the stream (${error.message}; a rotated log, or bytes the log driver rewrote such as invalid UTF-8): output of ${error.stream} around byte ${error.delivered} may be missing or repeated`,
            cause: error,
          });
        }
        if (error instanceof StreamProtocolError && !error.truncated) {
          throw new EngineError({ operation: `read the output of container ${this.#short}`, engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME, reason: error.message, cause: error });
        }
        if (lifetime.aborted) throw toEngineError(this.#ctx.address, lifetime.reason ?? error, `read the output of container ${this.#short}`);
        cutOff = error;
      } finally {
        source.destroy();
      }
      if (final) return;
      if (cutOff === undefined && (await this.#endedNormally(exitKnown, exit))) {
        if (resumes === 0) return;
        // A followed logs stream can end before the engine has logged the last partial line: read
        // the finished log once more, from the start, keeping only what was not delivered.
        final = true;
        source = await this.#resumeFromLogs(lifetime, undefined, false);
        skip = skipDelivered();
        continue;
      }
      if (resumes >= MAX_RESUMES) {
        throw new EngineError({ operation: `read the output of container ${this.#short}`, engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME, reason: `the output stream was cut off ${MAX_RESUMES + 1} times`, cause: cutOff });
      }
      source = await this.#resumeFromLogs(lifetime, cutOff);
      skip = skipDelivered();
    }
  }

  /** A clean end of the output is normal when the container has exited (or exits very soon). */
  async #endedNormally(exitKnown: () => boolean, exit: Promise<ExitStatus>): Promise<boolean> {
    if (exitKnown()) return true;
    // The pause is cancelled as soon as the exit is known: a pending timer would keep a process
    // that is done with its job alive for the rest of it.
    const pause = new AbortController();
    const settled = await Promise.race([
      exit.then(() => true, () => true),
      sleep(EXIT_AFTER_OUTPUT_MS, false, { signal: pause.signal }).catch(() => false),
    ]);
    pause.abort();
    if (settled) return true;
    const deadline = performance.now() + this.#ctx.reconnectTimeoutMs;
    const state = await retryWhileUnreachable(() => this.#inspect(), deadline).catch(() => undefined);
    // Unknown state: resume; the logs end at once if there is nothing more.
    return state !== undefined && state.Running !== true;
  }

  async #resumeFromLogs(lifetime: AbortSignal, cutOff: unknown, follow = true): Promise<IncomingMessage> {
    const deadline = performance.now() + this.#ctx.reconnectTimeoutMs;
    try {
      return await retryWhileUnreachable(
        () => this.#openStream('read the logs of', { path: `/containers/${this.id}/logs?`, method: 'GET', query: { follow, stdout: true, stderr: true } }, lifetime),
        deadline,
        lifetime,
      );
    } catch (error) {
      const reason = /does not support reading|not implemented/i.test(messageOf(error))
        ? `the output stream was cut off and the container's log driver keeps nothing to resume from (${messageOf(error)}); output after that point is lost`
        : `the output stream was cut off and could not be resumed: ${messageOf(error)}`;
      throw new EngineError({ operation: `read the output of container ${this.#short}`, engine: this.#ctx.address, engineName: DOCKER_ENGINE_NAME, reason, cause: cutOff ?? error });
    }
  }

  /** Whether the container still runs; `false` when it is gone. */
  async #isRunning(): Promise<boolean> {
    try {
      return (await this.#inspect()).Running === true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async #inspect(): Promise<ContainerState> {
    const info = await this.#container.inspect(signalled({}, withDeadline(undefined, this.#ctx.callTimeoutMs)));
    return info.State as ContainerState;
  }
}

interface ContainerState {
  Running?: boolean;
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
}

/**
 * The exit code of a container whose *command* could not be started, from the engine's message:
 * 127 when the command is not found, 126 when it cannot be executed (as `docker run` and a shell
 * report them). The runtime names the command's failure `exec: "<command>": <why>`; only that part
 * is read, so a failure of anything else (a bind mount of a file onto a directory, a user missing
 * from /etc/passwd) is not taken for the command's, however its message reads: `undefined`, and
 * the start is the engine refusing the job. @internal
 */
export function exitCodeForStartError(message: string): 126 | 127 | undefined {
  const why = /\bexec: "(?:[^"\\]|\\.)*": (.*)$/s.exec(message)?.[1];
  if (why === undefined) return undefined;
  if (/executable file not found|no such file or directory/i.test(why)) return 127;
  if (/permission denied|exec format error|not a directory|is a directory/i.test(why)) return 126;
  return undefined;
}

// eslint-disable-next-line require-yield
async function* emptyOutput(): AsyncGenerator<OutputChunk> {}

/** Removes a container and its anonymous volumes; gone already is success; retried while the engine is away. @internal */
export async function removeContainer(container: Docker.Container, ctx: DockerJobContext, options: CallOptions = {}): Promise<void> {
  const operation = `remove container ${container.id.slice(0, 12)}`;
  const deadline = performance.now() + Math.max(ctx.reconnectTimeoutMs, ctx.callTimeoutMs);
  try {
    await retryWhileUnreachable(() => container.remove(signalled({ force: true, v: true }, withDeadline(options.signal, ctx.callTimeoutMs))), deadline, options.signal);
  } catch (error) {
    const status = (error as DockerodeError).statusCode;
    if (status === 404) return; // gone already
    if (status === 409 && /already in progress/i.test(messageOf(error))) return; // someone else is removing it
    throw toEngineError(ctx.address, error, operation);
  }
}
