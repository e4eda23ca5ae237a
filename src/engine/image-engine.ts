/**
 * The image port: what docker-job needs to build images and push them to a registry, in its own
 * small types.
 *
 * It is a port of its own, not part of {@link ContainerEngine}: running jobs is something a Docker
 * Engine, a Swarm or a Kubernetes cluster can each do, but building and pushing images is not
 * (a cluster runs images, it does not build them), and an image builder need not run jobs
 * (BuildKit, buildah, kaniko). The Docker adapter implements both ports; each can be replaced
 * alone.
 */
import type { RegistryAuth } from '../registry/resolve-registry-auth.js';
import type { CallOptions } from './container-engine.js';

/** What to build. */
export interface BuildRequest {
  /** The build context, as the bytes of a tar archive (see `packBuildContext`). */
  readonly context: AsyncIterable<Uint8Array>;
  /** The Dockerfile's path inside the context (posix). */
  readonly dockerfile: string;
  /** References to tag the image with (`name:tag`), normalised. */
  readonly tags: readonly string[];
  /** Build arguments (`ARG`). */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Labels set on the image. */
  readonly labels: Readonly<Record<string, string>>;
  /** The stage of a multi-stage Dockerfile to build; absent: the last. */
  readonly target?: string;
  /** The platform to build for, `os/arch[/variant]`; absent: the engine's own. */
  readonly platform?: string;
  /** Pull newer versions of the base images even when they are present. */
  readonly pull: boolean;
  /** Build every step afresh, without the cache. */
  readonly noCache: boolean;
  /** Credentials for the registries base images come from, by registry host. */
  readonly registryAuth?: readonly RegistryAuth[];
}

/** What happened during a build, for a progress display or a log. Ignore types you do not know. */
export type BuildEvent =
  /** The builder started a Dockerfile instruction: `step` of `steps`, e.g. `RUN make`. */
  | {
      /** Which event this is. */
      readonly type: 'build-step';
      /** The instruction's number, from 1. */
      readonly step: number;
      /** How many instructions the build has. */
      readonly steps: number;
      /** The instruction as the builder printed it: `RUN make`. */
      readonly instruction: string;
    }
  /**
   * One line the build printed: an instruction's output (`stderr` when it wrote to stderr), or the
   * builder's own (`---> Running in 4f2c`, on `stdout`).
   */
  | {
      /** Which event this is. */
      readonly type: 'build-output';
      /** The stream the line was written to. */
      readonly stream: 'stdout' | 'stderr';
      /** The line, without its line break. */
      readonly text: string;
    }
  /** Something the build goes on without, e.g. credentials for a base image's registry that could not be read. */
  | {
      /** Which event this is. */
      readonly type: 'build-warning';
      /** What the build goes on without, and why. */
      readonly message: string;
    }
  /** Progress of a base image being pulled for the build. */
  | {
      /** Which event this is. */
      readonly type: 'build-pull';
      /** The engine's status: `Pulling fs layer`, `Downloading`, `Pull complete`, ... */
      readonly status: string;
      /** The layer (or image) the status is about, when it is about one. */
      readonly id?: string;
      /** Bytes done, while downloading or extracting. */
      readonly current?: number;
      /** Bytes in all, when known. */
      readonly total?: number;
    }
  /** The build finished: the image's id and the tags now pointing at it. */
  | {
      /** Which event this is. */
      readonly type: 'built';
      /** The image id (`sha256:` + hex). */
      readonly imageId: string;
      /** The tags now pointing at it. */
      readonly tags: readonly string[];
    };

/** What happened during a push. Ignore types you do not know. */
export type PushEvent =
  /** Progress of one layer (`Preparing`, `Pushing`, `Pushed`, `Layer already exists`), or of the whole push. */
  | {
      /** Which event this is. */
      readonly type: 'push-progress';
      /** The reference being pushed. */
      readonly image: string;
      /** The engine's status: `Preparing`, `Pushing`, `Pushed`, `Layer already exists`, ... */
      readonly status: string;
      /** The layer the status is about, when it is about one. */
      readonly id?: string;
      /** Bytes pushed, while pushing. */
      readonly current?: number;
      /** Bytes in all, when known. */
      readonly total?: number;
    }
  /** The registry has the image: the manifest's digest and size. */
  | {
      /** Which event this is. */
      readonly type: 'pushed';
      /** The reference pushed. */
      readonly image: string;
      /** The manifest's digest in the registry (`sha256:` + hex). */
      readonly digest: string;
      /** The manifest's size in bytes, when the engine reported it. */
      readonly size?: number;
    };

/** Options of {@link ImageEngine.buildImage}. */
export interface BuildCallOptions extends CallOptions {
  /** Receives the build's progress, in order. A callback that throws is ignored. */
  readonly onEvent?: (event: BuildEvent) => void;
}

/** Options of {@link ImageEngine.pushImage}. */
export interface PushCallOptions extends CallOptions {
  /** Credentials for the image's registry; absent: none are sent. */
  readonly auth?: RegistryAuth;
  /** Receives the push's progress, in order. A callback that throws is ignored. */
  readonly onEvent?: (event: PushEvent) => void;
}

/** What the engine knows about an image. */
export interface ImageInfo {
  /** The image id (`sha256:` + hex), the digest of its configuration. */
  readonly id: string;
  /** The tags pointing at it (`name:tag`). */
  readonly repoTags: readonly string[];
  /** The registry digests it is known by (`name@sha256:...`), once pushed or pulled. */
  readonly repoDigests: readonly string[];
  /** When it was built (ISO 8601). */
  readonly created: string;
  /** `os/arch[/variant]`. */
  readonly platform: string;
  /** Size in bytes. */
  readonly size: number;
  /** Labels of the image. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Builds, tags, pushes, inspects and removes images. Implemented by the Docker adapter
 * (`DockerImageEngine`).
 */
export interface ImageEngine {
  /** Where the engine is, for messages. */
  readonly address: string;
  /**
   * Builds an image. Resolves once it exists and carries the requested tags.
   * @throws {BuildError} when the build fails at any point, with the failing step and the engine's message.
   */
  buildImage(
    request: BuildRequest,
    options?: BuildCallOptions,
  ): Promise<{
    /** The built image's id (`sha256:` + hex); every requested tag points at it. */
    readonly imageId: string;
  }>;
  /** Points `target` (`name:tag`) at an existing image. */
  tagImage(image: string, target: string, options?: CallOptions): Promise<void>;
  /**
   * Pushes `image` (`registry/name:tag`) to its registry.
   * @throws {PushError} when the registry refuses or the push fails at any point.
   */
  pushImage(
    image: string,
    options?: PushCallOptions,
  ): Promise<{
    /** The manifest's digest in the registry (`sha256:` + hex). */
    readonly digest: string;
    /** The manifest's size in bytes, when the engine reported it. */
    readonly size?: number;
  }>;
  /** What the engine knows about an image, or `undefined` when it has no such image. */
  inspectImage(image: string, options?: CallOptions): Promise<ImageInfo | undefined>;
  /** Removes an image reference (and the image when nothing else refers to it). Succeeds when it is gone already. */
  removeImage(image: string, options?: CallOptions & { readonly force?: boolean }): Promise<void>;
}
