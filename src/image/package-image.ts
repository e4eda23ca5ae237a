import type { BuildEvent, ImageEngine, PushEvent } from '../engine/image-engine.js';
import { parseImageReference } from '../core/image-reference.js';
import { buildResolved } from './build-image.js';
import { createImageManifest, type ImageManifest } from './image-manifest.js';
import { PackageOptionsSchema, parseOptions, type PackageOptions } from './image-options.js';
import { pushResolved } from './push-image.js';

/** How {@link packageImage} reaches the engine and reports progress. */
export interface PackageRunOptions {
  /** The engine to build on and push from. Default: the local Docker Engine. */
  readonly engine?: ImageEngine;
  /** Cancels the build or the push. */
  readonly signal?: AbortSignal;
  /** Receives the build's, then the push's progress. */
  readonly onEvent?: (event: BuildEvent | PushEvent) => void;
  /** The environment `DOCKER_CONFIG`, `HOME` and credential helpers are taken from. Default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The packager: builds an image from a Dockerfile or from a base image and a recipe, pushes it
 * when a `registry` is given, and returns its {@link ImageManifest}: what a deployment needs to
 * pin the image by digest. See {@link PackageOptionsSchema} for every option.
 *
 * @throws {ConfigError} when the options are invalid (both a Dockerfile and a base image, neither
 * and no default base image, a bad registry address, ...): nothing is built.
 * @throws {BuildError} when the build fails. @throws {PushError} when the push fails.
 * @throws {RegistryAuthError} when credentials cannot be read. @throws {EngineError} when the engine cannot be reached.
 */
export async function packageImage(options: PackageOptions, run: PackageRunOptions = {}): Promise<ImageManifest> {
  const { build, push } = parseOptions(PackageOptionsSchema, options, 'package options');
  const common = { ...(run.engine ? { engine: run.engine } : {}), ...(run.signal ? { signal: run.signal } : {}), ...(run.env ? { env: run.env } : {}) };
  const onEvent = run.onEvent;
  const built = await buildResolved(build, { ...common, ...(onEvent ? { onEvent } : {}) });
  if (push === undefined) return createImageManifest(built);
  const image = built.tags[0] as string;
  const ref = parseImageReference(image);
  if (!ref.ok) throw new Error(`unreachable: built tag ${image} does not parse`);
  const pushed = await pushResolved(image, ref.value, push, { ...common, ...(onEvent ? { onEvent } : {}) });
  return createImageManifest(built, pushed);
}
