/**
 * The engine killed (SIGKILL) and started again in the middle of a job. Disruptive: it runs in its
 * own project, after every other suite has finished (vitest.config.ts, groupOrder 1).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, isEngineError, MemorySink, runDockerJob, type JobResult } from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';

const run = promisify(execFile);
const engine = createDockerEngine();
const labels = suiteLabels('engine-restart');
const image = inject('fixtureImage');

afterAll(() => expectNoContainersLeft(engine, labels));

describe('the engine restarted mid-job', () => {
  it('ends in a correct result or a clear error, before the deadline, and leaves no container', async () => {
    const sink = new MemorySink();
    let killed = false;
    const started = performance.now();
    // A job that prints a numbered line every 50 ms for 15 s.
    const job = runDockerJob(
      { image, network: 'none', labels, command: ['sh', '-c', 'i=1; while [ $i -le 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done'] },
      {
        engine,
        sinks: [
          sink,
          {
            write(line) {
              if (line.text === 'line 20' && !killed) {
                killed = true;
                // The engine under test only (TEST_ENGINE and its instance, else the
                // machine's dockerd), not every dockerd on the machine: others run side by side.
                void run('bash', ['scripts/docker-engine.sh', 'kill']).then(() => run('bash', ['scripts/docker-engine.sh'], { env: { ...process.env, TEST_ENGINE_DOCKERD_LOG: '/tmp/docker-job-dockerd-restart.log' } }));
              }
            },
          },
        ],
      },
    ).then(
      (result): JobResult | Error => result,
      (error: unknown) => error as Error,
    );
    const outcome = await job;
    const elapsed = performance.now() - started;
    expect(killed).toBe(true);
    // Whatever arrived arrived once, in order, from the start.
    const texts = sink.lines.map((l) => l.text);
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => `line ${i + 1}`));
    expect(texts.length).toBeGreaterThanOrEqual(20);
    if (outcome instanceof Error) {
      expect(isEngineError(outcome)).toBe(true);
      expect(outcome.message).toContain(engine.address);
    } else if (texts.length === 300 && outcome.exitCode === 0) {
      // The engine came back after the job had ended on its own (restoring hundreds of containers
      // takes longer than the job's 15 s): every line and the real exit code are the correct result.
      expect(outcome.timedOut).toBe(false);
    } else {
      // The engine that comes back kills what ran without it (no live-restore): a real exit code.
      expect(outcome.exitCode).toBeGreaterThan(0);
      expect(outcome.timedOut).toBe(false);
    }
    expect(elapsed).toBeLessThan(150_000);
    await engine.ping(); // the engine is back for whatever runs next
  }, 180_000);
});
