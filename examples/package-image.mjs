// Package a job image from a base image (an install command, a file, environment, a command),
// push it to a registry, and print its manifest: the reference a deployment pins, by digest.
//
//   PACKAGE_REGISTRY=localhost:5000/team node examples/package-image.mjs > manifest.json
//
// PACKAGE_REGISTRY   the registry to push to (required), e.g. localhost:5000/team. Credentials come
//                    from your Docker config (DOCKER_CONFIG or ~/.docker), as `docker push` finds them.
// PACKAGE_BASE_IMAGE the base image; default: a local static busybox built on the spot (offline).
//
// Progress goes to stderr, the manifest (JSON) to stdout.
import { fileURLToPath } from 'node:url';
import { packageImage } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';

const registry = process.env.PACKAGE_REGISTRY;
if (!registry) {
  console.error('Set PACKAGE_REGISTRY to the registry to push to, e.g. PACKAGE_REGISTRY=localhost:5000/team');
  process.exit(2);
}
const baseImage = process.env.PACKAGE_BASE_IMAGE ?? (await ensureBusyboxImage());

const manifest = await packageImage(
  {
    baseImage,
    install: ['mkdir -p /app && echo "1.0.0" > /app/VERSION'],
    files: [{ source: fileURLToPath(new URL('./package-image/report.sh', import.meta.url)), destination: '/app/report.sh' }],
    env: { REPORT_TITLE: 'Daily "rows loaded" report' },
    workdir: '/app',
    command: ['sh', '/app/report.sh'],
    tags: [`docker-job-example/report:${process.pid}`],
    labels: { 'org.opencontainers.image.title': 'report' },
    registry,
  },
  {
    onEvent(event) {
      if (event.type === 'build-step') console.error(`step ${event.step}/${event.steps}: ${event.instruction}`);
      if (event.type === 'pushed') console.error(`pushed ${event.image} (${event.digest})`);
    },
  },
);

console.log(JSON.stringify(manifest, null, 2));
