import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseImageReference } from '../../src/core/image-reference.js';
import { effectivePullPolicy } from '../../src/core/job-config.js';

describe('parseImageReference', () => {
  it('takes references apart: registry, repository, tag, digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference('python:3.12-slim')).toEqual({ ok: true, value: { repository: 'python', tag: '3.12-slim' } });
    expect(parseImageReference('busybox')).toEqual({ ok: true, value: { repository: 'busybox' } });
    expect(parseImageReference('localhost:5000/etl/job:1.4')).toEqual({ ok: true, value: { registry: 'localhost:5000', repository: 'etl/job', tag: '1.4' } });
    expect(parseImageReference(`registry.example.com/etl/job@${digest}`)).toEqual({ ok: true, value: { registry: 'registry.example.com', repository: 'etl/job', digest } });
    expect(parseImageReference(`img:1@${digest}`)).toEqual({ ok: true, value: { repository: 'img', tag: '1', digest } });
    expect(parseImageReference('localhost/x')).toMatchObject({ value: { registry: 'localhost', repository: 'x' } });
    expect(parseImageReference('docker-job-fixture:busybox')).toMatchObject({ value: { repository: 'docker-job-fixture', tag: 'busybox' } });
    expect(parseImageReference('library/a__b.c-d---e')).toMatchObject({ ok: true });
  });

  it('refuses what the engine refuses, saying why', () => {
    const message = (ref: string) => {
      const r = parseImageReference(ref);
      if (r.ok) throw new Error(`expected ${ref} to be refused`);
      return r.message;
    };
    expect(message('')).toBe('is empty');
    expect(message('bad image')).toBe('has a blank in it');
    expect(message('Python:3')).toBe('has upper-case letters in its repository "Python"');
    expect(message('python:-x')).toContain('invalid tag');
    expect(message(`python:${'a'.repeat(129)}`)).toContain('invalid tag');
    expect(message('python@sha256:abc')).toContain('invalid digest');
    expect(message('a//b')).toContain('invalid repository name');
    expect(message('-a')).toContain('invalid repository name');
    expect(message('reg.example.com/')).toBe('has no repository name');
    expect(message('-bad.example.com/x')).toContain('invalid registry');
    expect(message(`${'a'.repeat(256)}`)).toBe('is longer than 255 characters');
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseImageReference(s).ok === 'boolean'), { numRuns: 500 });
  });
});

describe('effectivePullPolicy', () => {
  it('pulls latest and untagged images always, tagged or pinned ones when missing', () => {
    expect(effectivePullPolicy({ image: 'busybox' })).toBe('always');
    expect(effectivePullPolicy({ image: 'busybox:latest' })).toBe('always');
    expect(effectivePullPolicy({ image: 'localhost:5000/etl' })).toBe('always');
    expect(effectivePullPolicy({ image: 'busybox:1.36' })).toBe('missing');
    expect(effectivePullPolicy({ image: `busybox@sha256:${'b'.repeat(64)}` })).toBe('missing');
    expect(effectivePullPolicy({ image: `busybox:latest@sha256:${'b'.repeat(64)}` })).toBe('missing');
  });

  it('keeps a policy given explicitly', () => {
    expect(effectivePullPolicy({ image: 'busybox', pull: 'never' })).toBe('never');
    expect(effectivePullPolicy({ image: 'busybox:1', pull: 'always' })).toBe('always');
  });
});
