// Builds a small image from a context a script prepares, unless the engine has it: for the demo,
// benchmark and base images that cannot be pulled here. Classic builder; errors that the engine
// reports inside its progress stream are thrown.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {import('dockerode')} docker
 * @param {string} name the image's name and tag
 * @param {(context: string) => Promise<string[]>} prepare writes the context, returns its top-level entries
 * @param {{ rebuild?: boolean }} [options]
 */
export async function ensureLocalImage(docker, name, prepare, { rebuild = false } = {}) {
  if (!rebuild) {
    try {
      await docker.getImage(name).inspect();
      return name;
    } catch (error) {
      if (error?.statusCode !== 404) throw error;
    }
  }
  const context = await mkdtemp(join(tmpdir(), 'docker-job-image-'));
  try {
    const src = await prepare(context);
    const stream = await docker.buildImage({ context, src }, { t: name, rm: true, forcerm: true });
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err, events) => {
        const failed = err ?? events.find((e) => e.error)?.error;
        failed ? reject(new Error(`building ${name} failed: ${failed}`)) : resolve(undefined);
      }),
    );
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return name;
}
