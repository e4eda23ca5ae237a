import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  buildImage,
  createDockerEngine,
  createDockerImageEngine,
  isBuildError,
  isConfigError,
  MemorySink,
  runDockerJob,
  type BuildError,
  type BuildEvent,
  type BuildOptions,
} from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';

const engine = createDockerEngine();
const images = createDockerImageEngine();
const labels = suiteLabels('build-image');
const fixture = inject('fixtureImage');
const run = randomUUID().slice(0, 8);
/** Every tag this suite creates, removed at the end. */
const created: string[] = [];
let dir: string;

const tag = (name: string) => {
  const t = `docker-job-test/build-${name}:${run}`;
  created.push(t);
  return t;
};

/** Writes files (path → content) under a fresh directory and returns it. */
async function context(layout: Record<string, string>): Promise<string> {
  const root = join(dir, randomUUID().slice(0, 8));
  for (const [name, content] of Object.entries(layout)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
  return root;
}

/** Runs a command in an image (network none) and returns what it printed. */
async function runIn(image: string, command: string[], extra: { entrypoint?: string[] } = {}) {
  const sink = new MemorySink();
  const result = await runDockerJob({ image, command, network: 'none', labels, pull: 'never', ...extra }, { engine, sinks: [sink] });
  return { exitCode: result.exitCode, stdout: sink.text('stdout'), stderr: sink.text('stderr') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-job-build-'));
});

afterAll(async () => {
  for (const t of created) await images.removeImage(t, { force: true });
  await rm(dir, { recursive: true, force: true });
  await expectNoContainersLeft(engine, labels);
});

describe('buildImage from a Dockerfile (real engine, classic builder)', () => {
  it('leaves out of the image what .dockerignore excludes', async () => {
    const ctx = await context({
      Dockerfile: `FROM ${fixture}\nCOPY . /ctx\n`,
      '.dockerignore': 'secret.txt\nlogs\n*.tmp\n',
      'keep.txt': 'kept',
      'secret.txt': 'do not ship',
      'logs/a.log': 'log',
      'scratch.tmp': 'tmp',
    });
    const image = tag('dockerignore');
    const built = await buildImage({ context: ctx, tags: [image] }, { engine: images });
    expect(built.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(built.tags).toEqual([image]);
    const { stdout } = await runIn(image, ['sh', '-c', 'cd /ctx && ls -A | sort']);
    // As with `docker build`: .dockerignore itself is sent (and copied) unless it lists itself.
    expect(stdout.split('\n')).toEqual(['.dockerignore', 'Dockerfile', 'keep.txt']);
  });

  it('builds the target stage of a multi-stage Dockerfile, holding only what that stage copied', async () => {
    const ctx = await context({
      Dockerfile: [
        `FROM ${fixture} AS builder`,
        'RUN mkdir -p /out && echo artifact > /out/artifact.txt && echo junk > /out/junk.txt',
        `FROM ${fixture} AS slim`,
        'COPY --from=builder /out/artifact.txt /app/artifact.txt',
        `FROM ${fixture} AS full`,
        'COPY --from=builder /out /app',
        '',
      ].join('\n'),
    });
    const image = tag('multistage');
    const steps: string[] = [];
    await buildImage({ dockerfile: join(ctx, 'Dockerfile'), tags: [image], target: 'slim' }, { engine: images, onEvent: (e) => e.type === 'build-step' && steps.push(e.instruction) });
    const { stdout } = await runIn(image, ['sh', '-c', 'ls -A /app; cat /app/artifact.txt']);
    expect(stdout.split('\n')).toEqual(['artifact.txt', 'artifact']);
    expect(steps.some((s) => s.includes('AS full'))).toBe(false); // the later stage was not built
  });

  it('passes build args, labels and a Dockerfile at another path, and reports steps and output as events', async () => {
    const ctx = await context({ 'docker/Build.dockerfile': `FROM ${fixture}\nARG FLAVOUR\nRUN echo "flavour is $FLAVOUR" && echo "$FLAVOUR" > /flavour\n` });
    const image = tag('args');
    const events: BuildEvent[] = [];
    const built = await buildImage(
      { context: ctx, dockerfile: join(ctx, 'docker/Build.dockerfile'), tags: [image], buildArgs: { FLAVOUR: 'mint' }, labels: { 'org.example.team': 'data' }, noCache: true },
      { engine: images, onEvent: (e) => events.push(e) },
    );
    expect(built.labels['org.example.team']).toBe('data');
    expect(built.source).toEqual({ kind: 'dockerfile', dockerfile: join(ctx, 'docker/Build.dockerfile'), context: ctx });
    expect((await runIn(image, ['cat', '/flavour'])).stdout).toBe('mint');
    const steps = events.filter((e) => e.type === 'build-step');
    expect(steps[0]).toEqual({ type: 'build-step', step: 1, steps: expect.any(Number), instruction: `FROM ${fixture}` });
    expect(events).toContainEqual({ type: 'build-output', stream: 'stdout', text: 'flavour is mint' });
    expect(events.at(-1)).toEqual({ type: 'built', imageId: built.imageId, tags: [image] });
  });

  it('builds a Dockerfile that lies outside its context', async () => {
    const ctx = await context({ 'data.txt': 'from the context' });
    const outside = await context({ Dockerfile: `FROM ${fixture}\nCOPY data.txt /data.txt\n` });
    const image = tag('outside');
    await buildImage({ context: ctx, dockerfile: join(outside, 'Dockerfile'), tags: [image] }, { engine: images });
    expect((await runIn(image, ['cat', '/data.txt'])).stdout).toBe('from the context');
  });

  it('fails a RUN step with a BuildError naming the step, the engine’s message and the step’s output, tags nothing and leaves no container', async () => {
    const ctx = await context({ Dockerfile: `FROM ${fixture}\nRUN echo preparing\nRUN echo "about to fail" && echo "details" >&2 && exit 3\nRUN echo never\n` });
    const image = tag('failing');
    const docker = new Docker();
    const before = new Set((await docker.listContainers({ all: true })).map((c) => c.Id));
    const events: BuildEvent[] = [];
    const error = (await buildImage({ context: ctx, tags: [image], noCache: true }, { engine: images, onEvent: (e) => events.push(e) }).catch((e: unknown) => e)) as BuildError;
    expect(isBuildError(error)).toBe(true);
    expect(error.step).toEqual({ number: 3, total: 4, instruction: 'RUN echo "about to fail" && echo "details" >&2 && exit 3' });
    expect(error.reason).toMatch(/returned a non-zero code: 3/);
    expect(error.exitCode).toBe(3);
    expect(error.output).toEqual(expect.arrayContaining(['about to fail', 'details']));
    // The builder marks a step's stderr with colour codes: they are gone, and the line is stderr.
    expect(events).toContainEqual({ type: 'build-output', stream: 'stderr', text: 'details' });
    expect(events).toContainEqual({ type: 'build-output', stream: 'stdout', text: 'about to fail' });
    expect(error.message).toContain(`Build of ${image} failed at Step 3/4 : RUN echo "about to fail"`);
    expect(error.message).toMatch(/returned a non-zero code: 3$/);
    expect(await images.inspectImage(image)).toBeUndefined();
    // Other suites run containers meanwhile: look only for the failed step's own container.
    const after = (await docker.listContainers({ all: true })).filter((c) => !before.has(c.Id) && c.Command.includes('about to fail'));
    expect(after.map((c) => `${c.Id.slice(0, 12)} ${c.Image}`)).toEqual([]);
  });

  it('fails a Dockerfile the builder cannot read with a BuildError carrying its message', async () => {
    const ctx = await context({ Dockerfile: `FROM ${fixture}\nNOSUCHINSTRUCTION x\n` });
    const error = await buildImage({ context: ctx, tags: [tag('unparsable')] }, { engine: images }).catch((e: unknown) => e);
    expect(isBuildError(error)).toBe(true);
    expect((error as Error).message).toMatch(/unknown instruction: NOSUCHINSTRUCTION/i);
  });

  it('fails a COPY of a file the context lacks (excluded by .dockerignore) with the step and the message', async () => {
    const ctx = await context({ Dockerfile: `FROM ${fixture}\nCOPY secret.txt /secret.txt\n`, '.dockerignore': 'secret.txt\n', 'secret.txt': 'x' });
    const error = (await buildImage({ context: ctx, tags: [tag('copy-missing')] }, { engine: images }).catch((e: unknown) => e)) as BuildError;
    expect(isBuildError(error)).toBe(true);
    expect(error.step?.instruction).toBe('COPY secret.txt /secret.txt');
    expect(error.reason).toMatch(/secret\.txt/);
  });

  it('refuses a missing context or Dockerfile with a ConfigError naming the field, before contacting the engine', async () => {
    const missing = join(dir, 'no-such-dir');
    const error = await buildImage({ context: missing }, { engine: images }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(`context: ${missing} is not a directory`);
    expect((error as Error).message).toContain(`dockerfile: ${join(missing, 'Dockerfile')} is not a file`);
  });
});

describe('buildImage from a base image and a recipe', () => {
  it('installs, copies files, sets the environment, workdir, user, entrypoint and command: each checked in a container', async () => {
    const root = await context({
      'config/app.ini': '[app]\nname=etl\n',
      'config/nested/deep.txt': 'deep',
      'script.sh': '#!/bin/sh\necho script ran\n',
    });
    await chmod(join(root, 'script.sh'), 0o755); // the mode travels into the image
    const absolute = await context({ 'abs.txt': 'absolute source' });
    const image = tag('recipe');
    const options: BuildOptions = {
      baseImage: fixture,
      install: [
        'mkdir -p /opt/tool && echo "tool $TOOL_VERSION" > /opt/tool/version',
        'set -e\nmkdir -p /var/lib/etl\necho "multi-line" > /var/lib/etl/marker',
      ],
      buildArgs: { TOOL_VERSION: '2.1' },
      files: [
        'config:/etc/etl',
        { source: 'script.sh', destination: '/usr/local/bin/etl-script' },
        { source: join(absolute, 'abs.txt'), destination: '/opt/my files/$HOME "q".txt' },
      ],
      root,
      env: { GREETING: 'say "hi" to $HOME \\o/', EMPTY: '', PATHLIKE: '/a:/b' },
      instructions: ['LABEL org.example.recipe=yes'],
      workdir: '/srv/app dir',
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo default command'], // one argument for sh -c
      tags: [image],
      labels: { 'org.example.built-by': 'test' },
    };
    const built = await buildImage(options, { engine: images });
    expect(built.source.kind).toBe('base-image');
    expect(built.labels).toMatchObject({ 'org.example.recipe': 'yes', 'org.example.built-by': 'test' });

    const script = [
      'cat /opt/tool/version',
      'cat /var/lib/etl/marker',
      'cat /etc/etl/app.ini',
      'cat /etc/etl/nested/deep.txt; echo',
      'etl-script',
      'cat "/opt/my files/\\$HOME \\"q\\".txt"; echo',
      'printf "%s\\n" "$GREETING"',
      'printf "[%s]\\n" "$EMPTY"',
      'echo "$PATHLIKE"',
      'pwd',
    ].join('; ');
    const { exitCode, stdout, stderr } = await runIn(image, [script]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'tool 2.1',
      'multi-line',
      '[app]',
      'name=etl',
      'deep',
      'script ran',
      'absolute source',
      'say "hi" to $HOME \\o/',
      '[]',
      '/a:/b',
      '/srv/app dir',
    ]);
    // The image's own entrypoint and command run when none is given.
    const sink = new MemorySink();
    await runDockerJob({ image, network: 'none', labels, pull: 'never' }, { engine, sinks: [sink] });
    expect(sink.text('stdout')).toBe('default command');
  });

  it('runs the image as the configured user', async () => {
    const image = tag('user');
    await buildImage({ baseImage: fixture, user: '1234:5678', tags: [image] }, { engine: images });
    expect((await runIn(image, ['id -u; id -g'], { entrypoint: ['/bin/sh', '-c'] })).stdout).toBe('1234\n5678');
  });

  it('fails a failing install command with a BuildError naming its RUN step', async () => {
    const error = (await buildImage({ baseImage: fixture, install: ['echo ok', 'echo "installing" && false'], tags: [tag('recipe-fail')] }, { engine: images }).catch((e: unknown) => e)) as BuildError;
    expect(isBuildError(error)).toBe(true);
    expect(error.step).toEqual({ number: 3, total: 3, instruction: 'RUN echo "installing" && false' });
    expect(error.output).toContain('installing');
  });

  it('goes on without base-image credentials it cannot read, saying so in a build-warning', async () => {
    const configDir = await context({ 'config.json': JSON.stringify({ credsStore: 'absent-helper' }) });
    const events: BuildEvent[] = [];
    const built = await buildImage({ baseImage: fixture, tags: [tag('warned')], dockerConfig: configDir }, { engine: images, onEvent: (e) => events.push(e) });
    expect(built.imageId).toMatch(/^sha256:/);
    expect(events[0]).toEqual({ type: 'build-warning', message: expect.stringMatching(/docker-credential-absent-helper .*not found on the PATH; building without credentials for docker\.io$/) });
  });

  it('refuses a file source that does not exist, naming the field', async () => {
    const error = await buildImage({ baseImage: fixture, files: ['no/such/file:/x'], root: dir }, { engine: images }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(`files[0].source: ${join(dir, 'no/such/file')} does not exist`);
  });
});
