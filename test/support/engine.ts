import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ContainerEngine } from '../../src/index.js';

/** Label key that tags every container a test suite creates, so the suite can check it left none. */
export const SUITE_LABEL = 'docker-job-test.suite';

/** Labels for one suite's containers: unique per run. */
export function suiteLabels(suite: string): Record<string, string> {
  return { [SUITE_LABEL]: `${suite}-${randomUUID()}` };
}

/** Asserts that no container with these labels exists on the engine. Meant for `afterAll`. */
export async function expectNoContainersLeft(engine: ContainerEngine, labels: Record<string, string>): Promise<void> {
  const left = await engine.listJobs({ labels });
  expect(left.map((c) => `${c.id.slice(0, 12)} ${c.state}`)).toEqual([]);
}
