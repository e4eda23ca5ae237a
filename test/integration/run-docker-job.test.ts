import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDockerEngine,
  isConfigError,
  isEngineError,
  LABELS,
  MemorySink,
  runDockerJob,
  type JobConfig,
  type LogLine,
  type LogSink,
} from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';

const engine = createDockerEngine();
const labels = suiteLabels('run-docker-job');
const image = inject('fixtureImage');

/** Every job in this suite: the fixture image, no network, this suite's labels. */
const job = (config: Omit<JobConfig, 'image'>): JobConfig => ({ image, network: 'none', labels, ...config });

async function run(config: Omit<JobConfig, 'image'>) {
  const sink = new MemorySink();
  const result = await runDockerJob(job(config), { sinks: [sink], engine });
  return { result, sink };
}

afterAll(() => expectNoContainersLeft(engine, labels));

describe('runDockerJob on a real engine', () => {
  it('resolves with exit code 0 and the output of a successful job', async () => {
    const { result, sink } = await run({ command: 'echo hello world' });
    expect(result).toMatchObject({ exitCode: 0, failed: false, timedOut: false, canceled: false, oomKilled: false, image });
    expect(result.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(sink.lines.map((l) => [l.stream, l.text])).toEqual([['stdout', 'hello world']]);
  });

  it('resolves (does not reject) with a non-zero exit code', async () => {
    const { result } = await run({ command: ['sh', '-c', 'exit 3'] });
    expect(result).toMatchObject({ exitCode: 3, failed: true });
  });

  it('hands the env to the child unchanged', async () => {
    const env = { DB_NAME_ENV: 'analytics', WITH_EQUALS: 'a=b=c', UNICODE: 'héllo wörld ✓', EMPTY: '' };
    const { sink } = await run({ command: ['sh', '-c', 'env | sort'], env });
    const seen = sink.text('stdout').split('\n');
    for (const [k, v] of Object.entries(env)) expect(seen).toContain(`${k}=${v}`);
  });

  describe('with a bind volume', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'docker-job-volume-'));
      await writeFile(join(dir, 'input.csv'), 'id,name\n1,ada\n');
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('lets the child read the host file, and a :ro mount refuses writes', async () => {
      const { result, sink } = await run({ command: ['sh', '-c', 'cat /data/input.csv; touch /data/new 2>/dev/null || echo read-only >&2'], volumes: [`${dir}:/data:ro`] });
      expect(result.exitCode).toBe(0);
      expect(sink.text('stdout')).toBe('id,name\n1,ada');
      expect(sink.text('stderr')).toBe('read-only');
    });
  });

  it('keeps stderr apart from stdout, each in its own order', async () => {
    const { sink } = await run({ command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done'] });
    expect(sink.text('stdout')).toBe('out1\nout2\nout3\nout4\nout5');
    expect(sink.text('stderr')).toBe('err1\nerr2\nerr3\nerr4\nerr5');
  });

  it('delivers all 10,001 lines in order from a job that exits within milliseconds, 20 times in a row', async () => {
    // seq prints 10,000 numbered lines at once; the last line has no newline; the job exits at once.
    const command = ['sh', '-c', 'seq 1 10000; printf "the end"'];
    const expected = [...Array.from({ length: 10_000 }, (_, i) => String(i + 1)), 'the end'];
    for (let round = 0; round < 20; round++) {
      const { result, sink } = await run({ command });
      expect(result.exitCode).toBe(0);
      const texts = sink.lines.map((l) => l.text);
      expect(texts.length, `round ${round}`).toBe(10_001);
      expect(texts, `round ${round}`).toEqual(expected);
      expect(sink.lines.every((l) => l.stream === 'stdout')).toBe(true);
    }
  }, 120_000);

  it('flushes the last partial line of stderr too', async () => {
    const { sink } = await run({ command: ['sh', '-c', 'printf "no newline" >&2'] });
    expect(sink.lines).toEqual([expect.objectContaining({ stream: 'stderr', text: 'no newline' })]);
  });

  it('maps a missing command to 127 with the engine reason, and removes the container', async () => {
    const { result } = await run({ command: ['/no/such/binary'] });
    expect(result.exitCode).toBe(127);
    expect(result.startError).toMatch(/no such file/i);
  });

  it('stops a job at its timeout, delivers the output before the stop and says it timed out', async () => {
    const { result, sink } = await run({ command: ['sh', '-c', 'echo before; exec sleep 30'], timeoutMs: 500, stopTimeout: 0 });
    expect(result).toMatchObject({ timedOut: true, canceled: false, failed: true, exitCode: 137 });
    expect(sink.text()).toBe('before');
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('stops a job when the signal aborts and says it was canceled', async () => {
    const controller = new AbortController();
    const sink: LogSink & { lines: LogLine[] } = {
      lines: [],
      write(line) {
        this.lines.push(line);
        if (line.text === 'ready') controller.abort();
      },
    };
    const result = await runDockerJob(job({ command: ['sh', '-c', 'echo ready; exec sleep 30'], stopTimeout: 0 }), { sinks: [sink], engine, signal: controller.signal });
    expect(result).toMatchObject({ canceled: true, timedOut: false, exitCode: 137 });
    expect(sink.lines.map((l) => l.text)).toEqual(['ready']);
  });

  it('rejects an already aborted signal without creating anything', async () => {
    const before = await engine.listJobs({ labels });
    const error = await runDockerJob(job({ command: 'true' }), { sinks: [], engine, signal: AbortSignal.abort(new Error('not today')) }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('not today');
    expect(await engine.listJobs({ labels })).toEqual(before);
  });

  it('labels its containers with owner, run id and launcher', async () => {
    let seen: Record<string, string> = {};
    const sink: LogSink = {
      async open(info) {
        seen = (await engine.listJobs({ labels })).find((j) => j.id === info.containerId)?.labels ?? {};
      },
      write() {},
    };
    await runDockerJob(job({ command: 'true' }), { sinks: [sink], engine });
    expect(seen).toMatchObject({ [LABELS.owner]: 'docker-job', [LABELS.launcherPid]: String(process.pid) });
    expect(seen[LABELS.runId]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('goes on when a sink throws or rejects, detaching it, and closes every sink', async () => {
    const good = new MemorySink();
    let closed = 0;
    const throwing: LogSink = { write() { throw new Error('boom'); }, close() { closed++; } };
    const rejecting: LogSink = { async write() { throw new Error('async boom'); }, close() { closed++; } };
    const result = await runDockerJob(job({ command: ['sh', '-c', 'seq 1 100'] }), { sinks: [throwing, rejecting, good], engine });
    expect(result.exitCode).toBe(0);
    expect(good.lines).toHaveLength(100);
    expect(result.sinkFailures.map((f) => [f.index, (f.error as Error).message])).toEqual([[0, 'boom'], [1, 'async boom']]);
    expect(closed).toBe(2);
  });

  it('rejects invalid configuration with a ConfigError before touching the engine', async () => {
    const error = await runDockerJob({ image: '', volumes: ['relative:path'] } as JobConfig, { engine }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/image/);
  });

  it('rejects with an EngineError naming the image when the image does not exist and pull is never', async () => {
    const error = await runDockerJob({ image: 'docker-job-test/absent:never', pull: 'never', labels, network: 'none' }, { engine, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toMatch(/docker-job-test\/absent:never/);
  });

  it('rejects with an unreachable-engine error naming the address when nothing listens', async () => {
    const dead = createDockerEngine({ socketPath: join(tmpdir(), 'docker-job-no-engine.sock') });
    const error = await runDockerJob(job({ command: 'true' }), { engine: dead, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect((error as Error).message).toContain('docker-job-no-engine.sock');
    expect((error as Error).message).toMatch(/docker\.sock/);
  });
});
