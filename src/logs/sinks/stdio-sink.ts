import type { Writable } from 'node:stream';
import type { LogLine, LogSink, OutputBytes } from '../log-sink.js';
import { StreamWriter } from './stream-writer.js';

/** Options of {@link StdioSink}. */
export interface StdioSinkOptions {
  /** Where the child's stdout goes. Default: `process.stdout`. */
  readonly stdout?: Writable;
  /** Where the child's stderr goes. Default: `process.stderr`. */
  readonly stderr?: Writable;
}

/**
 * Writes the child's stdout to our stdout and its stderr to our stderr, as they come: what an
 * orchestrator that captures a process's output wants, and the CLI's default. A `merged` stream
 * (a TTY job, an engine that merges its logs) goes to our stdout, as `docker run -t` prints it.
 *
 * It takes the bytes fast path ({@link LogSink.writeBytes}): under `runDockerJob` the child's bytes
 * are written exactly as the engine delivered them (after masking), `\r\n` and invalid UTF-8
 * included, without being split into lines. Given lines instead (inside {@link teeSinks} next to a
 * line sink), it writes each with `\n`, in batches. It waits when a stream asks it to (a full pipe
 * slows the job down instead of filling memory), never ends the streams it was given, and on
 * `close` waits until they have taken everything. A stream that fails (EPIPE: the reader went
 * away) makes the sink fail, and so be detached and reported, without crashing the process.
 */
export class StdioSink implements LogSink {
  readonly name = 'StdioSink';
  readonly #out: StreamWriter;
  readonly #err: StreamWriter;

  constructor(options: StdioSinkOptions = {}) {
    this.#out = new StreamWriter(options.stdout ?? process.stdout);
    this.#err = new StreamWriter(options.stderr ?? process.stderr);
  }

  write(line: LogLine): Promise<void> | void {
    const [to, other] = line.stream === 'stderr' ? [this.#err, this.#out] : [this.#out, this.#err];
    // Keep the two streams' relative order when both go to one terminal.
    if (other.hasText) other.flushText();
    return to.text(line.continued ? line.text : `${line.text}\n`);
  }

  writeBytes(chunk: OutputBytes): Promise<void> | void {
    return (chunk.stream === 'stderr' ? this.#err : this.#out).bytes(chunk.data);
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled([this.#out.close(false), this.#err.close(false)]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
