import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createDockerImageEngine } from '../engine/docker/docker-image-engine.js';
import { registryAuthDefaults } from '../engine/docker/docker-auth.js';
import { guardedCallback } from '../engine/guarded-callback.js';
import type { BuildEvent, BuildRequest, ImageEngine } from '../engine/image-engine.js';
import { ConfigError, isConfigError, type ConfigIssue } from '../errors/config-error.js';
import { isRegistryAuthError } from '../errors/registry-auth-error.js';
import { formatImageReference, parseImageReference } from '../core/image-reference.js';
import { resolveImageAuth, type RegistryAuth } from '../registry/resolve-registry-auth.js';
import { dockerfileInContext, packBuildContext, type ExtraContextEntry } from './build-context.js';
import { generateDockerfile } from './dockerfile.js';
import { BuildOptionsSchema, parseOptions, type BuildOptions, type ResolvedBuild } from './image-options.js';

/** How {@link buildImage} reaches the engine and reports progress. */
export interface BuildRunOptions {
  /** The engine to build on. Default: the local Docker Engine (`DOCKER_HOST` or the default socket). */
  readonly engine?: ImageEngine;
  /** Cancels the build. */
  readonly signal?: AbortSignal;
  /** Receives the build's progress: steps, output lines, base-image pulls, the result. */
  readonly onEvent?: (event: BuildEvent) => void;
  /**
   * The environment `DOCKER_CONFIG`, `HOME` and credential helpers are taken from, for private
   * base images. Default: the process's.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How an image was built. */
export type BuildSource =
  /** From a Dockerfile: its path and the context directory. */
  | {
      /** Built from a Dockerfile. */
      readonly kind: 'dockerfile';
      /** The Dockerfile's absolute path. */
      readonly dockerfile: string;
      /** The context directory's absolute path. */
      readonly context: string;
    }
  /** From a base image and a recipe: the base image and the Dockerfile docker-job generated. */
  | {
      /** Built from a base image and a recipe. */
      readonly kind: 'base-image';
      /** The image it was built on. */
      readonly baseImage: string;
      /** The text of the Dockerfile docker-job generated. */
      readonly dockerfile: string;
    };

/** A built image. JSON-serialisable. */
export interface BuildResult {
  /** The image id (`sha256:` + hex). */
  readonly imageId: string;
  /** The tags now pointing at it, normalised (`name:tag`). */
  readonly tags: readonly string[];
  /** When the build finished (ISO 8601). */
  readonly builtAt: string;
  /** `os/arch[/variant]` of the image. */
  readonly platform: string;
  /** The image's size in bytes. */
  readonly size: number;
  /** Labels of the image (the base image's and the build's). */
  readonly labels: Readonly<Record<string, string>>;
  /** How it was built. */
  readonly source: BuildSource;
}

/** Where docker-job puts what it adds to a build context. */
const OWN_DIR = '.docker-job';

/**
 * Builds an image with the engine's classic builder (no BuildKit: it works offline), either from
 * a Dockerfile and its context directory (honouring `.dockerignore`), or from a base image and a
 * recipe (a Dockerfile is generated; the files to copy are put into the context). See
 * {@link BuildOptionsSchema} for every option.
 *
 * @returns the image id and its tags; it exists and carries every tag when this resolves.
 * @throws {ConfigError} when the options are invalid, or a file they name is missing (nothing is built).
 * @throws {BuildError} when the build fails: the failing step (`Step 3/5 : RUN make`), the
 * engine's message, and the step's last output lines. No tag is moved.
 * @throws {EngineError} when the engine cannot be reached.
 */
export async function buildImage(options: BuildOptions, run: BuildRunOptions = {}): Promise<BuildResult> {
  const build = parseOptions(BuildOptionsSchema, options, 'build options');
  return buildResolved(build, run);
}

/** Builds from validated options. @internal */
export async function buildResolved(build: ResolvedBuild, run: BuildRunOptions): Promise<BuildResult> {
  const engine = run.engine ?? createDockerImageEngine();
  const prepared = build.kind === 'dockerfile' ? await prepareDockerfileBuild(build) : await prepareRecipeBuild(build);
  const tags = build.tags.map(normaliseTag);
  const registryAuth = await baseImageAuth(prepared.baseImages, build.dockerConfig, run);

  const request: BuildRequest = {
    context: packBuildContext(prepared.context),
    dockerfile: prepared.dockerfile,
    tags,
    buildArgs: build.buildArgs,
    labels: build.labels,
    pull: build.pull,
    noCache: build.noCache,
    ...(build.target === undefined ? {} : { target: build.target }),
    ...(build.platform === undefined ? {} : { platform: build.platform }),
    ...(registryAuth.length > 0 ? { registryAuth } : {}),
  };
  const { imageId } = await engine.buildImage(request, { ...(run.signal ? { signal: run.signal } : {}), ...(run.onEvent ? { onEvent: run.onEvent } : {}) });
  const info = await engine.inspectImage(imageId, run.signal ? { signal: run.signal } : {});
  return {
    imageId,
    tags,
    builtAt: new Date().toISOString(),
    platform: info?.platform ?? build.platform ?? 'unknown',
    size: info?.size ?? 0,
    labels: info?.labels ?? build.labels,
    source: prepared.source,
  };
}

interface PreparedBuild {
  readonly context: Parameters<typeof packBuildContext>[0];
  readonly dockerfile: string;
  readonly source: BuildSource;
  /** Base images named in the Dockerfile, for their registries' credentials. */
  readonly baseImages: readonly string[];
}

async function prepareDockerfileBuild(build: Extract<ResolvedBuild, { kind: 'dockerfile' }>): Promise<PreparedBuild> {
  const dockerfile = resolve(build.dockerfile ?? join(build.context as string, 'Dockerfile'));
  const context = resolve(build.context ?? dirname(dockerfile));
  const issues: ConfigIssue[] = [];
  if (!(await isKind(context, 'dir'))) issues.push({ path: 'context', message: `${context} is not a directory`, expected: 'the build context directory' });
  let text: string | undefined;
  if (await isKind(dockerfile, 'file')) text = await readFile(dockerfile, 'utf8');
  else issues.push({ path: 'dockerfile', message: `${dockerfile} is not a file`, expected: build.dockerfile === undefined ? 'a Dockerfile in the context directory, or the dockerfile option' : 'a path to a Dockerfile' });
  if (issues.length > 0 || text === undefined) throw new ConfigError(issues, { subject: 'build options' });

  const inside = dockerfileInContext(context, dockerfile);
  // A Dockerfile outside the context travels inside it under a name of its own, as the docker CLI does it.
  const name = inside ?? `.dockerfile.${randomBytes(6).toString('hex')}`;
  return {
    context: { dir: context, dockerfile: name, ...(inside === undefined ? { extra: [{ name, content: text }] } : {}) },
    dockerfile: name,
    source: { kind: 'dockerfile', dockerfile, context },
    baseImages: fromImages(text),
  };
}

async function prepareRecipeBuild(build: Extract<ResolvedBuild, { kind: 'base-image' }>): Promise<PreparedBuild> {
  const root = resolve(build.root ?? '.');
  const extra: ExtraContextEntry[] = [];
  const copy: { source: string; destination: string }[] = [];
  const issues: ConfigIssue[] = [];
  for (const [i, file] of build.files.entries()) {
    const path = resolve(root, file.source);
    if (!(await isKind(path, 'any'))) {
      issues.push({ path: `files[${i}].source`, message: `${path} does not exist`, expected: `a file or directory, absolute or relative to ${root}` });
      continue;
    }
    const name = `${OWN_DIR}/files/${i}/${basename(path) || 'root'}`;
    extra.push({ name, path });
    copy.push({ source: name, destination: file.destination });
  }
  if (issues.length > 0) throw new ConfigError(issues, { subject: 'build options' });
  const dockerfile = recipeDockerfile({
    baseImage: build.baseImage,
    args: Object.keys(build.buildArgs),
    env: build.env,
    install: build.install,
    copy,
    instructions: build.instructions,
    ...(build.workdir === undefined ? {} : { workdir: build.workdir }),
    ...(build.user === undefined ? {} : { user: build.user }),
    ...(build.entrypoint === undefined ? {} : { entrypoint: build.entrypoint }),
    ...(build.command === undefined ? {} : { command: build.command }),
  });
  const name = `${OWN_DIR}/Dockerfile`;
  return {
    context: { extra: [{ name, content: dockerfile }, ...extra] },
    dockerfile: name,
    source: { kind: 'base-image', baseImage: build.baseImage, dockerfile },
    baseImages: [build.baseImage],
  };
}

/** The generator's refusals, with paths renamed to the build options' own fields. */
function recipeDockerfile(recipe: Parameters<typeof generateDockerfile>[0]): string {
  try {
    return generateDockerfile(recipe);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    const args = recipe.args ?? [];
    const issues = error.issues.map((issue) => ({
      ...issue,
      path: issue.path.replace(/^copy\[/, 'files[').replace(/^args\[(\d+)\]$/, (_, i: string) => `buildArgs.${args[Number(i)] ?? i}`),
    }));
    throw new ConfigError(issues, { subject: 'build options' });
  }
}

/** `team/app` → `team/app:latest`: tags as the engine lists them. */
function normaliseTag(tag: string): string {
  const ref = parseImageReference(tag);
  if (!ref.ok) throw new Error(`unreachable: tag ${tag} passed validation`);
  return formatImageReference({ ...ref.value, tag: ref.value.tag ?? 'latest' });
}

/**
 * The images a Dockerfile's `FROM` lines name, leaving out `scratch`, earlier stages and names
 * built from build arguments: the registries to send credentials for.
 */
export function fromImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of dockerfile.split(/\r?\n/)) {
    const match = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match) continue;
    const image = match[1] as string;
    if (image.toLowerCase() !== 'scratch' && !image.includes('$') && !stages.has(image.toLowerCase())) images.push(image);
    if (match[2]) stages.add(match[2].toLowerCase());
  }
  return images;
}

