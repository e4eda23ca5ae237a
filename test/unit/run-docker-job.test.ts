/**
 * Every branch of runDockerJob, stage by stage, on the in-memory engine: what a real engine cannot
 * do on demand (lose the answer to a create, fail a remove, acknowledge a stop and never stop) is
 * a fault the test asks for. The same runs on the real engine are in
 * test/integration/run-docker-job.test.ts and job-control.test.ts. Tests wait for events (a line
 * reaching a sink, a call reaching the engine), never for a guessed time; the run's deadlines are
 * shortened so that a give-up is reached quickly.
 */
import { describe, expect, it } from 'vitest';
import { EngineError, isEngineError, LABELS, MemorySink, type JobConfig, type JobEvent, type LogSink, type RunOptions } from '../../src/index.js';
import { runJob } from '../../src/run/run-docker-job.js';
import type { RunDeadlines } from '../../src/run/stages/stop.js';
import { createMemoryEngine, type MemoryEngineOptions, type Program } from '../support/memory-engine.js';

const image = 'memory/busybox:1';
const DEADLINES: RunDeadlines = { stopMs: 200, giveUpMs: 50, removeMs: 200 };

/** A promise and its resolver: an event a test can wait for or cause. */
function signal<T = void>() {
  let fire!: (value: T) => void;
  const fired = new Promise<T>((resolve) => (fire = resolve));
  return { fired, fire };
}

const programs = {
  true: async () => 0,
  fail: async (io) => {
    await io.write('stdout', 'loading\n');
    await io.write('stderr', 'bad row 7\n');
    return 3;
  },
  // Prints, then runs until stopped: exits 143 on the stop signal, as a process with a handler does.
  serve: async (io) => {
    await io.write('stdout', 'ready\n');
    await new Promise((resolve) => io.stopping.addEventListener('abort', resolve, { once: true }));
    await io.write('stdout', `got ${String(io.stopping.reason)}\n`);
    return 143;
  },
  // Prints, then ignores every stop signal: only a kill ends it.
  stubborn: async (io) => {
    await io.write('stdout', 'ready\n');
    return new Promise<number>(() => {});
  },
} satisfies Record<string, Program>;

function setup(options: MemoryEngineOptions = {}) {
  const engine = createMemoryEngine({ programs, ...options });
  const events: JobEvent[] = [];
  const lines = new MemorySink();
  const recorder: LogSink = { name: 'recorder', write() {}, event: (e) => void events.push(e) };
  const run = (config: Omit<JobConfig, 'image'> & { image?: string }, extra: RunOptions = {}) => runJob({ image, ...config }, { engine, sinks: [lines, recorder], ...extra }, DEADLINES);
  const left = () => [...engine.jobs.values()].filter((j) => j.state !== 'removed');
  return { engine, events, lines, run, left };
}

/** A sink that calls `onLine` with each line's text, e.g. to act once the job has printed something. */
function onLine(act: (text: string) => void): LogSink {
  return { name: 'onLine', write: (line) => act(line.text) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the run to reject');
    },
    (error: unknown) => error,
  );
}

describe('prepare, create, run, clean up, result', () => {
  it('runs a job to its result: every event in order, the job removed, the sinks closed', async () => {
    const { engine, events, run, left } = setup();
    let closed = false;
    const result = await run({ command: ['true'] }, { sinks: [{ write() {}, close: () => void (closed = true) }, { write() {}, event: (e) => void events.push(e) }] });
    expect(result).toMatchObject({ exitCode: 0, failed: false, timedOut: false, canceled: false, oomKilled: false, image, sinkFailures: [] });
    expect(events.map((e) => e.type)).toEqual(['created', 'started', 'exited', 'removed']);
    expect(engine.calls).toEqual(['createJob', 'start', 'remove']);
    expect(left()).toEqual([]);
    expect(closed).toBe(true);
  });

  it('resolves a failed job with its exit code and the tail of its output in the message', async () => {
    const { run } = setup();
    const result = await run({ command: ['fail'] });
    expect(result).toMatchObject({ exitCode: 3, failed: true, tail: { stdout: ['loading'], stderr: ['bad row 7'], merged: [] } });
    expect(result.message).toMatch(/failed with exit code 3[\s\S]*stderr \(last line\):\nbad row 7[\s\S]*stdout \(last line\):\nloading/);
  });

  it('keeps a failed job for inspection under remove: on-success, and removes a successful one', async () => {
    const { engine, run, left } = setup();
    await run({ command: ['fail'], remove: 'on-success' });
    expect(left().map((j) => j.state)).toEqual(['exited']);
    await run({ command: ['true'], remove: 'on-success' });
    expect(left()).toHaveLength(1);
    await run({ command: ['true'], remove: 'never' });
    expect(left()).toHaveLength(2);
    expect(engine.calls.filter((c) => c === 'remove')).toHaveLength(1);
  });
});

