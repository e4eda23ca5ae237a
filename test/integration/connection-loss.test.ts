/**
 * Connection loss mid-job, produced by a proxy that forwards the real engine's bytes and cuts (or
 * stalls) the attach, logs or wait connection at a chosen point.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, DockerEngine, isEngineError, MemorySink, runDockerJob, type JobConfig } from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';
import { startFaultyEngineProxy, type FaultRule } from '../support/faulty-engine-proxy.js';

const direct = createDockerEngine();
const labels = suiteLabels('connection-loss');
const image = inject('fixtureImage');

afterAll(() => expectNoContainersLeft(direct, labels));

/** 600 numbered lines on stdout and every tenth also on stderr, in bursts, then exit 7. */
const NOISY = [
  'sh',
  '-c',
  'i=1; while [ $i -le 600 ]; do echo "out line $i"; [ $((i % 10)) = 0 ] && echo "err line $i" >&2; [ $((i % 100)) = 0 ] && sleep 0.2; i=$((i+1)); done; printf "tail without newline"; exit 7',
];
/** Two bytes that are not UTF-8, then 600 numbered lines in bursts, then exit 7. */
const INVALID = ['sh', '-c', 'printf "bad bytes: \\377\\376 end\\n"; i=1; while [ $i -le 600 ]; do echo "out line $i"; [ $((i % 100)) = 0 ] && sleep 0.2; i=$((i+1)); done; exit 7'];
const expectedStdout = [...Array.from({ length: 600 }, (_, i) => `out line ${i + 1}`), 'tail without newline'];
const expectedStderr = Array.from({ length: 60 }, (_, i) => `err line ${(i + 1) * 10}`);

/** Deadlines short enough for a test: the streams' watch asks after 0.5 s of silence. */
const tuning = { watchIntervalMs: 500, reconnectTimeoutMs: 2_000 };

async function runThrough(rules: FaultRule[], extra: Partial<JobConfig> = {}, tuned?: typeof tuning) {
  const proxy = await startFaultyEngineProxy(rules);
  try {
    const engine = tuned ? new DockerEngine({ socketPath: proxy.socketPath, env: {} }, tuned) : createDockerEngine({ socketPath: proxy.socketPath, env: {} });
    const sink = new MemorySink();
    const result = await runDockerJob({ image, network: 'none', labels, command: NOISY, ...extra }, { engine, sinks: [sink] });
    return { result, sink, proxy };
  } finally {
    await proxy.close();
  }
}

const texts = (sink: MemorySink, stream: 'stdout' | 'stderr') => sink.lines.filter((l) => l.stream === stream).map((l) => l.text);

