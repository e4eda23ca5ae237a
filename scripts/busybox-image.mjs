// Builds a small local image, a static busybox on an empty base, for the demo and the benchmarks.
// Nothing is pulled, so it works offline. (The tests build the same image with testcontainers.)
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureLocalImage } from './lib/local-image.mjs';

export const BUSYBOX_IMAGE = 'docker-job-demo:busybox';

export function ensureBusyboxImage(docker = new Docker()) {
  return ensureLocalImage(docker, BUSYBOX_IMAGE, async (context) => {
    await copyFile(process.env.DOCKER_JOB_BUSYBOX ?? '/bin/busybox', join(context, 'busybox'));
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n');
    return ['Dockerfile', 'busybox'];
  });
}
