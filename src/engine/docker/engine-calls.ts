/**
 * How the Docker adapter talks to the engine: errors turned into {@link EngineError}s that name the
 * operation and the engine, deadlines on every call, retries while the engine is briefly away, and
 * the streaming requests dockerode has no helper for.
 * @internal
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { EngineError } from '../../errors/engine-error.js';

/** How the Docker adapter names its engine in messages. */
export const DOCKER_ENGINE_NAME = 'Docker engine';

/** What dockerode's errors carry. */
export interface DockerodeError extends Error {
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  code?: string;
}

/** Socket errors that mean the engine cannot be reached (or went away). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** The HTTP status of a failed engine call, if the engine answered. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof EngineError) return error.statusCode;
  return (error as DockerodeError | undefined)?.statusCode;
}

/** The engine's own message for a failed call, else the error's message. */
export function messageOf(error: unknown): string {
  const e = error as DockerodeError | undefined;
  return e?.json?.message ?? e?.message ?? String(error);
}

/** True when `error` says the engine could not be reached (as opposed to the engine refusing). */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof EngineError) return error.code === 'ENGINE_UNREACHABLE';
  const e = error as DockerodeError | undefined;
  return typeof e?.code === 'string' && UNREACHABLE_CODES.has(e.code) && e.statusCode === undefined;
}

/** Turns anything a dockerode call threw into an {@link EngineError} naming the operation and the engine. */
export function toEngineError(address: string, error: unknown, operation: string): EngineError {
  if (error instanceof EngineError) return error;
  const e = error as DockerodeError | undefined;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    const reason = e.name === 'TimeoutError' || (e.cause as Error | undefined)?.name === 'TimeoutError' ? 'the engine did not answer in time' : 'aborted';
    return new EngineError({ operation, engine: address, engineName: DOCKER_ENGINE_NAME, reason, cause: error });
  }
  if (isUnreachable(error)) {
    const hint = address.startsWith('unix://')
      ? 'Start the Docker engine, or set DOCKER_HOST; when docker-job runs in a container, mount the socket: -v /var/run/docker.sock:/var/run/docker.sock'
      : 'Check that the engine runs and DOCKER_HOST points at it';
    return new EngineError({ operation, engine: address, engineName: DOCKER_ENGINE_NAME, reason: e?.code ?? 'unreachable', hint, cause: error, unreachable: true });
  }
  const reason = e?.json?.message ?? (typeof e?.message === 'string' ? e.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '') : String(error));
  return new EngineError({
    operation,
    engine: address, engineName: DOCKER_ENGINE_NAME,
    ...(e?.statusCode === undefined ? {} : { statusCode: e.statusCode }),
    reason: reason.trim(),
    cause: error,
  });
}

/** dockerode passes `abortSignal` on to its HTTP request; its typings do not all say so. */
export function signalled<T extends object>(options: T, signal: AbortSignal | undefined): T {
  return signal ? { ...options, abortSignal: signal } : options;
}

/** The caller's signal combined with a deadline of `ms` milliseconds. */
export function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

/**
 * Runs `fn` again while the engine cannot be reached, with a growing pause, until `deadline`
 * (a `performance.now()` time) or `signal`. For the middle of a job: an engine that restarts is
 * away for a few seconds, and the job's container outlives it.
 */
export async function retryWhileUnreachable<T>(fn: () => Promise<T>, deadline: number, signal?: AbortSignal): Promise<T> {
  for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await fn();
    } catch (error) {
      if (!isUnreachable(error) || performance.now() + pause > deadline || signal?.aborted) throw error;
    }
    await sleep(pause, undefined, signal ? { signal } : undefined).catch(() => {});
  }
}

/** Sends a request whose answer is a stream, resolving once the engine has sent the headers. */
export function dialStream(
  container: Docker.Container,
  request: { readonly path: string; readonly method: 'GET' | 'POST'; readonly query: Record<string, string | number | boolean> },
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    container.modem.dial(
      {
        path: request.path,
        method: request.method,
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error', 501: 'not implemented' },
        options: request.query,
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error as Error) : resolve(stream as IncomingMessage)),
    );
  });
}

/** Reads a whole JSON body. */
export async function readJson<T>(stream: AsyncIterable<unknown>): Promise<T> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as T;
}
