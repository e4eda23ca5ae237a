/**
 * The JSON progress streams of the engine's `/build` and `/images/{name}/push`: one JSON message
 * per line, failures reported inside a `200` answer as `{"error": ..., "errorDetail": ...}`.
 * Pure: the adapter feeds the messages in, these readers keep what they mean.
 */
import type { BuildEvent, PushEvent } from '../image-engine.js';
import type { BuildStep } from '../../errors/build-error.js';

/** One message of a progress stream, as the engine sends it. */
export interface ProgressMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly aux?: { readonly ID?: string; readonly Tag?: string; readonly Digest?: string; readonly Size?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly code?: number; readonly message?: string };
}

/** An error the engine reported inside a progress stream. */
export interface StreamFailure {
  readonly message: string;
  readonly code?: number;
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const STDERR_ON = '\u001b[91m';
const STDERR_OFF = '\u001b[0m';
const STDERR_CODES = /(\u001b\[91m|\u001b\[0m)/;
const MAX_STEP_OUTPUT = 50;

/** Reads a classic-builder build stream: steps, output lines, the image id, the first error. */
export class BuildStreamReader {
  /** The image id the builder announced (`aux.ID`). */
  imageId: string | undefined;
  /** The first error the stream reported. */
  failure: StreamFailure | undefined;
  /** The step running when the stream ended (or failed). */
  step: BuildStep | undefined;
  /** The last lines the current step printed. */
  readonly stepOutput: string[] = [];
  #partial = '';
  #partialStream: 'stdout' | 'stderr' | undefined;
  #stderr = false;

  constructor(private readonly emit: (event: BuildEvent) => void) {}

  /** Takes one message. */
  push(message: ProgressMessage): void {
    if (typeof message.stream === 'string') this.#text(message.stream);
    if (message.aux?.ID) this.imageId = message.aux.ID;
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.#flush();
      this.failure ??= {
        message: (message.errorDetail?.message ?? message.error ?? 'unknown error').trim(),
        ...(message.errorDetail?.code === undefined ? {} : { code: message.errorDetail.code }),
      };
      return;
    }
    if (typeof message.status === 'string') {
      this.emit({ type: 'build-pull', status: message.status, ...progress(message) });
    }
  }

  /** The stream ended: the last partial line is a line too. */
  end(): void {
    this.#flush();
  }

  /**
   * The classic builder sends what a step writes to stderr wrapped in `ESC[91m` ... `ESC[0m`: the
   * codes are removed and the lines marked `stderr`. A line belongs to the stream it started in.
   */
  #text(text: string): void {
    for (const part of text.split(STDERR_CODES)) {
      if (part === STDERR_ON) this.#stderr = true;
      else if (part === STDERR_OFF) this.#stderr = false;
      else this.#append(part);
    }
  }

  #append(text: string): void {
    let rest = text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) !== -1) {
      this.#partialStream ??= this.#stderr ? 'stderr' : 'stdout';
      this.#line((this.#partial + rest.slice(0, nl)).replace(/\r$/, ''), this.#partialStream);
      this.#partial = '';
      this.#partialStream = undefined;
      rest = rest.slice(nl + 1);
    }
    if (rest !== '') {
      this.#partialStream ??= this.#stderr ? 'stderr' : 'stdout';
      this.#partial += rest;
    }
  }

  #flush(): void {
    if (this.#partial !== '') this.#line(this.#partial.replace(/\r$/, ''), this.#partialStream ?? 'stdout');
    this.#partial = '';
    this.#partialStream = undefined;
  }

  #line(line: string, stream: 'stdout' | 'stderr'): void {
    const step = STEP.exec(line);
    if (step) {
      this.step = { number: Number(step[1]), total: Number(step[2]), instruction: step[3] as string };
      this.stepOutput.length = 0;
      this.emit({ type: 'build-step', step: this.step.number, steps: this.step.total, instruction: this.step.instruction });
      return;
    }
    this.stepOutput.push(line);
    if (this.stepOutput.length > MAX_STEP_OUTPUT) this.stepOutput.shift();
    this.emit({ type: 'build-output', stream, text: line });
  }
}

/** Reads a push stream: layer progress, the pushed digest, the first error. */
export class PushStreamReader {
  /** The manifest digest the engine reported (`aux.Digest`). */
  digest: string | undefined;
  /** The manifest size, when reported. */
  size: number | undefined;
  /** The first error the stream reported. */
  failure: StreamFailure | undefined;

  constructor(
    private readonly image: string,
    private readonly emit: (event: PushEvent) => void,
  ) {}

  push(message: ProgressMessage): void {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.failure ??= { message: (message.errorDetail?.message ?? message.error ?? 'unknown error').trim() };
      return;
    }
    if (message.aux?.Digest) {
      this.digest = message.aux.Digest;
      if (typeof message.aux.Size === 'number') this.size = message.aux.Size;
      return;
    }
    if (typeof message.status === 'string') {
      // Older engines report the digest only in a status line: "1.2: digest: sha256:... size: 736".
      const line = /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(message.status);
      if (line && this.digest === undefined) {
        this.digest = line[1];
        this.size = Number(line[2]);
      }
      this.emit({ type: 'push-progress', image: this.image, status: message.status, ...progress(message) });
    }
  }
}

function progress(message: ProgressMessage): { id?: string; current?: number; total?: number } {
  return {
    ...(message.id === undefined ? {} : { id: message.id }),
    ...(message.progressDetail?.current === undefined ? {} : { current: message.progressDetail.current }),
    ...(message.progressDetail?.total === undefined ? {} : { total: message.progressDetail.total }),
  };
}

/**
 * Reads a stream of JSON lines, handing each parsed message on. A line that is not JSON is a
 * protocol error.
 */
export async function readJsonMessages(stream: AsyncIterable<unknown>, onMessage: (message: ProgressMessage) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  const handle = (line: string) => {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new Error(`the engine sent a progress line that is not JSON: ${line.slice(0, 200)}`);
    }
    if (typeof message === 'object' && message !== null) onMessage(message as ProgressMessage);
  };
  for await (const part of stream) {
    pending += decoder.decode(part as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  handle(pending + decoder.decode());
}
