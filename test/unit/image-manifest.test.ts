import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import type { BuildResult } from '../../src/image/build-image.js';
import { createImageManifest, parseImageManifest } from '../../src/image/image-manifest.js';
import type { PushResult } from '../../src/image/push-image.js';

const imageId = `sha256:${'1'.repeat(64)}`;
const digest = `sha256:${'2'.repeat(64)}`;
const build: BuildResult = {
  imageId,
  tags: ['etl-job:1.2'],
  builtAt: '2026-11-23T01:00:00.000Z',
  platform: 'linux/amd64',
  size: 1234,
  labels: { team: 'data' },
  source: { kind: 'base-image', baseImage: 'python:3.12-slim', dockerfile: 'FROM python:3.12-slim\n' },
};
const push: PushResult = {
  image: 'localhost:5000/team/etl-job:1.2',
  repository: 'localhost:5000/team/etl-job',
  registry: 'localhost:5000',
  tags: ['localhost:5000/team/etl-job:1.2'],
  digest,
  reference: `localhost:5000/team/etl-job@${digest}`,
  pushedAt: '2026-11-23T01:00:05.000Z',
  credentials: 'none',
};

describe('createImageManifest', () => {
  it('pins a pushed image by its registry digest', () => {
    expect(createImageManifest(build, push)).toEqual({
      schemaVersion: 1,
      image: 'localhost:5000/team/etl-job:1.2',
      reference: `localhost:5000/team/etl-job@${digest}`,
      digest,
      registry: 'localhost:5000',
      pushedAt: '2026-11-23T01:00:05.000Z',
      imageId,
      tags: ['etl-job:1.2', 'localhost:5000/team/etl-job:1.2'],
      builtAt: '2026-11-23T01:00:00.000Z',
      platform: 'linux/amd64',
      labels: { team: 'data' },
      source: { kind: 'base-image', baseImage: 'python:3.12-slim' },
    });
  });

  it('pins a local image by its id, and survives JSON', () => {
    const manifest = createImageManifest(build);
    expect(manifest).toMatchObject({ image: 'etl-job:1.2', reference: imageId });
    expect('digest' in manifest).toBe(false);
    expect(parseImageManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
  });

  it('refuses a manifest that is not one, naming the fields', () => {
    const error = (() => {
      try {
        return parseImageManifest({ schemaVersion: 2, image: 'x', reference: 'x', imageId: 'nope' });
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Invalid image manifest \(\d+ issues\)/);
    expect((error as Error).message).toContain('imageId: must be sha256: and 64 hex digits');
  });
});
