/**
 * The image manifest: what a deployment needs to know about a packaged image, above all the
 * reference that pins it by digest. Plain JSON. Pure.
 */
import * as v from 'valibot';
import type { BuildResult } from './build-image.js';
import type { PushResult } from './push-image.js';
import { parseOptions } from './image-options.js';
import type { EntriesOutput } from '../core/schema-types.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** How a packaged image was built, as its {@link ImageManifest} records it. */
export type ImageManifestSource =
  | {
      /** Built from a Dockerfile. */
      kind: 'dockerfile';
      /** The Dockerfile's absolute path. */
      dockerfile: string;
      /** The context directory's absolute path. */
      context: string;
    }
  | {
      /** Built from a base image and a recipe. */
      kind: 'base-image';
      /** The image it was built on. */
      baseImage: string;
    };

const ImageManifestSourceSchema: v.GenericSchema<ImageManifestSource> = v.variant('kind', [
  v.object({ kind: v.literal('dockerfile'), dockerfile: v.string(), context: v.string() }),
  v.object({ kind: v.literal('base-image'), baseImage: v.string() }),
]);

const manifestEntries = {
  /** The format's version: 1. */
  schemaVersion: v.literal(1),
  /** The image by name: the first pushed reference, else the first tag, else the image id. */
  image: v.string(),
  /**
   * The image pinned: `repository@sha256:...` once pushed (run this: it can never change), else
   * the local image id.
   */
  reference: v.string(),
  /** The manifest digest in the registry, once pushed. */
  digest: v.optional(v.pipe(v.string(), v.regex(DIGEST, 'must be sha256: and 64 hex digits'))),
  /** The registry it was pushed to, once pushed. */
  registry: v.optional(v.string()),
  /** The local image id (`sha256:` + hex). */
  imageId: v.pipe(v.string(), v.regex(DIGEST, 'must be sha256: and 64 hex digits')),
  /** Every name it has: local tags, then pushed references. */
  tags: v.array(v.string()),
  /** When it was built (ISO 8601). */
  builtAt: v.string(),
  /** When it was pushed (ISO 8601), once pushed. */
  pushedAt: v.optional(v.string()),
  /** `os/arch[/variant]`. */
  platform: v.string(),
  /** Its labels. */
  labels: v.record(v.string(), v.string()),
  /** How it was built. */
  source: ImageManifestSourceSchema,
};

/** The valibot schema of an {@link ImageManifest}, to read one back from a file. */
export const ImageManifestSchema = v.object(manifestEntries);

/** What a deployment needs to know about a packaged image. JSON-serialisable; see {@link ImageManifestSchema}. */
export interface ImageManifest extends EntriesOutput<typeof manifestEntries> {}

/**
 * Writes the manifest of a build and, when it was pushed, of the push.
 *
 * @example
 * createImageManifest(build, push).reference // 'localhost:5000/team/etl-job@sha256:...'
 */
export function createImageManifest(build: BuildResult, push?: PushResult): ImageManifest {
  const source: ImageManifestSource =
    build.source.kind === 'dockerfile'
      ? { kind: 'dockerfile', dockerfile: build.source.dockerfile, context: build.source.context }
      : { kind: 'base-image', baseImage: build.source.baseImage };
  const tags = [...build.tags, ...(push?.tags ?? []).filter((t) => !build.tags.includes(t))];
  return {
    schemaVersion: 1,
    image: push?.image ?? build.tags[0] ?? build.imageId,
    reference: push?.reference ?? build.imageId,
    ...(push ? { digest: push.digest, registry: push.registry, pushedAt: push.pushedAt } : {}),
    imageId: build.imageId,
    tags,
    builtAt: build.builtAt,
    platform: build.platform,
    labels: { ...build.labels },
    source,
  };
}

/**
 * Reads a manifest back (e.g. `JSON.parse` of a file a build wrote).
 * @throws {ConfigError} naming every field that is wrong.
 */
export function parseImageManifest(input: unknown): ImageManifest {
  return parseOptions(ImageManifestSchema, input, 'image manifest');
}
