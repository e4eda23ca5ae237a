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
/** Pieces smaller than this are joined with their neighbours of the same stream. */
const JOIN_BELOW = 8 * 1024;
/** ... up to about this many bytes per output chunk. */
const JOIN_UP_TO = 64 * 1024;

/**
 * Splits the Docker Engine's multiplexed attach/logs stream (`Tty: false`) into stdout and stderr
 * chunks. Each frame is an 8-byte header `[type, 0, 0, 0, size (uint32 BE)]` and its payload; frames
 * do not align with the transport's chunks.
 *
 * - Payload bytes are passed on as they arrive, without waiting for the frame's end, so a huge
 *   frame is never held whole. A piece of 8 KiB or more is passed on as a view into the
 *   transport's chunk (no copy); consecutive smaller pieces of the same stream inside one chunk are
 *   joined, so a child that writes a byte at a time does not cost a sink call per byte.
 * - Type 0 (stdin echo) is dropped; type 3 (daemon error) throws a {@link StreamProtocolError}
 *   carrying the daemon's message, after everything before it was passed on; any other type throws.
 * - A stream that ends inside a frame throws: bytes may have been lost.
 * - It is a pull-based async generator: the source is read only as fast as the output is consumed.
 *   With an `IncomingMessage` as the source, Node's async iterator calls `read()` only when asked
 *   for the next chunk; while it is not asked, the response buffers up to its `highWaterMark`
 *   (64 KiB), then the HTTP client stops reading the socket, the kernel's socket buffer fills, the
 *   engine's write blocks and so does the container's. A slow consumer slows the job down; our
 *   memory holds at most one chunk in flight plus that buffer.
 */
export async function* demuxDockerStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<OutputChunk> {
  const header = new Uint8Array(HEADER);
  const headerView = new DataView(header.buffer);
  let headerFill = 0;
  let remaining = 0; // payload bytes still expected for the current frame
  let type = 0;
  const errorBytes: Uint8Array[] = []; // a type-3 payload, decoded whole once the frame is complete

  for await (const chunk of source) {
    let pos = 0;
    // Small pieces of one stream waiting to be joined.
    let run: Uint8Array[] = [];
    let runBytes = 0;
    let runStream: 'stdout' | 'stderr' = 'stdout';
    const takeRun = (): OutputChunk => {
      const data = run.length === 1 ? (run[0] as Uint8Array) : Buffer.concat(run, runBytes);
      run = [];
      runBytes = 0;
      return { stream: runStream, data };
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
        remaining = headerView.getUint32(4);
        if (type > 3 || (type === 3 && remaining === 0)) {
          if (runBytes > 0) yield takeRun(); // what came before a bad frame is delivered first
          if (type > 3) throw new StreamProtocolError(`unknown frame type ${type} in the output stream`);
          throw new StreamProtocolError('the engine reported an error in the output stream');
        }
        continue;
      }
      const take = Math.min(remaining, chunk.length - pos);
      const piece = chunk.subarray(pos, pos + take);
      pos += take;
      remaining -= take;
      if (type === 1 || type === 2) {
        const stream = STREAMS[type] as 'stdout' | 'stderr';
        if (runBytes > 0 && (stream !== runStream || take >= JOIN_BELOW || runBytes >= JOIN_UP_TO)) yield takeRun();
        if (take >= JOIN_BELOW) yield { stream, data: piece };
        else if (take > 0) {
          run.push(piece);
          runBytes += take;
          runStream = stream;
        }
      } else if (type === 3) {
        errorBytes.push(piece);
        if (remaining === 0) {
          if (runBytes > 0) yield takeRun();
          const text = Buffer.concat(errorBytes).toString('utf8').trim();
          throw new StreamProtocolError(`the engine reported an error in the output stream: ${text}`);
        }
      }
    }
    if (runBytes > 0) yield takeRun();
  }
  if (headerFill > 0) throw new StreamProtocolError(`the output stream ended inside a frame header (${headerFill} of 8 bytes)`, true);
  if (remaining > 0) throw new StreamProtocolError(`the output stream ended ${remaining} bytes before the end of a frame`, true);
}

/** Passes a raw (TTY) stream on as `merged` chunks: a TTY is one device, stdout and stderr alike. */
export async function* rawDockerStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<OutputChunk> {
  for await (const data of source) yield { stream: 'merged', data };
}
