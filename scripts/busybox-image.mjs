// Builds a small local image, a static busybox on an empty base, for the demo and the benchmarks.
// Nothing is pulled, so it works offline. (The tests build the same image with testcontainers.)
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

export const BUSYBOX_IMAGE = 'docker-job-demo:busybox';

export async function ensureBusyboxImage(docker = new Docker()) {
  try {
    await docker.getImage(BUSYBOX_IMAGE).inspect();
    return BUSYBOX_IMAGE;
  } catch (error) {
    if (error?.statusCode !== 404) throw error;
  }
  const context = await mkdtemp(join(tmpdir(), 'docker-job-busybox-'));
  try {
    await copyFile(process.env.DOCKER_JOB_BUSYBOX ?? '/bin/busybox', join(context, 'busybox'));
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n',
    );
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'busybox'] }, { t: BUSYBOX_IMAGE });
    // Build errors arrive inside the progress stream: surface them.
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err, events) => {
        const failed = err ?? events.find((e) => e.error)?.error;
        failed ? reject(new Error(`building ${BUSYBOX_IMAGE} failed: ${failed}`)) : resolve(undefined);
      }),
    );
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return BUSYBOX_IMAGE;
}