describe('connection loss mid-job', () => {
  it('resumes a cut attach stream from the logs with no line lost or repeated', async () => {
    const { result, sink, proxy } = await runThrough([{ kind: 'attach', afterBodyBytes: 1_500 }]);
    expect(proxy.cuts.attach).toBe(1);
    expect(proxy.requests.logs).toBeGreaterThanOrEqual(1);
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  });

  it('resumes again when the resumed logs stream is cut too, cut inside a frame header', async () => {
    // 1,503 bytes leave the cut 3 bytes into a frame header at most; the logs are cut twice more.
    const { result, sink, proxy } = await runThrough([
      { kind: 'attach', afterBodyBytes: 1_503 },
      { kind: 'logs', afterBodyBytes: 9_000, times: 2 },
    ]);
    expect(proxy.cuts).toMatchObject({ attach: 1, logs: 2 });
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  });

  it('registers the wait again when it is cut, and reports the right exit code', async () => {
    const { result, sink, proxy } = await runThrough([{ kind: 'wait', afterMs: 300 }]);
    expect(proxy.cuts.wait).toBe(1);
    expect(proxy.requests.wait).toBe(2);
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
  });

  it('survives the attach and the wait both cut midway', async () => {
    const { result, sink, proxy } = await runThrough([
      { kind: 'attach', afterMs: 250 },
      { kind: 'wait', afterMs: 400 },
    ]);
    expect(proxy.cuts).toMatchObject({ attach: 1, wait: 1 });
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  });

  it('resumes a TTY job (one raw stream) without loss', async () => {
    const { result, sink } = await runThrough([{ kind: 'attach', afterBodyBytes: 2_000 }], { tty: true });
    expect(result.exitCode).toBe(7);
    // With a TTY stderr is merged into the one stream: every line, in the order printed.
    const all = sink.lines.map((l) => l.text);
    expect(all.filter((t) => t.startsWith('out line') || t === 'tail without newline')).toEqual(expectedStdout);
    expect(all.filter((t) => t.startsWith('err line'))).toEqual(expectedStderr);
  });

  it('resumes exactly from a log driver that rotates but has not rotated yet, and keeps bytes as written', async () => {
    // `local` keeps raw bytes (invalid UTF-8 too) in files of 20 MB: these 8 KB reach no rotation.
    const { result, sink, proxy } = await runThrough([{ kind: 'attach', afterBodyBytes: 1_500 }], { logDriver: 'local', command: INVALID });
    expect(proxy.cuts.attach).toBe(1);
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(['bad bytes: \uFFFD\uFFFD end', ...expectedStdout.slice(0, 600)]);
  });

  it('fails with an EngineError, never a silent gap, when the log rotated before the cut', async () => {
    // 1,600 numbered lines of 40 bytes (64 KB) in bursts; json-file keeps two files of 10 KB.
    const ROTATES = ['sh', '-c', 'i=1; while [ $i -le 1600 ]; do echo "rotating log, line $i, padded to forty b"; [ $((i % 200)) = 0 ] && sleep 0.3; i=$((i+1)); done; exit 3'];
    const proxy = await startFaultyEngineProxy([{ kind: 'attach', afterBodyBytes: 40_000 }]);
    try {
      const engine = createDockerEngine({ socketPath: proxy.socketPath, env: {} });
      const config = { image, network: 'none', labels, command: ROTATES, logDriver: 'json-file', logOptions: { 'max-size': '10k', 'max-file': '2' } };
      const error = await runDockerJob(config, { engine, sinks: [] }).catch((e: unknown) => e);
      expect(proxy.cuts.attach).toBe(1);
      expect(isEngineError(error)).toBe(true);
      expect((error as Error).message).toMatch(/read the output of container [0-9a-f]{12}: .*does not reproduce the stream .*output of stdout around byte \d+ may be missing or repeated/);
    } finally {
      await proxy.close();
    }
  });

  it('fails with an EngineError when the log rewrote invalid UTF-8 printed before the cut', async () => {
    // json-file stores each invalid byte as U+FFFD (three bytes): its log is longer than the stream.
    const proxy = await startFaultyEngineProxy([{ kind: 'attach', afterBodyBytes: 1_500 }]);
    try {
      const engine = createDockerEngine({ socketPath: proxy.socketPath, env: {} });
      const error = await runDockerJob({ image, network: 'none', labels, command: INVALID }, { engine, sinks: [] }).catch((e: unknown) => e);
      expect(proxy.cuts.attach).toBe(1);
      expect(isEngineError(error)).toBe(true);
      expect((error as Error).message).toMatch(/container [0-9a-f]{12}: .*the log of stdout differs .*output of stdout around byte \d+ may be missing or repeated/);
    } finally {
      await proxy.close();
    }
  });

  it('fails clearly, without hanging or leaking, when the engine cannot be reached at all', async () => {
    const proxy = await startFaultyEngineProxy([]);
    await proxy.close(); // nothing listens on its socket any more
    const engine = createDockerEngine({ socketPath: proxy.socketPath, env: {} });
    const error = await runDockerJob({ image, network: 'none', labels, command: 'true' }, { engine, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toContain(proxy.socketPath);
  });
});

describe('a connection that dies silently (no keepalive on the attach and wait streams)', () => {
  it('resolves with the exit code when the wait response stalls and the job exits', async () => {
    const { result, sink, proxy } = await runThrough([{ kind: 'wait', stall: true, afterBodyBytes: 0 }], {}, tuning);
    expect(proxy.cuts.wait).toBe(1);
    expect(proxy.requests.wait).toBe(2); // given up and registered again
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  }, 20_000);

  it('delivers every line when the attach response stalls midway', async () => {
    const { result, sink, proxy } = await runThrough([{ kind: 'attach', stall: true, afterBodyBytes: 1_500 }], {}, tuning);
    expect(proxy.cuts.attach).toBe(1);
    expect(proxy.requests.logs).toBeGreaterThanOrEqual(1);
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  }, 20_000);

  it('survives the attach and the wait both stalled', async () => {
    const { result, sink, proxy } = await runThrough(
      [
        { kind: 'attach', stall: true, afterBodyBytes: 1_500 },
        { kind: 'wait', stall: true, afterBodyBytes: 0 },
      ],
      {},
      tuning,
    );
    expect(proxy.cuts).toMatchObject({ attach: 1, wait: 1 });
    expect(result.exitCode).toBe(7);
    expect(texts(sink, 'stdout')).toEqual(expectedStdout);
    expect(texts(sink, 'stderr')).toEqual(expectedStderr);
  }, 20_000);

  it('fails with an EngineError naming the engine when it stops answering while the streams are silent', async () => {
    const proxy = await startFaultyEngineProxy([
      { kind: 'attach', stall: true, afterBodyBytes: 0 },
      { kind: 'wait', stall: true, afterBodyBytes: 0 },
    ]);
    try {
      const engine = new DockerEngine({ socketPath: proxy.socketPath, env: {}, callTimeoutMs: 2_000 }, tuning);
      // Once the job runs, the network dies: the open streams stay open, and silent.
      const cutOff = { write() {}, event: (e: { type: string }) => void (e.type === 'started' && proxy.goDark()) };
      const started = performance.now();
      const error = await runDockerJob({ image, network: 'none', labels, command: ['sleep', '60'] }, { engine, sinks: [cutOff] }).catch((e: unknown) => e);
      expect(isEngineError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
      expect((error as Error).message).toContain(proxy.socketPath);
      expect((error as Error).message).toMatch(/follow container [0-9a-f]{12}.*no answer for \d+ s/);
      // The container could not be removed either: the error says so, and which one.
      const [left] = await direct.listJobs({ labels });
      expect(left).toBeDefined();
      expect((error as Error).message).toContain(`its container ${left?.id.slice(0, 12)} could not be removed either`);
      expect(performance.now() - started).toBeLessThan(15_000); // not the job's 60 s
    } finally {
      await proxy.close();
      // The engine could not be told to remove the container: that is ours to do here.
      for (const left of await direct.listJobs({ labels })) await direct.removeJob(left.id);
    }
  }, 30_000);
});

describe('an answer lost after the engine did the work', () => {
  it('a create: the container the engine made anyway is found by its run id and removed; the run fails clearly', async () => {
    const proxy = await startFaultyEngineProxy([{ kind: 'create', beforeResponse: true }]);
    try {
      const engine = createDockerEngine({ socketPath: proxy.socketPath, env: {} });
      const error = await runDockerJob({ image, network: 'none', labels, command: 'true' }, { engine, sinks: [] }).catch((e: unknown) => e);
      expect(proxy.cuts.create).toBe(1);
      expect(isEngineError(error)).toBe(true);
      expect((error as Error).message).toMatch(/create a container/);
      expect(await direct.listJobs({ labels })).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a stop, after the job stopped in its grace period: the result stands, with its output', async () => {
    const command = ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo working; sleep 30 & wait'];
    const { result, sink, proxy } = await runThrough([{ kind: 'stop', beforeResponse: true }], { command, timeoutMs: 500, stopTimeout: 10 });
    expect(proxy.cuts.stop).toBe(1);
    expect(result).toMatchObject({ timedOut: true, exitCode: 0 });
    expect(sink.text()).toBe('working\ngot TERM');
  });
});
