import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import type { ImageEngine } from '../../src/engine/image-engine.js';
import { isConfigError, type ConfigError } from '../../src/errors/config-error.js';
import { buildImage } from '../../src/image/build-image.js';
import { BuildOptionsSchema, DEFAULT_BASE_IMAGE, PackageOptionsSchema, parseOptions, PushOptionsSchema } from '../../src/image/image-options.js';
import { packageImage } from '../../src/image/package-image.js';
import { parseJobConfig } from '../../src/core/job-config.js';

/** An engine that fails the test if anything reaches it: bad options must be refused before. */
const untouchable = new Proxy({} as ImageEngine, {
  get(_, name) {
    if (name === 'then') return undefined;
    throw new Error(`the engine was used (${String(name)}) although the options were invalid`);
  },
});

function refused(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const build = (input: unknown) => parseOptions(BuildOptionsSchema, input, 'build options');

describe('BuildOptionsSchema', () => {
  it('reads a Dockerfile build with the build settings defaulted', () => {
    expect(build({ dockerfile: 'docker/Dockerfile', tags: ['app:1'] })).toEqual({
      kind: 'dockerfile',
      dockerfile: 'docker/Dockerfile',
      tags: ['app:1'],
      buildArgs: {},
      labels: {},
      pull: false,
      noCache: false,
    });
    expect(build({ context: '.' })).toMatchObject({ kind: 'dockerfile', context: '.' });
  });

  it('reads a build from a base image, splitting command strings and "source:destination" files', () => {
    expect(build({ baseImage: 'python:3.12-slim', command: 'python -m etl', files: ['a/b.sql:/app/b.sql', { source: 'x', destination: 'C:y' }] })).toMatchObject({
      kind: 'base-image',
      baseImage: 'python:3.12-slim',
      defaulted: false,
      command: ['python', '-m', 'etl'],
      files: [
        { source: 'a/b.sql', destination: '/app/b.sql' },
        { source: 'x', destination: 'C:y' },
      ],
      install: [],
      env: {},
    });
  });

  it(`builds on ${DEFAULT_BASE_IMAGE} when neither a Dockerfile nor a base image is given, or on the default the caller sets`, () => {
    expect(build({ install: ['apt-get update'] })).toMatchObject({ kind: 'base-image', baseImage: DEFAULT_BASE_IMAGE, defaulted: true });
    expect(build({ defaultBaseImage: 'registry.example.com/base:2' })).toMatchObject({ baseImage: 'registry.example.com/base:2', defaulted: true });
  });

  it('refuses a Dockerfile and a base image together, naming the field and both ways', async () => {
    const error = refused(() => build({ dockerfile: 'Dockerfile', baseImage: 'busybox' }));
    expect(error.message).toBe(
      'Invalid build options: baseImage: cannot be given with dockerfile: an image is built either from a Dockerfile or from a base image, never both (expected either dockerfile (and context) or baseImage)',
    );
    const rejected = await buildImage({ context: '.', baseImage: 'busybox' }, { engine: untouchable }).catch((e: unknown) => e);
    expect((rejected as Error).message).toMatch(/baseImage: cannot be given with context/);
  });

  it('refuses a build with neither a Dockerfile nor a base image when there is no default', async () => {
    const error = await buildImage({ defaultBaseImage: false, tags: ['x:1'] }, { engine: untouchable }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Invalid build options: baseImage: is not given, nor is dockerfile, and there is no default base image (defaultBaseImage is false) (expected dockerfile (a Dockerfile to build) or baseImage (an image to build on))',
    );
  });

  it('refuses recipe fields with a Dockerfile and a target without one, each by name', () => {
    const error = refused(() => build({ dockerfile: 'Dockerfile', install: ['x'], env: { A: 'b' } }));
    expect(error.issues.map((i) => i.path)).toEqual(['install', 'env']);
    expect(error.issues[0]?.message).toBe('applies only to builds from a base image, not with dockerfile');
    expect(refused(() => build({ baseImage: 'busybox', target: 'final' })).issues).toEqual([
      expect.objectContaining({ path: 'target', message: expect.stringMatching(/multi-stage Dockerfiles/) }),
    ]);
  });

  it('refuses bad values by field, never echoing them', () => {
    const error = refused(() =>
      build({
        baseImage: 'Bad Image',
        tags: ['ok:1', `app@sha256:${'0'.repeat(64)}`, 'UPPER'],
        files: ['no-destination', 7],
        platform: 'linux/',
        pull: 'yes',
        unknownField: 'secret-value',
      }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['baseImage', 'files[0]', 'files[1]', 'tags[1]', 'tags[2]', 'platform', 'pull', 'unknownField']);
    expect(error.message).not.toContain('secret-value');
  });
});

describe('the checks a build shares with a job', () => {
  it('reads a platform as a job does: the same values pass and fail', () => {
    for (const platform of ['linux', 'linux/amd64', 'Linux/AMD64', 'linux/arm64/v8']) {
      expect(build({ baseImage: 'busybox', platform }).platform, platform).toBe(platform);
      expect(parseJobConfig({ image: 'busybox', platform }).platform, platform).toBe(platform);
    }
    for (const platform of ['linux/', 'linux amd64', 'linux/amd64/v8/x']) {
      expect(refused(() => build({ baseImage: 'busybox', platform })).issues.map((i) => i.path), platform).toEqual(['platform']);
      expect(() => parseJobConfig({ image: 'busybox', platform }), platform).toThrow(/platform/);
    }
  });

  it('refuses a build argument, label or env name that a plain record would drop silently', () => {
    const input = JSON.parse('{"baseImage":"busybox","buildArgs":{"__proto__":"x"},"labels":{"constructor":"y"}}') as unknown;
    expect(refused(() => build(input)).issues.map((i) => i.path)).toEqual(['buildArgs.__proto__', 'labels.constructor']);
  });

  it('refuses a NUL in a command, as a job does', () => {
    expect(refused(() => build({ baseImage: 'busybox', command: ['echo', 'a\0b'] })).issues.map((i) => i.path)).toEqual(['command']);
  });
});

describe('PushOptionsSchema', () => {
  it('normalises the registry address: scheme gone, port and path prefix kept', () => {
    expect(v.parse(PushOptionsSchema, { registry: 'https://registry.example.com:5000/team/' })).toEqual({ registry: { host: 'registry.example.com:5000', pathPrefix: 'team' } });
    expect(v.parse(PushOptionsSchema, { registry: 'https://index.docker.io/v1/' })).toEqual({ registry: { host: 'docker.io', pathPrefix: '' } });
  });

  it('refuses a registry with credentials in it, without repeating them', () => {
    const error = refused(() => parseOptions(PushOptionsSchema, { registry: 'https://bob:hunter2@r.example.com' }, 'push options'));
    expect(error.message).toMatch(/^Invalid push options: registry: holds credentials/);
    expect(error.message).not.toMatch(/hunter2|bob/);
  });

  it('refuses a bad tag and an unknown field', () => {
    expect(refused(() => parseOptions(PushOptionsSchema, { pushTags: ['ok', '-bad'], registry: 'r.io', extra: 1 }, 'push options')).issues.map((i) => i.path)).toEqual(['pushTags[1]', 'extra']);
  });
});

describe('PackageOptionsSchema', () => {
  it('splits the options into a build and, with a registry, a push', () => {
    const parsed = parseOptions(PackageOptionsSchema, { baseImage: 'busybox', tags: ['app:1'], registry: 'localhost:5000/team', dockerConfig: '/ci/docker' }, 'package options');
    expect(parsed.build).toMatchObject({ kind: 'base-image', tags: ['app:1'], dockerConfig: '/ci/docker' });
    expect(parsed.push).toEqual({ registry: { host: 'localhost:5000', pathPrefix: 'team' }, dockerConfig: '/ci/docker' });
    expect(parseOptions(PackageOptionsSchema, { baseImage: 'busybox' }, 'package options').push).toBeUndefined();
  });

  it('refuses a push without a tag to name the image, and push settings without a registry', async () => {
    const error = await packageImage({ baseImage: 'busybox', registry: 'localhost:5000' }, { engine: untouchable }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Invalid package options: tags: must name the image to push/);
    const noRegistry = refused(() => parseOptions(PackageOptionsSchema, { baseImage: 'busybox', pushTags: ['1'] }, 'package options'));
    expect(noRegistry.issues[0]).toMatchObject({ path: 'registry', message: 'is needed to push (pushTags or credentials are given)' });
  });

  it('refuses a bad registry address before building anything', async () => {
    const error = await packageImage({ baseImage: 'busybox', tags: ['a:1'], registry: 'ftp://x' }, { engine: untouchable }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/registry: has the scheme "ftp:\/\/"/);
  });
});
