import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDockerEngine,
  MemorySink,
  runDockerJob,
  type JobConfig,
  type LogLine,
  type LogSink,
  type OutputBytes,
  type OutputStream,
  type RunOptions,
  type SinkFailure,
} from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';

const execFileAsync = promisify(execFile);
const engine = createDockerEngine();
const docker = new Docker();
const labels = suiteLabels('log-streaming');
const image = inject('fixtureImage');

/** Every job in this suite: the fixture image, no network, this suite's labels. */
const job = (config: Omit<JobConfig, 'image'>): JobConfig => ({ image, network: 'none', labels, ...config });

/** A sink on the bytes fast path that keeps everything it gets, per stream. */
class BytesSink implements LogSink {
  readonly parts: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [], merged: [] };
  write(): void {
    throw new Error('a bytes sink gets no lines from runDockerJob');
  }
  writeBytes(chunk: OutputBytes): void {
    this.parts[chunk.stream].push(Buffer.from(chunk.data));
  }
  bytes(stream: OutputStream): Buffer {
    return Buffer.concat(this.parts[stream]);
  }
}

async function run(config: Omit<JobConfig, 'image'>, options: RunOptions = {}) {
  const lines = new MemorySink();
  const bytes = new BytesSink();
  const result = await runDockerJob(job(config), { sinks: [lines, bytes], engine, ...options });
  return { result, lines, bytes };
}

const textOf = (lines: readonly LogLine[], stream: 'stdout' | 'stderr') => lines.filter((l) => l.stream === stream).map((l) => l.text);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-job-logs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await expectNoContainersLeft(engine, labels);
});

