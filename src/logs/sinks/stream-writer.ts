import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Text is gathered up to this many UTF-16 units before a write. */
const BATCH = 64 * 1024;

/**
 * Writes text and bytes to a Node stream for a sink, fast and with backpressure:
 *
 * - text (one line at a time) is gathered and written in batches of about 64 KiB, and at the latest
 *   on the next turn of the event loop, so a burst of lines costs a few writes, not one per line,
 *   and a quiet job's last lines do not wait;
 * - bytes are written as they come, after any gathered text, so order is kept;
 * - a call returns a promise when the stream asks to wait (`writableNeedDrain`), which is how the
 *   sink passes backpressure on;
 * - a stream error is caught (an unhandled `'error'` event would crash the process) and thrown
 *   by the next call, so the sink is detached and reported instead.
 * @internal
 */
export class StreamWriter {
  readonly #stream: Writable;
  #text = '';
  #timer: NodeJS.Immediate | undefined;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #drain: Promise<void> | undefined;
  #error: { readonly error: unknown } | undefined;
  #closed = false;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', this.#onError);
  }

  /** Text is gathered and not written yet. */
  get hasText(): boolean {
    return this.#text !== '';
  }

  /** Appends text; returns a promise when the stream wants us to wait. */
  text(text: string): Promise<void> | void {
    this.#throwIfFailed();
    this.#text += text;
    if (this.#text.length >= BATCH) return this.flushText();
    this.#timer ??= setImmediate(this.#onTimer);
    return this.#stream.writableNeedDrain ? this.#waitForDrain() : undefined;
  }

  /** Writes bytes after the gathered text; returns a promise when the stream wants us to wait. */
  bytes(data: Uint8Array): Promise<void> | void {
    this.#throwIfFailed();
    if (this.#text !== '') this.#write(this.#takeText());
    return this.#write(data);
  }

  /** Writes the gathered text now. */
  flushText(): Promise<void> | void {
    if (this.#text === '') return;
    return this.#write(this.#takeText());
  }

  /**
   * Writes what is gathered and waits until the stream has taken every write; with `end`, ends the
   * stream and waits until it has finished (a file is closed). Rejects with the stream's error.
   */
  async close(end: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.#error) this.flushText();
      if (this.#inFlight > 0 && !this.#error) await new Promise<void>((resolve) => this.#idle.push(resolve));
      if (end && !this.#error) {
        this.#stream.end();
        await finished(this.#stream);
      }
    } finally {
      if (this.#timer) clearImmediate(this.#timer);
      this.#stream.off('error', this.#onError);
    }
    this.#throwIfFailed();
  }

  #takeText(): string {
    const text = this.#text;
    this.#text = '';
    if (this.#timer) {
      clearImmediate(this.#timer);
      this.#timer = undefined;
    }
    return text;
  }

  #write(chunk: string | Uint8Array): Promise<void> | void {
    this.#inFlight++;
    const ok = this.#stream.write(chunk, this.#onWritten);
    return ok ? undefined : this.#waitForDrain();
  }

  #waitForDrain(): Promise<void> {
    if (this.#drain) return this.#drain;
    const drain = new Promise<void>((resolve, reject) => {
      const stream = this.#stream;
      const done = (error?: unknown) => {
        stream.off('drain', onDrain);
        stream.off('error', onFail);
        stream.off('close', onClose);
        this.#drain = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = () => done();
      const onFail = (error: unknown) => done(error);
      const onClose = () => done(this.#error?.error ?? new Error('the stream was closed before it could take the output'));
      stream.on('drain', onDrain);
      stream.on('error', onFail);
      stream.on('close', onClose);
      if (stream.destroyed) onClose(); // it will not emit again
    });
    // Not every caller awaits it (a batch written on a timer): its failure shows in the next call.
    drain.catch(noop);
    this.#drain = drain;
    return drain;
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error.error;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#error) return;
    this.#write(this.#takeText());
  };

  readonly #onWritten = (error?: Error | null): void => {
    if (error) this.#onError(error);
    if (--this.#inFlight === 0) this.#wakeIdle();
  };

  readonly #onError = (error: unknown): void => {
    this.#error ??= { error };
    this.#wakeIdle();
  };

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }
}

function noop(): void {}
