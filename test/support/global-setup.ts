import type { TestProject } from 'vitest/node';
import { createDockerEngine, LABELS, OWNER } from '../../src/index.js';
import { buildFixtureImage, FIXTURE_IMAGE } from './fixture.js';

/**
 * Integration tests need a real engine. An unreachable engine fails the run, in CI and outside it:
 * these tests are never skipped silently. `npm test` starts one first (scripts/docker-engine.sh).
 */
export default async function setup(project: TestProject) {
  const engine = createDockerEngine();
  try {
    await engine.ping({ signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`Integration tests need a Docker engine and none answers at ${engine.address}. Run \`npm run engine\` (or \`npm test\`, which does it).`, { cause: error });
  }
  await buildFixtureImage();
  project.provide('fixtureImage', FIXTURE_IMAGE);

  return async () => {
    // After every suite: no container docker-job created may be left, whoever created it.
    const left = await engine.listJobs({ labels: { [LABELS.owner]: OWNER } });
    if (left.length > 0) {
      await Promise.all(left.map((c) => engine.removeJob(c.id)));
      throw new Error(`${left.length} container(s) created by docker-job were left behind: ${left.map((c) => `${c.id.slice(0, 12)} (${c.state})`).join(', ')}`);
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureImage: string;
  }
}
