import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, isEngineError, LABELS, MemorySink, OWNER, runDockerJob, sweepOrphans, type JobConfig, type JobEvent, type LogSink } from '../../src/index.js';
import { expectNoContainersLeft, plantOrphan, SUITE_LABEL, suiteLabels } from '../support/engine.js';

const engine = createDockerEngine();
const labels = suiteLabels('job-control');
const image = inject('fixtureImage');
const job = (config: Omit<JobConfig, 'image'>): JobConfig => ({ image, network: 'none', labels, ...config });

afterAll(() => expectNoContainersLeft(engine, labels));

/** A sink that records lines and events, and can act when a line arrives. */
function recorder(onLine?: (text: string) => void) {
  const sink = new MemorySink();
  const events: JobEvent[] = [];
  const wrapped: LogSink = {
    write(line) {
      sink.write(line);
      onLine?.(line.text);
    },
    event(event) {
      events.push(event);
    },
  };
  return { sink, events, wrapped };
}

describe('stopping a job: timeout and cancellation', () => {
  // `sleep & wait`: busybox sh runs a trap only between commands, and `wait` is interruptible.
  const TRAPS_TERM = ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo working; sleep 30 & wait'];
  const IGNORES_TERM = ['sh', '-c', 'echo working; exec sleep 30']; // sleep as PID 1: TERM has no handler

  it('times out a job that traps TERM: it exits in its grace period, its last words are kept', async () => {
    const { sink, events, wrapped } = recorder();
    const result = await runDockerJob(job({ command: TRAPS_TERM, timeoutMs: 700, stopTimeout: 10 }), { engine, sinks: [wrapped] });
    expect(result).toMatchObject({ timedOut: true, canceled: false, exitCode: 0, failed: true, oomKilled: false });
    expect(sink.text()).toBe('working\ngot TERM');
    expect(result.durationMs).toBeLessThan(8_000); // well inside the 10 s grace: TERM was enough
    expect(events.map((e) => e.type)).toEqual(['created', 'started', 'stopping', 'exited', 'removed']);
    expect(events.find((e) => e.type === 'stopping')).toEqual({ type: 'stopping', reason: 'timeout', graceSeconds: 10 });
  });

  it('times out a job that ignores TERM: killed after the grace period, 137', async () => {
    const { sink, wrapped } = recorder();
    const started = performance.now();
    const result = await runDockerJob(job({ command: IGNORES_TERM, timeoutMs: 500, stopTimeout: 1 }), { engine, sinks: [wrapped] });
    expect(result).toMatchObject({ timedOut: true, canceled: false, exitCode: 137, oomKilled: false });
    expect(performance.now() - started).toBeGreaterThan(1_400); // the timeout, then the whole grace
    expect(sink.text()).toBe('working');
  });

  it('cancels a job that traps TERM when the signal aborts', async () => {
    const controller = new AbortController();
    const { sink, wrapped } = recorder((text) => text === 'working' && controller.abort());
    const result = await runDockerJob(job({ command: TRAPS_TERM, stopTimeout: 10 }), { engine, sinks: [wrapped], signal: controller.signal });
    expect(result).toMatchObject({ canceled: true, timedOut: false, exitCode: 0, failed: true });
    expect(sink.text()).toBe('working\ngot TERM');
  });

  it('kills at once on killSignal, even during a long grace period (a second Ctrl-C)', async () => {
    const cancel = new AbortController();
    const kill = new AbortController();
    const { wrapped } = recorder((text) => {
      if (text !== 'working') return;
      cancel.abort();
      setTimeout(() => kill.abort(), 300);
    });
    const started = performance.now();
    const result = await runDockerJob(job({ command: IGNORES_TERM, stopTimeout: 60 }), { engine, sinks: [wrapped], signal: cancel.signal, killSignal: kill.signal });
    expect(result).toMatchObject({ canceled: true, exitCode: 137 });
    expect(performance.now() - started).toBeLessThan(15_000); // not the 60 s grace
  });

  it('cancels a job that ignores TERM: 137 after the grace period', async () => {
    const controller = new AbortController();
    const { wrapped } = recorder((text) => text === 'working' && controller.abort());
    const result = await runDockerJob(job({ command: IGNORES_TERM, stopTimeout: 1 }), { engine, sinks: [wrapped], signal: controller.signal });
    expect(result).toMatchObject({ canceled: true, exitCode: 137 });
  });
});

describe('the end of a job', () => {
  it('is not turned into a timeout by a timer that fires while a slow sink drains its output', async () => {
    // The job prints at once and exits; the sink takes 2 ms a line, so draining outlasts timeoutMs.
    const slow: LogSink = { write: () => new Promise((r) => setTimeout(r, 2)) };
    const result = await runDockerJob(job({ command: ['sh', '-c', 'seq 1 400'], timeoutMs: 300 }), { engine, sinks: [slow] });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, failed: false });
  });

  it('removes the container of a run aborted before its start, whatever its remove policy', async () => {
    const controller = new AbortController();
    let created = '';
    const abortOnCreate: LogSink = {
      write() {},
      event(e) {
        if (e.type === 'created') {
          created = e.containerId;
          controller.abort(new Error('changed my mind'));
        }
      },
    };
    const error = await runDockerJob(job({ command: ['true'], remove: 'never' }), { engine, sinks: [abortOnCreate], signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('changed my mind');
    expect(created).not.toBe('');
    expect((await engine.listJobs({ labels })).map((j) => j.id)).not.toContain(created);
  });
});

