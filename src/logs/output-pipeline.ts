import type { OutputChunk, OutputStream } from '../engine/container-engine.js';
import { LineSplitter } from './line-splitter.js';
import type { LogLine } from './log-sink.js';
import { OutputTail } from './output-tail.js';
import { SecretMasker } from './secret-masker.js';
import type { SinkFanout } from './sink-fanout.js';

/** Options of {@link OutputPipeline}. @internal */
export interface OutputPipelineOptions {
  /** Values to replace with `***` before any sink sees the output (already filtered by length). */
  readonly maskValues?: readonly string[];
  /** The line cap, in UTF-16 code units. Default: `DEFAULT_MAX_LINE_LENGTH` (1 MiB). */
  readonly maxLineLength?: number;
  /** The window of last bytes kept per stream for the tail. Default: `DEFAULT_TAIL_BYTES` (16 KiB). */
  readonly tailBytes?: number;
}

type Stream = OutputStream;

/** The streams, in the order their last lines are flushed. */
const STREAMS: readonly Stream[] = ['stdout', 'stderr', 'merged'];

function perStream<T>(make: (stream: Stream) => T): Record<Stream, T> {
  return { stdout: make('stdout'), stderr: make('stderr'), merged: make('merged') };
}

/** The last lines of each stream. */
export interface OutputTailLines {
  /** The last lines of stdout. */
  readonly stdout: readonly string[];
  /** The last lines of stderr. */
  readonly stderr: readonly string[];
  /** The last lines of the merged stream (a TTY job, an engine that merges stdout and stderr). */
  readonly merged: readonly string[];
}

/**
 * Carries a job's output from the engine to the sinks, per chunk:
 *
 * 1. masking, on bytes ({@link SecretMasker}), so nothing downstream sees a secret;
 * 2. the tail ({@link OutputTail}), for the result and failure messages;
 * 3. bytes to the sinks that take them (`writeBytes`), as they are;
 * 4. lines ({@link LineSplitter}) to the sinks that take lines, if any is left.
 *
 * It pulls the next chunk only when every sink has taken the current one, which is how a slow sink
 * slows the engine down instead of filling our memory. Synchronous sinks cost no promise per line.
 * @internal
 */
export class OutputPipeline {
  readonly #fanout: SinkFanout;
  readonly #maskers: Record<Stream, SecretMasker> | undefined;
  readonly #splitters: Record<Stream, LineSplitter>;
  readonly #tails: Record<Stream, OutputTail>;
  #ended = false;
  #running: Promise<void> | undefined;

  constructor(fanout: SinkFanout, options: OutputPipelineOptions = {}) {
    this.#fanout = fanout;
    const values = options.maskValues ?? [];
    this.#maskers = values.length === 0 ? undefined : perStream(() => new SecretMasker(values));
    this.#splitters = perStream((stream) => new LineSplitter(stream, options.maxLineLength));
    this.#tails = perStream(() => new OutputTail(options.tailBytes));
  }

  /**
   * Reads `output` to its end and delivers it. The last partial line of each stream (and any bytes
   * held back by masking) is delivered even when `output` fails; then the failure is rethrown.
   */
  run(output: AsyncIterable<OutputChunk>): Promise<void> {
    this.#running = this.#pump(output);
    return this.#running;
  }

  /** Waits for {@link run} to end, however it ends, then flushes as {@link end} does. Never rejects. */
  async finish(): Promise<void> {
    await this.#running?.catch(() => {});
    await this.end();
  }

  async #pump(output: AsyncIterable<OutputChunk>): Promise<void> {
    try {
      for await (const chunk of output) {
        const pending = this.push(chunk.stream, chunk.data, Date.now());
        if (pending) await pending;
      }
    } finally {
      await this.end();
    }
  }

  /** Delivers one chunk. Returns a promise when a sink applies backpressure. */
  push(stream: Stream, data: Uint8Array, receivedAt: number): Promise<void> | void {
    const bytes = this.#maskers ? this.#maskers[stream].push(data) : data;
    if (bytes.length === 0) return;
    return this.#deliver(stream, bytes, receivedAt);
  }

  /** Flushes what masking held back and the last partial lines. Idempotent. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const receivedAt = Date.now();
    for (const stream of STREAMS) {
      const rest = this.#maskers?.[stream].end();
      if (rest !== undefined && rest.length > 0) await this.#deliver(stream, rest, receivedAt);
      if (this.#fanout.needsLines) await this.#lines(this.#splitters[stream].end(receivedAt), 0);
    }
  }

  /** The last `maxLines` lines of each stream, masked like everything else. */
  tail(maxLines?: number): OutputTailLines {
    return { stdout: this.#tails.stdout.lines(maxLines), stderr: this.#tails.stderr.lines(maxLines), merged: this.#tails.merged.lines(maxLines) };
  }

  #deliver(stream: Stream, data: Uint8Array, receivedAt: number): Promise<void> | void {
    this.#tails[stream].push(data);
    const fanout = this.#fanout;
    const bytes = fanout.needsBytes ? fanout.writeBytes({ stream, data, receivedAt }) : undefined;
    // Once every line sink is gone, the splitting stops for good: no sink can come back.
    const lines = fanout.needsLines ? this.#lines(this.#splitters[stream].push(data, receivedAt), 0) : undefined;
    if (bytes && lines) return Promise.all([bytes, lines]).then(noop);
    return bytes ?? lines;
  }

  /** Writes lines from index `i` on, synchronously until a sink returns a promise. */
  #lines(lines: readonly LogLine[], i: number): Promise<void> | void {
    const fanout = this.#fanout;
    for (; i < lines.length; i++) {
      const pending = fanout.write(lines[i] as LogLine);
      if (pending) {
        const next = i + 1;
        return pending.then(() => this.#lines(lines, next));
      }
    }
  }
}

function noop(): void {}
