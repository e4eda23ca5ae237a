// Builds and pushes the docker-job proxy image (the Dockerfile at the top of the repository) with
// docker-job's own buildImage and pushImage: what `make build && make docker_push` did for the
// Python original.
//
//   npm run image:build     stages a context (the Dockerfile; .image/ with dist/, package.json and the
//                           production node_modules/), then
//                           builds docker-job:<version> and docker-job:latest with APP_SOURCE=prebuilt:
//                           no network is needed inside the build.
//   npm run image:push      pushes docker-job:<version> (and :latest) to DOCKER_JOB_PROXY_REGISTRY,
//                           e.g. registry.example.com:5000/platform; prints the manifest (digest).
//
// Environment: BASE_IMAGE (default node:24-bookworm-slim; on a machine that cannot pull it,
// `npm run image:base` builds docker-job/node-base:24 from the local Node), DOCKER_JOB_PROXY_REGISTRY.
import { execFileSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, createImageManifest, pushImage } from 'docker-job';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
export const PROXY_IMAGE = `docker-job:${pkg.version}`;

/**
 * Stages a build context of its own in a temporary directory: the Dockerfile, and .image/ with
 * dist/, package.json and the production dependencies as npm resolved them. Returns its path.
 */
async function stage() {
  const context = await mkdtemp(join(tmpdir(), 'docker-job-proxy-context-'));
  const out = join(context, '.image');
  await mkdir(out, { recursive: true });
  await copyFile(join(root, 'Dockerfile'), join(context, 'Dockerfile'));
  await cp(join(root, 'dist'), join(out, 'dist'), { recursive: true });
  const { devDependencies, scripts, allowScripts, ...runtime } = pkg;
  await writeFile(join(out, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
  // Every installed production package, nested ones included; a package inside one already copied comes with it.
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((p) => p.startsWith(join(root, 'node_modules') + sep))
    .sort();
  const copied = [];
  for (const dir of listed) {
    if (copied.some((parent) => dir.startsWith(parent + sep))) continue;
    await cp(dir, join(out, relative(root, dir)), { recursive: true });
    copied.push(dir);
  }
  return { context, packages: copied.length };
}

async function build() {
  const { context, packages } = await stage();
  const baseImage = process.env.BASE_IMAGE ?? 'node:24-bookworm-slim';
  console.error(`staged dist/ and ${packages} production packages; building ${PROXY_IMAGE} on ${baseImage}`);
  try {
    const result = await buildImage(
      { context, tags: [PROXY_IMAGE, 'docker-job:latest'], buildArgs: { BASE_IMAGE: baseImage, APP_SOURCE: 'prebuilt' }, labels: { 'org.opencontainers.image.version': pkg.version } },
      { onEvent: (e) => e.type === 'build-step' && console.error(`step ${e.step}/${e.steps}: ${e.instruction}`) },
    );
    console.log(JSON.stringify(createImageManifest(result), null, 2));
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function push() {
  const registry = process.env.DOCKER_JOB_PROXY_REGISTRY;
  if (!registry) throw new Error('DOCKER_JOB_PROXY_REGISTRY is not set (expected the registry to push to, e.g. registry.example.com:5000/platform)');
  const pushed = await pushImage(PROXY_IMAGE, { registry, pushTags: [pkg.version, 'latest'] });
  console.log(JSON.stringify(pushed, null, 2));
}

const command = process.argv[2];
if (command === 'build') await build();
else if (command === 'push') await push();
else {
  console.error('usage: node scripts/proxy-image.mjs build|push');
  process.exitCode = 2;
}