describe('log streaming on a real engine', () => {
  it('delivers 10,000 lines and a last line without newline, in order, from a job that exits within ms, 50 times in a row', async () => {
    const expected = [...Array.from({ length: 10_000 }, (_, i) => String(i + 1)), 'the end'];
    const expectedBytes = Buffer.from(`${expected.join('\n')}`);
    for (let round = 0; round < 50; round++) {
      const { result, lines, bytes } = await run({ command: ['sh', '-c', 'seq 1 10000; printf "the end"'] });
      expect(result.exitCode, `round ${round}`).toBe(0);
      const texts = textOf(lines.lines, 'stdout');
      expect(texts.length, `round ${round}`).toBe(10_001);
      expect(texts, `round ${round}`).toEqual(expected);
      expect(bytes.bytes('stdout').equals(expectedBytes), `round ${round}: bytes`).toBe(true);
      expect(lines.lines.some((l) => l.stream === 'stderr')).toBe(false);
    }
  }, 180_000);

  it('delivers a 90 KB line of multi-byte characters byte-identical on stdout and on stderr, written in pieces that split characters', async () => {
    // 2-, 3- and 4-byte characters, and ASCII, in a pattern that does not repeat at the block sizes.
    const alphabet = ['é', 'ß', '€', '日', '本', '😀', '𝄞', 'a', 'Ω', '🚀', 'ж'];
    let line = '';
    for (let i = 0; Buffer.byteLength(line) < 90_000; i++) line += alphabet[(i * 7 + (i >> 3)) % alphabet.length];
    const file = Buffer.from(`${line}\n`);
    await writeFile(join(dir, 'line.txt'), file);
    // dd writes 4093-byte blocks to stdout and 1-byte blocks to stderr: every block is a frame of
    // its own, so characters are split across frames everywhere.
    const { result, lines, bytes } = await run({
      command: ['sh', '-c', 'dd if=/data/line.txt bs=4093 status=none && dd if=/data/line.txt bs=1 status=none >&2'],
      volumes: [`${dir}:/data:ro`],
    });
    expect(result.exitCode).toBe(0);
    expect(textOf(lines.lines, 'stdout')).toEqual([line]);
    expect(textOf(lines.lines, 'stderr')).toEqual([line]);
    expect(Buffer.from(textOf(lines.lines, 'stdout')[0] ?? '').equals(Buffer.from(line))).toBe(true);
    expect(bytes.bytes('stdout').equals(file)).toBe(true);
    expect(bytes.bytes('stderr').equals(file)).toBe(true);
  }, 120_000);

  it('keeps each stream in its exact order when stdout and stderr interleave', async () => {
    const { result, lines, bytes } = await run({
      command: ['sh', '-c', 'i=1; while [ $i -le 5000 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done'],
    });
    expect(result.exitCode).toBe(0);
    const n = Array.from({ length: 5000 }, (_, i) => i + 1);
    expect(textOf(lines.lines, 'stdout')).toEqual(n.map((i) => `out ${i}`));
    expect(textOf(lines.lines, 'stderr')).toEqual(n.map((i) => `err ${i}`));
    expect(bytes.bytes('stderr').toString()).toBe(n.map((i) => `err ${i}\n`).join(''));
  });

  it('with a TTY, delivers the raw stream (\\r\\n, stderr merged) as the merged stream, and splits lines on \\r\\n', async () => {
    const { result, lines, bytes } = await run({ tty: true, command: ['sh', '-c', 'printf "one\\ntwo\\n"; echo "to stderr" >&2; printf "no newline"'] });
    expect(result.exitCode).toBe(0);
    // A TTY is one device: stdout and stderr cannot be told apart, so neither name is used.
    expect(bytes.bytes('merged').toString()).toBe('one\r\ntwo\r\nto stderr\r\nno newline');
    expect(bytes.bytes('stdout')).toHaveLength(0);
    expect(bytes.bytes('stderr')).toHaveLength(0);
    expect(lines.lines.map((l) => [l.stream, l.text])).toEqual([
      ['merged', 'one'],
      ['merged', 'two'],
      ['merged', 'to stderr'],
      ['merged', 'no newline'],
    ]);
    expect(result.tail).toEqual({ stdout: [], stderr: [], merged: ['one', 'two', 'to stderr', 'no newline'] });
  });

  it('with log driver none, still delivers every line, the engine keeps no log, and nothing hangs', async () => {
    let logType: string | undefined;
    const inspect: LogSink = {
      async open(info) {
        logType = (await docker.getContainer(info.containerId).inspect()).HostConfig.LogConfig?.Type;
      },
      write() {},
    };
    const lines = new MemorySink();
    const result = await runDockerJob(job({ logDriver: 'none', command: ['sh', '-c', 'seq 1 20000; echo bye >&2; printf last'] }), {
      sinks: [inspect, lines],
      engine,
      signal: AbortSignal.timeout(30_000),
    });
    expect(result).toMatchObject({ exitCode: 0, canceled: false });
    expect(logType).toBe('none');
    expect(textOf(lines.lines, 'stdout')).toEqual([...Array.from({ length: 20_000 }, (_, i) => String(i + 1)), 'last']);
    expect(textOf(lines.lines, 'stderr')).toEqual(['bye']);
  });

  it('passes log options to the engine', async () => {
    let config: unknown;
    const inspect: LogSink = {
      async open(info) {
        config = (await docker.getContainer(info.containerId).inspect()).HostConfig.LogConfig;
      },
      write() {},
    };
    await runDockerJob(job({ logDriver: 'json-file', logOptions: { 'max-size': '1m', 'max-file': '2' }, command: 'true' }), { sinks: [inspect], engine });
    expect(config).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } });
  });

  it('delivers all of 300 MB into a deliberately slow sink while the memory of the process running the job grows by less than 64 MB', async () => {
    // A process of its own, so that only this job's memory is measured, not what earlier tests
    // left for the garbage collector. The engine's own log is off so that our sink, not the
    // engine, is the slow side, and 300 MB do not land on the shared engine's disk.
    const total = 300 * 1024 * 1024; // 3,145,728 lines of 100 bytes
    const script = fileURLToPath(new URL('../support/slow-sink-job.mjs', import.meta.url));
    const { stdout } = await execFileAsync(process.execPath, [script, JSON.stringify({ image, labels, total })], { maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout) as { exitCode: number; bytes: number; lines: number; lastLine: string; baselineMB: number; peakMB: number; seconds: number };
    console.info(`300 MB through a slow sink in ${report.seconds.toFixed(1)} s: rss ${report.baselineMB.toFixed(0)} MB before, peak ${report.peakMB.toFixed(0)} MB (+${(report.peakMB - report.baselineMB).toFixed(1)} MB)`);
    expect(report.exitCode).toBe(0);
    expect(report.bytes).toBe(total);
    expect(report.lines).toBe(total / 100);
    expect(report.lastLine).toBe('y'.repeat(99));
    expect(report.peakMB - report.baselineMB).toBeLessThan(64);
  }, 300_000);

  it('pauses the container while a sink holds the output back (backpressure reaches the engine)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let id = '';
    let first = true;
    let lines = 0;
    const stalling: LogSink = {
      open(info) {
        id = info.containerId;
      },
      write() {
        lines++;
        if (first) {
          first = false;
          return gate;
        }
      },
    };
    // 200 MB with the engine's log off: about 2-3 s at full speed on the reference machine.
    const running = runDockerJob(job({ logDriver: 'none', command: ['sh', '-c', `yes ${'z'.repeat(99)} | head -c ${200 * 1024 * 1024}`] }), { sinks: [stalling], engine });
    await new Promise((r) => setTimeout(r, 5000));
    const state = (await docker.getContainer(id).inspect()).State;
    expect(state.Running).toBe(true); // blocked on its write: nobody reads
    expect(lines).toBe(1);
    release();
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(lines).toBe((200 * 1024 * 1024) / 100);
  }, 120_000);

  it('goes on when a sink throws and another rejects: the job completes and the other sinks get everything', async () => {
    const reported: SinkFailure[] = [];
    let closed = 0;
    const throwing: LogSink = {
      name: 'throwing',
      write(line) {
        if (line.text === '5000') throw new Error('disk full');
      },
      close() {
        closed++;
      },
    };
    const rejecting: LogSink = {
      name: 'rejecting',
      async write(line) {
        if (line.text === '10') throw new Error('queue unavailable');
      },
      close() {
        closed++;
      },
    };
    const lines = new MemorySink();
    const bytes = new BytesSink();
    const result = await runDockerJob(job({ command: ['sh', '-c', 'seq 1 20000; seq 1 3 >&2'] }), {
      sinks: [throwing, lines, rejecting, bytes],
      engine,
      onSinkFailure: (f) => reported.push(f),
    });
    expect(result.exitCode).toBe(0);
    expect(result.failed).toBe(false);
    expect(textOf(lines.lines, 'stdout')).toEqual(Array.from({ length: 20_000 }, (_, i) => String(i + 1)));
    expect(textOf(lines.lines, 'stderr')).toEqual(['1', '2', '3']);
    expect(bytes.bytes('stdout').toString()).toBe(Array.from({ length: 20_000 }, (_, i) => `${i + 1}\n`).join(''));
    expect(reported.map((f) => [f.index, f.sink, f.during, (f.error as Error).message])).toEqual([
      [2, 'rejecting', 'write', 'queue unavailable'],
      [0, 'throwing', 'write', 'disk full'],
    ]);
    expect(result.sinkFailures).toEqual(reported);
    expect(closed).toBe(2);
    expect(result.message).toMatch(/2 sinks failed and were detached:\n- rejecting \(sink 2, during write\): queue unavailable\n- throwing \(sink 0, during write\): disk full$/);
  });

  it('masks secret values in every sink, the tail and the message, even when written in 3-byte pieces', async () => {
    const secret = 'tok-8f3a9c2e';
    const command = ['sh', '-c', 'echo "using token $API_TOKEN_ENV" | dd bs=3 status=none; echo "auth failed for $API_TOKEN_ENV" >&2; exit 4'];
    const { result, lines, bytes } = await run({ env: { API_TOKEN_ENV: secret }, command });
    expect(result.exitCode).toBe(4);
    expect(textOf(lines.lines, 'stdout')).toEqual(['using token ***']);
    expect(textOf(lines.lines, 'stderr')).toEqual(['auth failed for ***']);
    expect(bytes.bytes('stdout').toString()).toBe('using token ***\n');
    expect(result.tail).toEqual({ stdout: ['using token ***'], stderr: ['auth failed for ***'], merged: [] });
    expect(result.message).not.toContain(secret);
    expect(result.message).toContain('stderr (last line):\nauth failed for ***');

    const unmasked = await run({ env: { API_TOKEN_ENV: secret }, command }, { maskSecrets: false });
    expect(textOf(unmasked.lines.lines, 'stdout')).toEqual([`using token ${secret}`]);
  });

  it('puts the last lines of each stream in the result, and the stderr tail in the message of a failed job', async () => {
    const { result } = await run({ command: ['sh', '-c', 'seq 1 100; echo "Traceback (most recent call last):" >&2; echo "ValueError: bad date" >&2; exit 3'] }, { tailLines: 5 });
    expect(result.exitCode).toBe(3);
    expect(result.tail).toEqual({ stdout: ['96', '97', '98', '99', '100'], stderr: ['Traceback (most recent call last):', 'ValueError: bad date'], merged: [] });
    expect(result.message).toMatch(
      /^Job docker-job-fixture:busybox \(container [0-9a-f]{12}\) failed with exit code 3 after (\d+ ms|\d+\.\d s)\n\nstderr \(last 2 lines\):\nTraceback \(most recent call last\):\nValueError: bad date\n\nstdout \(last 5 lines\):\n96\n97\n98\n99\n100$/,
    );
  });
});