describe('the create stage', () => {
  it('removes a job whose create answer was lost, found by the run id, and rejects with what failed', async () => {
    const lost = new Error('socket hang up');
    const { engine, run, left } = setup({ intercept: (call, phase) => (call === 'createJob' && phase === 'after' ? Promise.reject(lost) : undefined) });
    expect(await rejection(run({ command: ['true'] }))).toBe(lost);
    expect(engine.jobs.size).toBe(1); // the engine did create it
    expect(left()).toEqual([]); // and the run removed it
    expect(engine.calls).toEqual(['createJob', 'listJobs', 'removeJob']);
  });

  it('leaves the engine alone when it refused the create with an answer: nothing was made', async () => {
    const refused = new EngineError({ operation: 'create a job', engine: 'memory://local', statusCode: 409, reason: 'name in use' });
    const { engine, run } = setup({ intercept: (call, phase) => (call === 'createJob' && phase === 'before' ? Promise.reject(refused) : undefined) });
    expect(await rejection(run({ command: ['true'] }))).toBe(refused);
    expect(engine.calls).toEqual(['createJob']);
  });

  it('pulls an absent image under the missing policy, then creates; the sinks see the pull', async () => {
    const { engine, events, run } = setup({ images: [], registry: ['team/app:1'] });
    const result = await run({ image: 'team/app:1', command: ['true'] });
    expect(result.exitCode).toBe(0);
    expect(engine.calls.slice(0, 3)).toEqual(['createJob', 'pullImage', 'createJob']);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['pull-progress', 'pulled', 'created']);
  });

  it('pulls first under the always policy (an untagged image), and never under never', async () => {
    const always = setup({ registry: ['team/app'], images: [] });
    await always.run({ image: 'team/app', command: ['true'] });
    expect(always.engine.calls[0]).toBe('pullImage');
    const never = setup({ images: [] });
    const error = await rejection(never.run({ image: 'team/app:2', command: ['true'], pull: 'never' }));
    expect(isEngineError(error) && error.statusCode).toBe(404);
    expect((error as Error).message).toContain('team/app:2');
    expect(never.engine.calls).toEqual(['createJob']);
  });

  it('rejects with the pull’s error when the image cannot be pulled, leaving nothing', async () => {
    const { engine, run, left } = setup({ images: [] });
    const error = await rejection(run({ image: 'team/absent:1', command: ['true'] }));
    expect(isEngineError(error) && error.operation).toBe('pull image team/absent:1');
    expect(engine.calls).toEqual(['createJob', 'pullImage']);
    expect(left()).toEqual([]);
  });

  it('creates nothing when the signal aborted before the run', async () => {
    const { engine, run } = setup();
    const reason = new Error('not today');
    expect(await rejection(run({ command: ['true'] }, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(engine.calls).toEqual([]);
  });
});

describe('the run and watch stage', () => {
  it('removes the job when the signal aborts between the create and the start', async () => {
    const controller = new AbortController();
    const { engine, run, left } = setup({ intercept: (call, phase) => void (call === 'createJob' && phase === 'after' && controller.abort(new Error('late'))) });
    expect(((await rejection(run({ command: ['true'] }, { signal: controller.signal }))) as Error).message).toBe('late');
    expect(engine.calls).toEqual(['createJob', 'remove']);
    expect(left()).toEqual([]);
  });

  it('removes the job when the start fails, and rejects with the start’s error', async () => {
    const broken = new EngineError({ operation: 'start job', engine: 'memory://local', statusCode: 500, reason: 'runtime failed' });
    const { run, left } = setup({ intercept: (call, phase) => (call === 'start' && phase === 'before' ? Promise.reject(broken) : undefined) });
    expect(await rejection(run({ command: ['true'] }))).toBe(broken);
    expect(left()).toEqual([]);
  });

  it('resolves a command that does not exist with 127 and the start error', async () => {
    const { run } = setup();
    const result = await run({ command: ['/no/such/binary'] });
    expect(result).toMatchObject({ exitCode: 127, failed: true, startError: expect.stringMatching(/no such file/) });
    expect(result.message).toMatch(/could not start \(exit code 127\)/);
  });
});

describe('the stop stage', () => {
  it('stops a job at its timeout with its grace period: timedOut, its output up to the stop, and its exit', async () => {
    const { engine, run, lines } = setup();
    const result = await run({ command: ['serve'], timeoutMs: 1, stopTimeout: 7 });
    expect(result).toMatchObject({ exitCode: 143, failed: true, timedOut: true, canceled: false });
    expect(lines.text()).toBe('ready\ngot SIGTERM');
    expect([...engine.jobs.values()][0]?.stops).toEqual([7]);
    expect(result.message).toMatch(/timed out after 1 ms and was stopped: exit code 143/);
  });

  it('stops a job when the signal aborts after the start, with its stop signal: canceled', async () => {
    const controller = new AbortController();
    const { run, events } = setup();
    const result = await run({ command: ['serve'], stopSignal: 'SIGINT' }, { signal: controller.signal, sinks: [onLine((t) => t === 'ready' && controller.abort()), { write() {}, event: (e) => void events.push(e) }] });
    expect(result).toMatchObject({ exitCode: 143, canceled: true, timedOut: false, failed: true });
    expect(events).toContainEqual({ type: 'stopping', reason: 'cancel', graceSeconds: 10 });
  });

  it('stops a job at once when it was aborted while starting', async () => {
    const controller = new AbortController();
    const { run } = setup({ intercept: (call, phase) => void (call === 'start' && phase === 'after' && controller.abort()) });
    const result = await run({ command: ['serve'] }, { signal: controller.signal });
    expect(result).toMatchObject({ exitCode: 143, canceled: true });
  });

  it('kills a job that ignores its stop signal when the kill signal aborts: no grace', async () => {
    const cancel = new AbortController();
    const kill = new AbortController();
    const { engine, run, lines } = setup();
    const stopping = onLine((t) => {
      if (t !== 'ready') return;
      cancel.abort();
      kill.abort();
    });
    const result = await run({ command: ['stubborn'], stopTimeout: 600 }, { signal: cancel.signal, killSignal: kill.signal, sinks: [lines, stopping] });
    expect(result).toMatchObject({ exitCode: 137, canceled: true });
    expect([...engine.jobs.values()][0]?.stops).toEqual([600, 0]);
  });

  it('stops nothing once the exit is known, even while the output still drains into a slow sink', async () => {
    // A log engine: the program exits at once, while the sink still holds its first line.
    const { engine, run } = setup({ capabilities: { output: 'log' } });
    const release = signal();
    const holding = signal();
    const slow: LogSink = { write: () => (holding.fire(), release.fired) };
    const controller = new AbortController();
    const running = run({ command: ['fail'], timeoutMs: 1 }, { signal: controller.signal, sinks: [slow] });
    await holding.fired;
    expect([...engine.jobs.values()][0]?.state).toBe('exited');
    controller.abort();
    release.fire();
    const result = await running;
    expect(result).toMatchObject({ exitCode: 3, timedOut: false, canceled: false });
    expect(engine.calls).not.toContain('stop');
  });

  it('gives up, after the deadline, on a job the engine says it stopped but whose output never ends', async () => {
    const { run, left } = setup({ intercept: (call, phase) => (call === 'stop' && phase === 'before' ? 'ignore' : undefined) });
    const error = await rejection(run({ command: ['stubborn'], timeoutMs: 1 }));
    expect(isEngineError(error)).toBe(true);
    expect((error as EngineError).message).toMatch(/aborted/);
    expect(String(((error as EngineError).cause as Error | undefined)?.message)).toMatch(/reported the job stopped, but its output and exit did not end/);
    expect(left()).toEqual([]); // removed all the same
  });

  it('gives up, after the deadline, on a job whose stop the engine failed, and removes it', async () => {
    const down = new EngineError({ operation: 'stop job', engine: 'memory://local', reason: 'ECONNREFUSED', unreachable: true });
    const { run, left } = setup({ intercept: (call, phase) => (call === 'stop' && phase === 'before' ? Promise.reject(down) : undefined) });
    const error = await rejection(run({ command: ['stubborn'], timeoutMs: 1 }));
    expect(isEngineError(error) && (error.cause as unknown)).toBe(down);
    expect(left()).toEqual([]);
  });
});

describe('the clean-up and result stages', () => {
  it('rejects a job that succeeded with the remove’s error when it cannot be removed: a leak is never silent', async () => {
    const stuck = new EngineError({ operation: 'remove job', engine: 'memory://local', statusCode: 500, reason: 'device busy' });
    const { run, left } = setup({ intercept: (call, phase) => (call === 'remove' && phase === 'before' ? Promise.reject(stuck) : undefined) });
    expect(await rejection(run({ command: ['true'] }))).toBe(stuck);
    expect(left()).toHaveLength(1);
  });

  it('names the job left behind in the error of a run that failed and could not remove it either', async () => {
    const broken = new EngineError({ operation: 'start job', engine: 'memory://local', engineName: 'in-memory engine', statusCode: 500, reason: 'runtime failed', hint: 'Check the runtime' });
    const stuck = new EngineError({ operation: 'remove job', engine: 'memory://local', statusCode: 500, reason: 'device busy' });
    const { run, left } = setup({
      intercept: (call, phase) => {
        if (phase !== 'before') return undefined;
        if (call === 'start') return Promise.reject(broken);
        if (call === 'remove') return Promise.reject(stuck);
        return undefined;
      },
    });
    const error = await rejection(run({ command: ['true'] }));
    const [job] = left();
    expect(isEngineError(error)).toBe(true);
    const engineError = error as EngineError;
    expect(engineError).toMatchObject({ operation: 'start job', statusCode: 500, engineName: 'in-memory engine' });
    expect(engineError.message).toMatch(/^In-memory engine at memory:\/\/local failed to start job \[HTTP 500\]: runtime failed\. Check the runtime\. And its container [0-9a-f]{12} could not be removed either \(.*device busy\); sweepOrphans\(\) removes it later$/);
    expect((engineError.cause as AggregateError).errors).toEqual([broken, stuck]);
    expect(job).toBeDefined();
  });

  it('makes an AggregateError of a failure that is not the engine’s and a remove that failed', async () => {
    const boom = new Error('a sink’s open blew up the run');
    const stuck = new EngineError({ operation: 'remove job', engine: 'memory://local', statusCode: 500, reason: 'device busy' });
    const { run } = setup({
      intercept: (call, phase) => {
        if (call === 'start' && phase === 'before') return Promise.reject(boom);
        if (call === 'remove' && phase === 'before') return Promise.reject(stuck);
        return undefined;
      },
    });
    const error = await rejection(run({ command: ['true'] }));
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([boom, stuck]);
  });

  it('delivers every line before the sinks close, and keeps the labels that let a sweep find the job', async () => {
    const { engine, run, lines } = setup();
    await run({ command: ['fail'], labels: { team: 'data' } });
    expect(lines.text()).toBe('loading\nbad row 7');
    const [record] = engine.jobs.values();
    expect(record?.spec.labels).toMatchObject({ team: 'data', [LABELS.owner]: 'docker-job', [LABELS.remove]: 'always' });
    expect(record?.spec.labels[LABELS.runId]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