describe('stop signals and init', () => {
  it('with init, a program without a TERM handler ends by SIGTERM at once: 143, not 137 after the grace', async () => {
    const started = performance.now();
    const result = await runDockerJob(job({ command: ['sleep', '30'], init: true, timeoutMs: 500, stopTimeout: 20 }), { engine, sinks: [] });
    expect(result).toMatchObject({ timedOut: true, exitCode: 143, oomKilled: false });
    expect(performance.now() - started).toBeLessThan(10_000); // not the 20 s grace
  });

  it('stops with the configured stop signal', async () => {
    const { sink, wrapped } = recorder();
    const command = ['sh', '-c', 'trap "echo got USR1; exit 0" USR1; trap "echo got TERM; exit 1" TERM; echo ready; sleep 30 & wait'];
    const result = await runDockerJob(job({ command, stopSignal: 'SIGUSR1', timeoutMs: 600, stopTimeout: 10 }), { engine, sinks: [wrapped] });
    expect(result).toMatchObject({ timedOut: true, exitCode: 0 });
    expect(sink.text()).toBe('ready\ngot USR1');
  });
});

describe('memory', () => {
  it('reports a job the kernel killed for exceeding its memory limit as oomKilled, exit 137', async () => {
    // tail keeps the whole (newline-free) last line in memory: 200 MB against a 16 MB limit, no swap.
    const result = await runDockerJob(job({ command: ['sh', '-c', 'head -c 200000000 /dev/zero | tail -n 1 >/dev/null'], memory: '16m', memorySwap: '16m' }), { engine, sinks: [] });
    expect(result).toMatchObject({ exitCode: 137, oomKilled: true, failed: true, timedOut: false, canceled: false });
    expect(result.message).toMatch(/memory|OOM/i);
  });
});

describe('container names', () => {
  it('refuses a name already in use with an EngineError that names it, and leaves the other container alone', async () => {
    const name = `docker-job-test-name-${process.pid}`;
    const controller = new AbortController();
    let startedFirst!: () => void;
    const firstStarted = new Promise<void>((r) => (startedFirst = r));
    const first = runDockerJob(job({ name, command: ['sleep', '30'], stopTimeout: 0 }), {
      engine,
      signal: controller.signal,
      sinks: [{ write() {}, event: (e) => void (e.type === 'started' && startedFirst()) }],
    });
    await firstStarted;
    const error = await runDockerJob(job({ name, command: ['true'] }), { engine, sinks: [] }).catch((e: unknown) => e);
    controller.abort();
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).toMatch(/already in use/);
    expect(await first).toMatchObject({ canceled: true });
  });
});

describe('exit codes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docker-job-exit-'));
    await writeFile(join(dir, 'not-executable'), '#!/bin/sh\necho never\n');
    await chmod(join(dir, 'not-executable'), 0o644);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([0, 3, 42, 255])('passes the child’s own exit code %i through', async (code) => {
    const result = await runDockerJob(job({ command: ['sh', '-c', `exit ${code}`] }), { engine, sinks: [] });
    expect(result.exitCode).toBe(code);
    expect(result.failed).toBe(code !== 0);
  });

  it('maps a missing command to 127 and a non-executable one to 126, with the engine’s reason', async () => {
    const missing = await runDockerJob(job({ command: ['/no/such/command'] }), { engine, sinks: [] });
    expect(missing).toMatchObject({ exitCode: 127, failed: true });
    expect(missing.startError).toMatch(/no such file or directory/i);
    const denied = await runDockerJob(job({ command: ['/job/not-executable'], volumes: [`${dir}:/job:ro`] }), { engine, sinks: [] });
    expect(denied).toMatchObject({ exitCode: 126, failed: true });
    expect(denied.startError).toMatch(/permission denied/i);
  });

  it('rejects a start the engine refuses for a bad bind mount with an EngineError carrying its reason, not 127 or 126', async () => {
    // A file onto a directory of the image: the engine stores exit code 127 for it, yet the
    // command is not at fault.
    const fileOntoDir = await runDockerJob(job({ command: ['true'], volumes: [`${dir}/not-executable:/etc:ro`] }), { engine, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(fileOntoDir)).toBe(true);
    expect((fileOntoDir as Error).message).toMatch(/start container [0-9a-f]{12}.*not a directory/s);
    // A directory onto /etc/passwd: the user cannot be looked up ("is a directory").
    const dirOntoFile = await runDockerJob(job({ command: ['true'], volumes: [`${dir}:/etc/passwd:ro`] }), { engine, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(dirOntoFile)).toBe(true);
    expect((dirOntoFile as Error).message).toMatch(/start container [0-9a-f]{12}.*is a directory/s);
  });
});

