import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { expect } from 'vitest';
import { LABELS, OWNER, type ContainerEngine, type EngineJob } from '../../src/index.js';

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

/**
 * Creates (does not start) a container that looks like docker-job's orphan: owner labels and a
 * launcher on this host and PID namespace whose pid cannot be alive. `extra` labels override.
 */
export async function plantOrphan(engine: ContainerEngine, image: string, labels: Record<string, string>, extra: Record<string, string> = {}): Promise<EngineJob> {
  return engine.createJob({
    image,
    command: ['true'],
    env: {},
    volumes: [],
    network: 'none',
    tty: false,
    stopTimeout: 0,
    labels: {
      ...labels,
      [LABELS.owner]: OWNER,
      [LABELS.launcherHost]: hostname(),
      [LABELS.launcherPid]: '999999999',
      [LABELS.launcherPidNamespace]: readlinkSync('/proc/self/ns/pid'),
      ...extra,
    },
  });
}
