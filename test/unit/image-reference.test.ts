import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../../src/core/command.js';
import { formatImageReference, parseImageReference, repositoryName, type ImageReference } from '../../src/core/image-reference.js';
import { effectivePullPolicy } from '../../src/core/job-config.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

function ref(input: string): ImageReference {
  const result = parseImageReference(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.message}`);
  return result.value;
}

function failure(input: string): Extract<ParseResult<ImageReference>, { ok: false }> {
  const result = parseImageReference(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${JSON.stringify(result.value)}`);
  return result;
}

describe('parseImageReference', () => {
  it.each<[string, ImageReference]>([
    ['busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['busybox:1.36', { registry: 'docker.io', repository: 'library/busybox', tag: '1.36' }],
    ['team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['index.docker.io/team/app:v1', { registry: 'docker.io', repository: 'team/app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x' }],
    ['127.0.0.1:5000/a/b:tag', { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'tag' }],
    [`127.0.0.1:5000/a/b:tag@${DIGEST}`, { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'tag', digest: DIGEST }],
    [`app@${DIGEST}`, { registry: 'docker.io', repository: 'library/app', digest: DIGEST }],
    ['registry.example.com/team/etl/job:2024.01_rc-1', { registry: 'registry.example.com', repository: 'team/etl/job', tag: '2024.01_rc-1' }],
    ['[::1]:5000/app:dev', { registry: '[::1]:5000', repository: 'app', tag: 'dev' }],
    ['Registry/app', { registry: 'Registry', repository: 'app' }],
    ['my-host.internal:443/a__b/c.d/e--f', { registry: 'my-host.internal:443', repository: 'a__b/c.d/e--f' }],
  ])('parses %s', (input, expected) => {
    expect(ref(input)).toEqual(expected);
  });

  it('leaves out tag and digest entirely when the reference has none', () => {
    const value = ref('localhost:5000/app');
    expect('tag' in value).toBe(false);
    expect('digest' in value).toBe(false);
  });

  it.each([
    ['', /empty/],
    ['busy box', /whitespace/],
    ['Busybox', /upper-case/],
    ['team/App', /upper-case letters in "App"/],
    ['app:', /invalid tag ""/],
    ['app:-x', /invalid tag/],
    [`app:${'t'.repeat(129)}`, /invalid tag/],
    ['app@sha256:abc', /invalid digest/],
    [`app@sha256:${'A1'.repeat(32)}`, /invalid sha256 digest/],
    ['localhost:99999/app', /port 99999 is out of range/],
    ['local_host:5000/app', /invalid registry host/],
    ['a//b', /empty path component/],
    ['localhost:5000/', /empty path component/],
    [':tag', /no repository name/],
    ['app-/x', /invalid path component "app-"/],
    [`${'a'.repeat(256)}`, /longer than 255/],
  ])('refuses %j with a message saying why', (input, message) => {
    const result = failure(input);
    expect(result.message).toMatch(message);
    expect(result.expected).not.toBe('');
  });
});

describe('formatImageReference', () => {
  it('writes Docker Hub names the familiar way by default, in full on request', () => {
    expect(formatImageReference(ref('busybox:1.36'))).toBe('busybox:1.36');
    expect(formatImageReference(ref('busybox:1.36'), { familiar: false })).toBe('docker.io/library/busybox:1.36');
    expect(formatImageReference(ref('team/app'))).toBe('team/app');
    expect(repositoryName(ref('localhost:5000/library/app'))).toBe('localhost:5000/library/app');
  });

  it('round-trips every reference it parses', () => {
    const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/);
    const host = fc.constantFrom('localhost:5000', '127.0.0.1:5000', 'registry.example.com', 'docker.io', 'r.io:443');
    const tag = fc.option(fc.stringMatching(/^\w[\w.-]{0,20}$/), { nil: undefined });
    const digest = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`), { nil: undefined });
    fc.assert(
      fc.property(host, fc.array(component, { minLength: 1, maxLength: 4 }), tag, digest, (h, path, t, d) => {
        const input = `${h}/${path.join('/')}${t === undefined ? '' : `:${t}`}${d === undefined ? '' : `@${d}`}`;
        const parsed = ref(input);
        expect(ref(formatImageReference(parsed))).toEqual(parsed);
        expect(parsed.tag).toBe(t);
        expect(parsed.digest).toBe(d);
      }),
    );
  });
});

describe('formatImageReference edge cases', () => {
  it('keeps docker.io when the short form would read as another registry', () => {
    const parsed = ref('docker.io/my.org/app:1');
    expect(parsed).toEqual({ registry: 'docker.io', repository: 'my.org/app', tag: '1' });
    expect(formatImageReference(parsed)).toBe('docker.io/my.org/app:1');
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
