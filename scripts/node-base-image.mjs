// Builds a Node.js base image from the Node binary that runs this script and the shared libraries
// it needs, on an empty base, with a static busybox for a shell: what the proxy image builds FROM
// on a machine that cannot pull `node:24-bookworm-slim` (no registry reachable). Nothing is
// downloaded. Prints the image's name.
//
//   node scripts/node-base-image.mjs            # docker-job/node-base:<node major>
//   npm run image:base
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { ensureLocalImage } from './lib/local-image.mjs';

export const NODE_BASE_IMAGE = `docker-job/node-base:${process.versions.node.split('.')[0]}`;

/** The shared libraries `ldd` says `binary` loads, loader included. */
function sharedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

export function ensureNodeBaseImage(docker = new Docker(), { rebuild = false } = {}) {
  return ensureLocalImage(
    docker,
    NODE_BASE_IMAGE,
    async (context) => {
      const files = [[process.execPath, '/usr/local/bin/node'], [process.env.DOCKER_JOB_BUSYBOX ?? '/bin/busybox', '/bin/busybox']];
      for (const lib of sharedLibraries(process.execPath)) files.push([lib, lib]);
      for (const [from, to] of files) {
        await mkdir(join(context, 'root', dirname(to)), { recursive: true });
        await copyFile(from, join(context, 'root', to));
      }
      // A user for the proxy to run as (uid 1000, like the official image's `node`), and /tmp.
      await mkdir(join(context, 'root', 'etc'), { recursive: true });
      await writeFile(join(context, 'root', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n');
      await writeFile(join(context, 'root', 'etc', 'group'), 'root:x:0:\nnode:x:1000:\n');
      await writeFile(
        join(context, 'Dockerfile'),
        [
          'FROM scratch',
          'COPY root/ /',
          'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
          'RUN mkdir -p /tmp /home/node && chmod 1777 /tmp && chown 1000:1000 /home/node',
          'ENV PATH=/usr/local/bin:/usr/bin:/bin',
          `LABEL org.opencontainers.image.description="Node.js ${process.version} from the build machine, for offline builds of the docker-job proxy image"`,
          'CMD ["node"]',
          '',
        ].join('\n'),
      );
      return ['Dockerfile', 'root'];
    },
    { rebuild },
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await ensureNodeBaseImage(new Docker(), { rebuild: process.argv.includes('--rebuild') }));
}