/** Credentials for the registries of the base images, from the Docker config, one per registry. */
async function baseImageAuth(images: readonly string[], dockerConfig: string | false | undefined, run: BuildRunOptions): Promise<RegistryAuth[]> {
  if (dockerConfig === false || images.length === 0) return [];
  const defaults = registryAuthDefaults(run.env ?? process.env);
  const found = new Map<string, RegistryAuth>();
  const seen = new Set<string>();
  for (const image of images) {
    const ref = parseImageReference(image);
    if (!ref.ok || seen.has(ref.value.registry)) continue;
    seen.add(ref.value.registry);
    try {
      const auth = await resolveImageAuth(image, {
        ...defaults,
        ...(dockerConfig === undefined ? {} : { dockerConfigDir: dockerConfig }),
        ...(run.signal ? { signal: run.signal } : {}),
      });
      if (auth) found.set(auth.serverAddress, auth);
    } catch (error) {
      // As with `docker build`: the base image may be local or public, so the build goes on
      // without these credentials; if the pull then fails, the BuildError says why.
      if (!isRegistryAuthError(error)) throw error;
      guardedCallback(run.onEvent)({ type: 'build-warning', message: `${error.message}; building without credentials for ${ref.value.registry}` });
    }
  }
  return [...found.values()];
}

async function isKind(path: string, kind: 'file' | 'dir' | 'any'): Promise<boolean> {
  try {
    const info = await stat(path);
    return kind === 'any' || (kind === 'dir' ? info.isDirectory() : info.isFile());
  } catch {
    return false;
  }
}
