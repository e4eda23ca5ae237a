import { registryAuthDefaults } from '../engine/docker/docker-auth.js';
import { createDockerImageEngine } from '../engine/docker/docker-image-engine.js';
import type { ImageEngine, PushEvent } from '../engine/image-engine.js';
import { ConfigError } from '../errors/config-error.js';
import { DOCKER_HUB, formatImageReference, parseImageReference, repositoryName, type ImageReference } from '../core/image-reference.js';
import { resolveImageAuth } from '../registry/resolve-registry-auth.js';
import { parseOptions, PushOptionsSchema, type PushOptions, type ResolvedPush } from './image-options.js';

/** How {@link pushImage} reaches the engine and reports progress. */
export interface PushRunOptions {
  /** The engine to push from. Default: the local Docker Engine. */
  readonly engine?: ImageEngine;
  /** Cancels the push. */
  readonly signal?: AbortSignal;
  /** Receives the push's progress: layers, and the digest of each pushed tag. */
  readonly onEvent?: (event: PushEvent) => void;
  /** The environment `DOCKER_CONFIG`, `HOME` and credential helpers are taken from. Default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A pushed image. JSON-serialisable. */
export interface PushResult {
  /** The first reference pushed: `localhost:5000/team/etl-job:1.2`. */
  readonly image: string;
  /** The repository in the registry: `localhost:5000/team/etl-job`. */
  readonly repository: string;
  /** The registry host: `localhost:5000`. */
  readonly registry: string;
  /** Every reference pushed (one per tag). */
  readonly tags: readonly string[];
  /** The manifest's digest in the registry (`sha256:` + hex), the same for every tag. */
  readonly digest: string;
  /** The image pinned by digest, what a deployment should run: `localhost:5000/team/etl-job@sha256:...`. */
  readonly reference: string;
  /** The manifest's size in bytes, when the engine reported it. */
  readonly size?: number;
  /** When the push finished (ISO 8601). */
  readonly pushedAt: string;
  /** Where the credentials came from (never their value), or `none`. */
  readonly credentials: string;
}

/**
 * Pushes a local image to a registry and returns its digest.
 *
 * With `registry` (`registry.example.com:5000/team`, scheme and trailing slashes allowed), the
 * image is first tagged into it: `etl-job:1.2` becomes `registry.example.com:5000/team/etl-job:1.2`
 * (an image that names another registry keeps its path, not that registry). Without it, the image
 * goes to the registry its reference names. Credentials: `credentials`, else the Docker config's
 * (`credHelpers`, `credsStore`, `auths`, as the docker CLI reads them).
 *
 * @param image a local image reference, e.g. `etl-job:1.2`.
 * @throws {ConfigError} when `image` or the options are invalid.
 * @throws {PushError} when the registry refuses the push or the push fails at any point; the
 * message says which credentials were sent (their source, never their value).
 * @throws {RegistryAuthError} when the Docker config's credentials cannot be read.
 * @throws {EngineError} when the engine cannot be reached or the image cannot be tagged.
 */
export async function pushImage(image: string, options: PushOptions = {}, run: PushRunOptions = {}): Promise<PushResult> {
  const push = parseOptions(PushOptionsSchema, options, 'push options');
  const ref = parseImageReference(image);
  if (!ref.ok) throw new ConfigError([{ path: 'image', message: ref.message, expected: ref.expected }], { subject: 'push options' });
  return pushResolved(image, ref.value, push, run);
}

/** Pushes with validated options. @internal */
export async function pushResolved(image: string, ref: ImageReference, push: ResolvedPush, run: PushRunOptions): Promise<PushResult> {
  const engine = run.engine ?? createDockerImageEngine();
  const target = targetRepository(ref, push);
  const tags = push.pushTags ?? [ref.tag ?? 'latest'];
  const targets = tags.map((tag) => formatImageReference({ ...target, tag }));

  const auth = await resolveImageAuth(targets[0] as string, {
    ...(push.credentials === undefined ? {} : { credentials: push.credentials }),
    ...(push.credentials !== undefined || push.dockerConfig === false ? {} : registryAuthDefaults(run.env ?? process.env)),
    ...(typeof push.dockerConfig === 'string' ? { dockerConfigDir: push.dockerConfig } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });

  let digest: string | undefined;
  let size: number | undefined;
  const call = { ...(run.signal ? { signal: run.signal } : {}) };
  for (const reference of targets) {
    if (reference !== image) await engine.tagImage(image, reference, call);
    const pushed = await engine.pushImage(reference, { ...call, ...(auth ? { auth } : {}), ...(run.onEvent ? { onEvent: run.onEvent } : {}) });
    digest = pushed.digest;
    size = pushed.size;
  }
  const repository = repositoryName(target);
  return {
    image: targets[0] as string,
    repository,
    registry: target.registry,
    tags: targets,
    digest: digest as string,
    reference: `${repository}@${digest}`,
    ...(size === undefined ? {} : { size }),
    pushedAt: new Date().toISOString(),
    credentials: auth?.source ?? 'none',
  };
}

/** The repository an image goes to: its own, or the same name under `registry/prefix`. */
function targetRepository(ref: ImageReference, push: ResolvedPush): Pick<ImageReference, 'registry' | 'repository'> {
  if (push.registry === undefined) return ref;
  // Hub's implicit `library/` is not part of the name the user chose: `busybox` → `<registry>/busybox`.
  const path = ref.registry === DOCKER_HUB && ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
  const prefix = push.registry.pathPrefix;
  return { registry: push.registry.host, repository: prefix === '' ? path : `${prefix}/${path}` };
}
