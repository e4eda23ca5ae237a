import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContextError, isBuildContextError } from '../../src/errors/build-context-error.js';
import { isDockerJobError } from '../../src/errors/docker-job-error.js';
import { dockerfileInContext, packBuildContext } from '../../src/image/build-context.js';

interface Entry {
  name: string;
  type: string;
  content: Buffer;
  linkname?: string;
  uid: number;
  mode: number;
}

/** Reads a tar stream back with tar-stream's extractor. */
async function unpack(stream: Readable): Promise<Entry[]> {
  const extract = tar.extract();
  const entries: Entry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const part of entry) parts.push(part as Buffer);
      const { name, type, linkname, uid, mode } = entry.header;
      entries.push({ name, type, content: Buffer.concat(parts), uid, mode, ...(linkname ? { linkname } : {}) });
    }
  })();
  for await (const chunk of stream) extract.write(chunk as Buffer);
  (extract as unknown as { end(): void }).end();
  await done;
  return entries;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-job-context-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function files(layout: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(layout)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

const names = (entries: Entry[]) => entries.map((e) => e.name);

describe('packBuildContext', () => {
  it('packs every file and directory in lexical order, owned by root, contents intact', async () => {
    await files({ 'b.txt': 'b', 'a/z.txt': 'z', 'a/y/x.txt': 'x', Dockerfile: 'FROM scratch\n' });
    const entries = await unpack(packBuildContext({ dir, dockerfile: 'Dockerfile' }));
    expect(names(entries)).toEqual(['Dockerfile', 'a/', 'a/y/', 'a/y/x.txt', 'a/z.txt', 'b.txt']);
    expect(entries.find((e) => e.name === 'a/y/x.txt')?.content.toString()).toBe('x');
    expect(entries.every((e) => e.uid === 0)).toBe(true);
  });

  it('leaves out what .dockerignore excludes, but always sends the Dockerfile and .dockerignore', async () => {
    await files({
      '.dockerignore': '# comment\nsecret.env\nlogs\n**/*.tmp\nDockerfile\n.dockerignore\n',
      Dockerfile: 'FROM scratch\n',
      'secret.env': 'TOKEN=x',
      'app/main.py': 'print()',
      'app/cache.tmp': 'x',
      'deep/er/file.tmp': 'x',
      'logs/a.log': 'x',
    });
    const entries = names(await unpack(packBuildContext({ dir, dockerfile: 'Dockerfile' })));
    expect(entries).toEqual(['.dockerignore', 'Dockerfile', 'app/', 'app/main.py', 'deep/', 'deep/er/']);
  });

  it('walks into an excluded directory for an exception, adding only what the exception brings back', async () => {
    await files({ '.dockerignore': 'logs\n!logs/keep.txt\n', 'logs/keep.txt': 'k', 'logs/drop.txt': 'd', 'other/x': 'x' });
    const entries = names(await unpack(packBuildContext({ dir })));
    expect(entries).toEqual(['.dockerignore', 'logs/keep.txt', 'other/', 'other/x']);
  });

  it('matches case-sensitively, as Docker does on Linux', async () => {
    await files({ '.dockerignore': 'SECRET\n', secret: 's', SECRET: 'S' });
    expect(names(await unpack(packBuildContext({ dir })))).toEqual(['.dockerignore', 'secret']);
  });

  it('excludes by a pattern that names a parent directory, and keeps a file with a similar name', async () => {
    await files({ '.dockerignore': 'node_modules\n/build\n', 'node_modules/x/index.js': 'x', 'build/out': 'o', 'src/build/keep': 'k', 'node_modules.txt': 'n' });
    expect(names(await unpack(packBuildContext({ dir })))).toEqual(['.dockerignore', 'node_modules.txt', 'src/', 'src/build/', 'src/build/keep']);
  });

  it('keeps symbolic links as links', async () => {
    await files({ 'target.txt': 't' });
    await symlink('target.txt', join(dir, 'link.txt'));
    const link = (await unpack(packBuildContext({ dir }))).find((e) => e.name === 'link.txt');
    expect(link).toMatchObject({ type: 'symlink', linkname: 'target.txt' });
  });

  it('streams a file larger than the read-ahead limit byte for byte', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'big.bin'), big);
    await files({ 'small.txt': 's' });
    const entries = await unpack(packBuildContext({ dir }));
    expect(entries.find((e) => e.name === 'big.bin')?.content.equals(big)).toBe(true);
    expect(entries.find((e) => e.name === 'small.txt')?.content.toString()).toBe('s');
  });

  it('adds generated content and host paths after the directory, a host directory whole', async () => {
    await files({ 'ctx/app.py': 'a', 'outside/conf/a.ini': 'A', 'outside/conf/b.ini': 'B', 'outside/one.txt': '1' });
    const entries = await unpack(
      packBuildContext({
        dir: join(dir, 'ctx'),
        extra: [
          { name: '.docker-job/Dockerfile', content: 'FROM scratch\n' },
          { name: '.docker-job/files/0/conf', path: join(dir, 'outside/conf') },
          { name: '.docker-job/files/1/one.txt', path: join(dir, 'outside/one.txt') },
        ],
      }),
    );
    expect(names(entries)).toEqual(['app.py', '.docker-job/Dockerfile', '.docker-job/files/0/conf/', '.docker-job/files/0/conf/a.ini', '.docker-job/files/0/conf/b.ini', '.docker-job/files/1/one.txt']);
    expect(entries.find((e) => e.name === '.docker-job/Dockerfile')).toMatchObject({ mode: 0o644, content: Buffer.from('FROM scratch\n') });
  });

  it('fails the stream with a message naming a path that cannot be read', async () => {
    const missing = join(dir, 'no-such-file');
    await expect(unpack(packBuildContext({ extra: [{ name: 'x', path: missing }] }))).rejects.toThrow(`cannot read ${missing} (ENOENT)`);
    await expect(unpack(packBuildContext({ dir: missing }))).rejects.toThrow(/cannot read the directory .*no-such-file \(ENOENT\)/);
  });

  it('fails it with a BuildContextError of the docker-job family, carrying the path and the cause', async () => {
    const missing = join(dir, 'no-such-file');
    const error: unknown = await unpack(packBuildContext({ extra: [{ name: 'x', path: missing }] })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBuildContextError(error)).toBe(true);
    expect(isDockerJobError(error)).toBe(true);
    expect(error).toBeInstanceOf(BuildContextError);
    expect(error).toMatchObject({ code: 'BUILD_CONTEXT', name: 'BuildContextError', path: missing, reason: `cannot read ${missing} (ENOENT)`, message: `Cannot pack the build context: cannot read ${missing} (ENOENT)` });
    expect((error as BuildContextError).cause).toMatchObject({ code: 'ENOENT' });
  });
});

describe('dockerfileInContext', () => {
  it('gives the Dockerfile’s path inside the context, or undefined when it lies outside', () => {
    expect(dockerfileInContext('/ctx', 'Dockerfile')).toBe('Dockerfile');
    expect(dockerfileInContext('/ctx', '/ctx/docker/Dockerfile.prod')).toBe('docker/Dockerfile.prod');
    expect(dockerfileInContext('/ctx', '../elsewhere/Dockerfile')).toBeUndefined();
    expect(dockerfileInContext('/ctx', '/ctx')).toBeUndefined();
  });
});