describe('orphans', () => {
  const launcher = fileURLToPath(new URL('../fixtures/launcher/run-and-hang.mjs', import.meta.url));

  it('removes, on the next sweep, the container of a launcher killed with SIGKILL, after the grace period', async () => {
    const child = spawn(process.execPath, [launcher, image, `${SUITE_LABEL}=${labels[SUITE_LABEL]}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const id = /^started ([0-9a-f]{64})$/.exec(first)?.[1];
    expect(id).toBeDefined();
    child.kill('SIGKILL');
    await once(child, 'exit');

    const left = await engine.listJobs({ labels });
    expect(left.find((j) => j.id === id)?.state).toBe('running'); // its finally never ran

    const early = await sweepOrphans({ engine, graceMs: 60_000, labels });
    expect(early.young).toContain(id);
    expect(early.removed).not.toContain(id);

    const swept = await sweepOrphans({ engine, graceMs: 0, labels });
    expect(swept.removed).toContain(id);
    expect(swept.failed).toEqual([]);
    expect((await engine.listJobs({ labels })).map((j) => j.id)).not.toContain(id);
  });

  it('leaves alone the containers of a launcher that is alive (this process)', async () => {
    const controller = new AbortController();
    let containerId = '';
    let sweep: Promise<Awaited<ReturnType<typeof sweepOrphans>>> | undefined;
    const sink: LogSink = {
      write() {},
      event(event) {
        if (event.type === 'started') {
          containerId = event.containerId;
          sweep = sweepOrphans({ engine, graceMs: 0, dryRun: true, labels }).finally(() => controller.abort());
        }
      },
    };
    await runDockerJob(job({ command: ['sleep', '30'], stopTimeout: 0 }), { engine, sinks: [sink], signal: controller.signal });
    const result = await sweep;
    expect(result?.alive).toContain(containerId);
    expect(result?.removed).not.toContain(containerId);
  });
});

describe('sweeping: what is not an orphan', () => {
  const plant = (extra: Record<string, string>) => plantOrphan(engine, image, labels, extra);

  it('leaves a stopped container its remove policy keeps, and removes one it does not', async () => {
    const kept = await plant({ [LABELS.remove]: 'never' });
    const orphan = await plant({ [LABELS.remove]: 'always' });
    try {
      const result = await sweepOrphans({ engine, graceMs: 0, labels });
      expect(result.kept).toContain(kept.id);
      expect(result.removed).toContain(orphan.id);
      expect(result.removed).not.toContain(kept.id);
    } finally {
      await Promise.all([kept.remove(), orphan.remove()]);
    }
  });

  it('does not judge a launcher of another PID namespace or host by its pid', async () => {
    const otherNamespace = await plant({ [LABELS.launcherPidNamespace]: 'pid:[1]' });
    const otherHost = await plant({ [LABELS.launcherHost]: 'some-other-host' });
    try {
      const result = await sweepOrphans({ engine, graceMs: 0, labels });
      expect(result.unknown).toEqual(expect.arrayContaining([otherNamespace.id, otherHost.id]));
      expect(result.removed).toEqual([]);
    } finally {
      await Promise.all([otherNamespace.remove(), otherHost.remove()]);
    }
  });

  it('takes a launcher container the engine does not run, or no longer knows, as gone', async () => {
    const gone = await plant({ [LABELS.launcherContainer]: 'f'.repeat(64) });
    const result = await sweepOrphans({ engine, graceMs: 0, labels });
    expect(result.removed).toEqual([gone.id]);
  });
});

describe('many jobs at once', () => {
  it('runs 50 jobs at once, every fifth canceled midway: the others deliver every line and their exit code', async () => {
    const runs = Array.from({ length: 50 }, async (_, i) => {
      const controller = new AbortController();
      const cancel = i % 5 === 4;
      const { sink, wrapped } = recorder((text) => cancel && text === 'line 100' && controller.abort());
      const command = ['sh', '-c', cancel ? 'seq 1 200 | sed "s/^/line /"; exec sleep 60' : `seq 1 300 | sed "s/^/line /"; exit ${i % 7}`];
      const result = await runDockerJob(job({ command, stopTimeout: 0 }), { engine, sinks: [wrapped], signal: controller.signal });
      return { i, cancel, result, lines: sink.lines.map((l) => l.text) };
    });
    for (const { i, cancel, result, lines } of await Promise.all(runs)) {
      if (cancel) {
        expect(result, `job ${i}`).toMatchObject({ canceled: true, exitCode: 137 });
        expect(lines.slice(0, 100), `job ${i}`).toEqual(Array.from({ length: 100 }, (_, n) => `line ${n + 1}`));
      } else {
        expect(result, `job ${i}`).toMatchObject({ canceled: false, exitCode: i % 7 });
        expect(lines, `job ${i}`).toEqual(Array.from({ length: 300 }, (_, n) => `line ${n + 1}`));
      }
    }
  }, 180_000);
});
