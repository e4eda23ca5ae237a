/**
 * The rules of the streams' watch, with the engine's answer given by the test (the real engine and
 * real stalled connections are in test/integration/connection-loss.test.ts).
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { JobWatch } from '../../src/engine/docker/job-watch.js';

const INTERVAL = 40;
const watches: JobWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
});

function watch(answer: () => Promise<boolean>, reconnectTimeoutMs = 10_000, intervalMs = INTERVAL) {
  const asked: number[] = [];
  const unreachable: unknown[] = [];
  const failedAt: number[] = [];
  const w = new JobWatch({
    intervalMs,
    reconnectTimeoutMs,
    isRunning: () => (asked.push(performance.now()), answer()),
    onUnreachable: (cause) => (unreachable.push(cause), failedAt.push(performance.now())),
  });
  watches.push(w);
  // Errors are read from `errored`; like the engine's responses, the streams do not throw them.
  const wait = new PassThrough().on('error', () => {});
  const source = new PassThrough().on('error', () => {});
  w.waitOn(wait);
  return { w, asked, unreachable, failedAt, wait, source };
}

const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('JobWatch', () => {
  it('asks the engine after each interval of silence while the exit is not known, and leaves a running job alone', async () => {
    const { w, asked, wait, source } = watch(async () => true);
    const from = performance.now();
    w.readFrom(source);
    await sleep(INTERVAL * 5);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked.length).toBeLessThanOrEqual((performance.now() - from) / INTERVAL); // once per interval, not more
    expect(asked[0]! - from).toBeGreaterThanOrEqual(INTERVAL - 1);
    expect(wait.destroyed || source.destroyed).toBe(false);
  });

  it('does not count the time the consumer holds a chunk (a slow sink) as silence', async () => {
    const { w, asked } = watch(async () => false);
    w.delivering();
    await sleep(INTERVAL * 4);
    expect(asked).toEqual([]);
  });

  it('gives up the wait and the stream being read once the container no longer runs', async () => {
    const { w, wait, source } = watch(async () => false);
    w.readFrom(source);
    await sleep(INTERVAL * 3);
    expect(wait.destroyed).toBe(true);
    expect(source.destroyed).toBe(true);
    expect(source.errored?.message).toMatch(/no longer runs/);
  });

  it('leaves an output nobody reads yet alone: only the wait is given up', async () => {
    const { wait, source } = watch(async () => false);
    await sleep(INTERVAL * 3);
    expect(wait.destroyed).toBe(true);
    expect(source.destroyed).toBe(false);
  });

  it('fails the job once the engine has not answered for longer than the reconnect timeout, and only then', async () => {
    const { w, asked, unreachable, failedAt, source } = watch(refused, INTERVAL * 4);
    w.readFrom(source);
    await sleep(INTERVAL * 10);
    expect(unreachable).toHaveLength(1);
    expect((unreachable[0] as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(asked.length).toBeGreaterThanOrEqual(3); // tried again meanwhile
    expect(failedAt[0]! - asked[0]!).toBeGreaterThanOrEqual(INTERVAL * 4);
  });

  it('counts a call deadline that passed as no answer, and an answer as the end of the outage', async () => {
    let answers = 0;
    const timedOut = Object.assign(new Error('aborted'), { name: 'AbortError', cause: new DOMException('late', 'TimeoutError') });
    const { w, unreachable, source } = watch(() => (++answers % 2 === 0 ? Promise.resolve(true) : Promise.reject(timedOut)), INTERVAL * 3);
    w.readFrom(source);
    await sleep(INTERVAL * 10);
    expect(answers).toBeGreaterThanOrEqual(3);
    expect(unreachable).toEqual([]); // never away for longer than the timeout: every other call answers
  });

  it('once the exit is known, gives up an output read that delivers nothing, but not one the consumer holds', async () => {
    const { w, asked, source } = watch(async () => true);
    w.readFrom(source);
    w.delivering();
    w.exitSettled();
    await sleep(INTERVAL * 3);
    expect(source.destroyed).toBe(false);
    w.reading();
    await sleep(INTERVAL * 3);
    expect(source.destroyed).toBe(true);
    expect(source.errored?.message).toMatch(/delivered nothing for 40 ms after the container exited/);
    expect(asked).toEqual([]); // the engine need not be asked any more
  });

  it('keeps an output read that makes progress after the exit', async () => {
    const { w, source } = watch(async () => true, 10_000, 250);
    w.readFrom(source);
    w.exitSettled();
    for (let i = 0; i < 20; i++) {
      await sleep(25);
      w.progress();
    }
    expect(source.destroyed).toBe(false);
    w.outputEnded();
    await sleep(300);
    expect(source.destroyed).toBe(false);
  });
});
