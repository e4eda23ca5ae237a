import type { OutputChunk } from '../container-engine.js';

/** A daemon error written into the output stream (frame type 3), or a malformed stream. */
export class StreamProtocolError extends Error {
  /** The stream ended inside a frame: the connection was cut, not a daemon error. */
  readonly truncated: boolean;

  constructor(message: string, truncated = false) {
    super(message);
    this.name = 'StreamProtocolError';
    this.truncated = truncated;
  }
}

const STREAMS = [undefined, 'stdout', 'stderr'] as const;
const HEADER = 8;

/**
 * Splits the Docker Engine's multiplexed attach/logs stream (`Tty: false`) into stdout and stderr
 * chunks. Each frame is an 8-byte header `[type, 0, 0, 0, size (uint32 BE)]` and its payload; frames
 * do not align with the transport's chunks.
 *
 * - Payload bytes are passed on as soon as they arrive, without waiting for the frame's end, so a
 *   huge frame never needs to be held whole; consecutive payload pieces of the same stream inside
 *   one transport chunk are joined into one output chunk.
 * - Type 0 (stdin echo) is dropped; type 3 (daemon error) throws a {@link StreamProtocolError}
 *   carrying the daemon's message; any other type throws too.
 * - A stream that ends inside a frame header throws: bytes may have been lost.
 * - It is a pull-based async generator: the source is read only as fast as the output is consumed.
 */
export async function* demuxDockerStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<OutputChunk> {
  const header = new Uint8Array(HEADER);
  let headerFill = 0;
  let remaining = 0; // payload bytes still expected for the current frame
  let type = 0;
  const errorBytes: Uint8Array[] = []; // a type-3 payload, decoded whole once the frame is complete

  for await (const chunk of source) {
    let pos = 0;
    let runStream: 'stdout' | 'stderr' | undefined;
    let run: Uint8Array[] = [];
    let failure: StreamProtocolError | undefined;
    const flushRun = (): OutputChunk | undefined => {
      if (run.length === 0 || runStream === undefined) return undefined;
      const data = run.length === 1 ? (run[0] as Uint8Array) : Buffer.concat(run);
      const out = { stream: runStream, data };
      run = [];
      return out;
    };

    while (pos < chunk.length) {
      if (remaining === 0) {
        // Read (the rest of) a header.
        const take = Math.min(HEADER - headerFill, chunk.length - pos);
        header.set(chunk.subarray(pos, pos + take), headerFill);
        headerFill += take;
        pos += take;
        if (headerFill < HEADER) break;
        headerFill = 0;
        type = header[0] as number;
        remaining = new DataView(header.buffer).getUint32(4);
        if (type > 3) {
          failure = new StreamProtocolError(`unknown frame type ${type} in the output stream`);
          break;
        }
        if (type === 3 && remaining === 0) {
          failure = new StreamProtocolError('the engine reported an error in the output stream');
          break;
        }
        continue;
      }
      const take = Math.min(remaining, chunk.length - pos);
      const piece = chunk.subarray(pos, pos + take);
      pos += take;
      remaining -= take;
      if (type === 1 || type === 2) {
        const stream = STREAMS[type] as 'stdout' | 'stderr';
        if (runStream !== stream) {
          const out = flushRun();
          if (out) yield out;
          runStream = stream;
        }
        run.push(piece);
      } else if (type === 3) {
        errorBytes.push(piece);
        if (remaining === 0) {
          const text = Buffer.concat(errorBytes).toString('utf8').trim();
          failure = new StreamProtocolError(`the engine reported an error in the output stream: ${text}`);
          break;
        }
      }
    }
    // What arrived before a bad frame is delivered before the error.
    const out = flushRun();
    if (out) yield out;
    if (failure) throw failure;
  }
  if (headerFill > 0) throw new StreamProtocolError(`the output stream ended inside a frame header (${headerFill} of 8 bytes)`, true);
  if (remaining > 0) throw new StreamProtocolError(`the output stream ended ${remaining} bytes before the end of a frame`, true);
}

/** Passes a raw (TTY) stream on as stdout chunks. */
export async function* rawDockerStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<OutputChunk> {
  for await (const data of source) yield { stream: 'stdout', data };
}
