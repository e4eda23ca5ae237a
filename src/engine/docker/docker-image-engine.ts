import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { BuildError } from '../../errors/build-error.js';
import { EngineError, isEngineError } from '../../errors/engine-error.js';
import { PushError } from '../../errors/push-error.js';
import { parseImageReference, repositoryName } from '../../core/image-reference.js';
import type { CallOptions } from '../container-engine.js';
import { guardedCallback } from '../guarded-callback.js';
import type { BuildCallOptions, BuildRequest, ImageEngine, ImageInfo, PushCallOptions } from '../image-engine.js';
import { toDockerAuthConfig } from './docker-auth.js';
import { dockerClient, resolveDockerConnection, type DockerEngineOptions } from './connection.js';
import { DOCKER_ENGINE_NAME, signalled, statusOf, toEngineError } from './engine-calls.js';
import { BuildStreamReader, PushStreamReader, readJsonMessages } from './progress-stream.js';


/**
 * The Docker Engine adapter of {@link ImageEngine}: classic-builder builds (no BuildKit: they
 * work offline and report steps as `Step N/M`), tags, pushes, inspects and removes images.
 *
 * Every failure the engine reports inside a progress stream (whose HTTP status is 200) becomes a
 * {@link BuildError} or {@link PushError}; a build that ends without an image id, or without the
 * requested tags, is a failure too.
 */
export class DockerImageEngine implements ImageEngine {
  readonly address: string;
  readonly #docker: Docker;

  constructor(options: DockerEngineOptions = {}) {
    // The same connection rules as the job engine, so both ports reach and name an engine alike.
    const connection = resolveDockerConnection(options, options.env ?? process.env);
    this.#docker = dockerClient(connection);
    this.address = connection.address;
  }

