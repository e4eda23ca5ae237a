import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test image every integration test runs: a static busybox on scratch. */
export const FIXTURE_IMAGE = 'docker-job-fixture:busybox';

/** Where the static busybox comes from (Debian's busybox-static, installed by scripts/docker-engine.sh). */
export const BUSYBOX = process.env['DOCKER_JOB_BUSYBOX'] ?? '/bin/busybox';

/**
 * Builds the fixture image with testcontainers' image builder (classic builder, works offline).
 * Ryuk, testcontainers' reaper, cannot be pulled here: it is disabled and cleanup is ours.
 */
export async function buildFixtureImage(): Promise<void> {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  const { GenericContainer } = await import('testcontainers');
  const context = await mkdtemp(join(tmpdir(), 'docker-job-fixture-'));
  try {
    await copyFile(fileURLToPath(new URL('../fixtures/busybox/Dockerfile', import.meta.url)), join(context, 'Dockerfile'));
    await copyFile(BUSYBOX, join(context, 'busybox')).catch((error: unknown) => {
      throw new Error(`The test image needs a static busybox at ${BUSYBOX}: install Debian's busybox-static (npm test does it through scripts/docker-engine.sh)`, { cause: error });
    });
    await GenericContainer.fromDockerfile(context).build(FIXTURE_IMAGE, { deleteOnExit: false });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
