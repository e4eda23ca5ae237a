import { describe, expect, it } from 'vitest';
import type { BuildEvent, PushEvent } from '../../src/engine/image-engine.js';
import { BuildStreamReader, PushStreamReader, readJsonMessages } from '../../src/engine/docker/progress-stream.js';
import { fromImages } from '../../src/image/build-image.js';

const ID = `sha256:${'ab'.repeat(32)}`;
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** Messages as engine 20.10's classic builder sends them for a build whose third step fails. */
const failingBuild = [
  { stream: 'Step 1/3 : FROM busybox\n' },
  { stream: ' ---> 6f2f0a7a\n' },
  { stream: 'Step 2/3 : RUN echo ok\n' },
  { stream: ' ---> Running in 4f2c\n' },
  { stream: 'ok\n' },
  { stream: 'Removing intermediate container 4f2c\n' },
  { stream: 'Step 3/3 : RUN make\n' },
  { stream: ' ---> Running in 9a1b\n' },
  { stream: 'compiling' },
  { stream: ' part two\n\u001b[91mmake: *** [all] Error 2\n\u001b[0m' },
  { errorDetail: { code: 2, message: "The command '/bin/sh -c make' returned a non-zero code: 2" }, error: "The command '/bin/sh -c make' returned a non-zero code: 2" },
];

describe('BuildStreamReader', () => {
  it('keeps the failing step, its output joined across messages, the error and its code', () => {
    const events: BuildEvent[] = [];
    const reader = new BuildStreamReader((e) => events.push(e));
    for (const m of failingBuild) reader.push(m);
    reader.end();
    expect(reader.step).toEqual({ number: 3, total: 3, instruction: 'RUN make' });
    expect(reader.failure).toEqual({ message: "The command '/bin/sh -c make' returned a non-zero code: 2", code: 2 });
    expect(reader.stepOutput).toEqual([' ---> Running in 9a1b', 'compiling part two', 'make: *** [all] Error 2']);
    expect(reader.imageId).toBeUndefined();
    expect(events.filter((e) => e.type === 'build-step').map((e) => (e.type === 'build-step' ? e.step : 0))).toEqual([1, 2, 3]);
    expect(events).toContainEqual({ type: 'build-output', stream: 'stderr', text: 'make: *** [all] Error 2' });
    expect(events).toContainEqual({ type: 'build-output', stream: 'stdout', text: 'compiling part two' });
  });

  it('keeps the first error only, and the image id from aux', () => {
    const reader = new BuildStreamReader(() => {});
    reader.push({ aux: { ID } });
    reader.push({ error: 'first' });
    reader.push({ error: 'second' });
    expect(reader.imageId).toBe(ID);
    expect(reader.failure).toEqual({ message: 'first' });
  });

  it('reports base-image pulls during the build as build-pull events', () => {
    const events: BuildEvent[] = [];
    const reader = new BuildStreamReader((e) => events.push(e));
    reader.push({ status: 'Downloading', id: 'a1', progressDetail: { current: 10, total: 100 } });
    expect(events).toEqual([{ type: 'build-pull', status: 'Downloading', id: 'a1', current: 10, total: 100 }]);
  });

  it('flushes a last line without a newline at the end, and bounds the kept step output to 50 lines', () => {
    const reader = new BuildStreamReader(() => {});
    reader.push({ stream: 'Step 1/1 : RUN seq 100\n' });
    reader.push({ stream: Array.from({ length: 99 }, (_, i) => `${i + 1}\n`).join('') + '100' });
    reader.end();
    expect(reader.stepOutput).toHaveLength(50);
    expect(reader.stepOutput.at(-1)).toBe('100');
    expect(reader.stepOutput[0]).toBe('51');
  });
});

describe('PushStreamReader', () => {
  it('takes the digest and size from aux, and reports layer progress', () => {
    const events: PushEvent[] = [];
    const reader = new PushStreamReader('r:5000/app:1', (e) => events.push(e));
    reader.push({ status: 'The push refers to repository [r:5000/app]' });
    reader.push({ status: 'Pushing', id: 'l1', progressDetail: { current: 5, total: 9 } });
    reader.push({ status: `1: digest: ${DIGEST} size: 736` });
    reader.push({ progressDetail: {}, aux: { Tag: '1', Digest: DIGEST, Size: 736 } });
    expect(reader).toMatchObject({ digest: DIGEST, size: 736, failure: undefined });
    expect(events[1]).toEqual({ type: 'push-progress', image: 'r:5000/app:1', status: 'Pushing', id: 'l1', current: 5, total: 9 });
  });

  it('keeps the error an engine reports inside a successful answer', () => {
    const reader = new PushStreamReader('r:5000/app:1', () => {});
    reader.push({ status: 'Preparing', id: 'l1' });
    reader.push({ errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' });
    expect(reader.failure).toEqual({ message: 'unauthorized: authentication required' });
    expect(reader.digest).toBeUndefined();
  });
});

describe('readJsonMessages', () => {
  async function* chunks(...parts: string[]) {
    for (const p of parts) yield new TextEncoder().encode(p);
  }

  it('reads JSON lines split anywhere, multi-byte characters included', async () => {
    const seen: unknown[] = [];
    const text = '{"stream":"héllo ✓"}\n{"aux":{"ID":"x"}}\n';
    const bytes = new TextEncoder().encode(text);
    async function* byteByByte() {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    await readJsonMessages(byteByByte(), (m) => seen.push(m));
    expect(seen).toEqual([{ stream: 'héllo ✓' }, { aux: { ID: 'x' } }]);
    const last: unknown[] = [];
    await readJsonMessages(chunks('{"a":1}\r\n', '\n', '{"b":2}'), (m) => last.push(m));
    expect(last).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('fails on a line that is not JSON', async () => {
    await expect(readJsonMessages(chunks('{"a":1}\nnot json\n'), () => {})).rejects.toThrow(/not JSON: not json/);
  });
});

describe('fromImages', () => {
  it('lists the base images of FROM lines, leaving out scratch, earlier stages and names built from ARGs', () => {
    const dockerfile = [
      'ARG BASE=busybox',
      'FROM --platform=linux/amd64 registry.example.com:5000/team/builder:1 AS build',
      'FROM build AS test',
      'from scratch',
      'FROM $BASE',
      'FROM python:3.12-slim',
    ].join('\n');
    expect(fromImages(dockerfile)).toEqual(['registry.example.com:5000/team/builder:1', 'python:3.12-slim']);
  });
});