  async buildImage(
    request: BuildRequest,
    options: BuildCallOptions = {},
  ): Promise<{
    /** The built image's id (`sha256:` + hex); every requested tag points at it. */
    imageId: string;
  }> {
    const emit = guardedCallback(options.onEvent);
    const what = request.tags[0] ?? 'an image';
    const reader = new BuildStreamReader(emit);
    let contextError: unknown;
    const context = Readable.from(
      (async function* () {
        try {
          yield* request.context;
        } catch (error) {
          contextError = error;
          throw error;
        }
      })(),
    );
    const query = {
      dockerfile: request.dockerfile,
      t: [...request.tags], // repeated t= parameters: one per tag
      buildargs: { ...request.buildArgs },
      labels: { ...request.labels },
      pull: request.pull,
      nocache: request.noCache,
      rm: true,
      forcerm: true, // a failed step's container is removed too, not left behind
      ...(request.target === undefined ? {} : { target: request.target }),
      ...(request.platform === undefined ? {} : { platform: request.platform }),
      ...(request.registryAuth?.length ? { registryconfig: Object.fromEntries(request.registryAuth.map((a) => [a.serverAddress, toDockerAuthConfig(a)])) } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    };
    const fail = (details: Omit<ConstructorParameters<typeof BuildError>[0], 'image' | 'engine'>) => new BuildError({ image: what, engine: this.address, ...details });

    let stream: IncomingMessage;
    try {
      stream = (await this.#docker.buildImage(context as unknown as NodeJS.ReadableStream, query as unknown as Docker.ImageBuildOptions)) as unknown as IncomingMessage;
    } catch (error) {
      context.destroy();
      if (contextError !== undefined) throw fail({ reason: (contextError as Error).message, cause: contextError });
      const wrapped = toEngineError(this.address, error, 'build an image');
      if (wrapped.code === 'ENGINE_UNREACHABLE' || (error as Error)?.name === 'AbortError') throw wrapped;
      throw fail({ reason: wrapped.reason ?? (error as Error).message, ...(wrapped.statusCode === undefined ? {} : { statusCode: wrapped.statusCode }), cause: error });
    }
    try {
      await readJsonMessages(stream, (message) => reader.push(message));
    } catch (error) {
      throw isEngineError(error) ? error : toEngineError(this.address, error, `read the build progress of ${what}`);
    } finally {
      reader.end();
    }
    if (reader.failure) {
      throw fail({
        reason: reader.failure.message,
        ...(reader.step ? { step: reader.step } : {}),
        ...(reader.failure.code === undefined ? {} : { exitCode: reader.failure.code }),
        output: [...reader.stepOutput],
      });
    }
    if (reader.imageId === undefined) throw fail({ reason: 'the engine ended the build without reporting an image id' });

    // Trust, but check: the image exists and every requested tag points at it.
    const info = await this.inspectImage(reader.imageId, options);
    if (info === undefined) throw fail({ reason: `the engine reported image ${reader.imageId} but does not have it` });
    const missing = request.tags.filter((t) => !info.repoTags.includes(t));
    if (missing.length > 0) throw fail({ reason: `the built image ${reader.imageId} is not tagged ${missing.join(', ')}` });
    emit({ type: 'built', imageId: reader.imageId, tags: [...request.tags] });
    return { imageId: reader.imageId };
  }

  async tagImage(image: string, target: string, options: CallOptions = {}): Promise<void> {
    const ref = parseImageReference(target);
    if (!ref.ok) throw new EngineError({ operation: `tag ${image} as ${target}`, engine: this.address, engineName: DOCKER_ENGINE_NAME, reason: `the target ${ref.message}` });
    const repo = repositoryName(ref.value);
    await this.#call(`tag ${image} as ${target}`, () =>
      this.#docker.getImage(image).tag(signalled({ repo, tag: ref.value.tag ?? 'latest' }, options.signal)),
    );
  }

  async pushImage(
    image: string,
    options: PushCallOptions = {},
  ): Promise<{
    /** The manifest's digest in the registry (`sha256:` + hex). */
    digest: string;
    /** The manifest's size in bytes, when the engine reported it. */
    size?: number;
  }> {
    const ref = parseImageReference(image);
    if (!ref.ok) throw new EngineError({ operation: `push ${image}`, engine: this.address, engineName: DOCKER_ENGINE_NAME, reason: `the reference ${ref.message}` });
    const registry = ref.value.registry;
    const credentials = options.auth ? `from ${options.auth.source}` : 'none sent';
    const fail = (reason: string, extra: { statusCode?: number; cause?: unknown } = {}) =>
      new PushError({ image, registry, reason, credentials, engine: this.address, ...extra });
    const emit = guardedCallback(options.onEvent);
    const reader = new PushStreamReader(image, emit);

    let stream: IncomingMessage;
    try {
      stream = (await this.#docker.getImage(repositoryName(ref.value)).push(
        signalled(
          {
            tag: ref.value.tag ?? 'latest',
            // Engine 20.10 refuses a push without X-Registry-Auth: an empty one means "no credentials".
            authconfig: options.auth ? toDockerAuthConfig(options.auth) : {},
          },
          options.signal,
        ),
      )) as unknown as IncomingMessage;
    } catch (error) {
      const wrapped = toEngineError(this.address, error, `push ${image}`);
      if (wrapped.code === 'ENGINE_UNREACHABLE' || (error as Error)?.name === 'AbortError') throw wrapped;
      throw fail(wrapped.reason ?? (error as Error).message, { ...(wrapped.statusCode === undefined ? {} : { statusCode: wrapped.statusCode }), cause: error });
    }
    try {
      await readJsonMessages(stream, (message) => reader.push(message));
    } catch (error) {
      throw toEngineError(this.address, error, `read the push progress of ${image}`);
    }
    if (reader.failure) throw fail(reader.failure.message);
    if (reader.digest === undefined) throw fail('the engine ended the push without reporting the digest');
    const pushed = { digest: reader.digest, ...(reader.size === undefined ? {} : { size: reader.size }) };
    emit({ type: 'pushed', image, ...pushed });
    return pushed;
  }

  async inspectImage(image: string, options: CallOptions = {}): Promise<ImageInfo | undefined> {
    let info: Docker.ImageInspectInfo;
    try {
      info = await this.#docker.getImage(image).inspect(signalled({}, options.signal));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toEngineError(this.address, error, `inspect image ${image}`);
    }
    const variant = (info as { Variant?: string }).Variant;
    return {
      id: info.Id,
      repoTags: info.RepoTags ?? [],
      repoDigests: info.RepoDigests ?? [],
      created: info.Created,
      platform: `${info.Os}/${info.Architecture}${variant ? `/${variant}` : ''}`,
      size: info.Size,
      labels: info.Config?.Labels ?? {},
    };
  }

  async removeImage(image: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    try {
      await this.#docker.getImage(image).remove(signalled({ force: options.force ?? false }, options.signal));
    } catch (error) {
      if (statusOf(error) === 404) return; // gone already
      throw toEngineError(this.address, error, `remove image ${image}`);
    }
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toEngineError(this.address, error, operation);
    }
  }
}

/** Creates the Docker adapter of the image port. See {@link DockerEngineOptions}. */
export function createDockerImageEngine(options: DockerEngineOptions = {}): DockerImageEngine {
  return new DockerImageEngine(options);
}
