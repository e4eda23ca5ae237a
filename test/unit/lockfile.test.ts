import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findLockfileGaps } from '../../scripts/check-lockfile.mjs';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { lockfileVersion: number; packages: Record<string, Record<string, unknown>> };

/** A copy of the lockfile with some packages taken out. */
function without(...locations: string[]) {
  const packages = { ...lock.packages };
  for (const location of locations) delete packages[location];
  return { ...lock, packages };
}

describe('package-lock.json', () => {
  it('locks every dependency of every package, for every platform, so that npm ci installs it anywhere', () => {
    expect(findLockfileGaps(manifest, lock)).toEqual([]);
    // The platform packages npm ci needs even where they are not installed.
    for (const name of ['@rollup/rollup-darwin-arm64', '@rollup/rollup-win32-x64-msvc', '@rollup/rollup-linux-x64-musl', '@esbuild/darwin-arm64']) {
      expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
    }
  });
});

describe('findLockfileGaps', () => {
  it('names an optional platform package the lockfile lacks (what a registry mirror without it leaves out)', () => {
    expect(findLockfileGaps(manifest, without('node_modules/@rollup/rollup-darwin-arm64'))).toEqual([
      `rollup has optional dependency on @rollup/rollup-darwin-arm64@${(lock.packages['node_modules/rollup']?.['optionalDependencies'] as Record<string, string>)['@rollup/rollup-darwin-arm64']}, which the lockfile lacks`,
    ]);
  });

  it('names a dependency of the project the lockfile lacks, and a root that differs from package.json', () => {
    const gaps = findLockfileGaps({ ...manifest, dependencies: { ...(manifest['dependencies'] as object), 'left-pad': '^1.3.0' } }, without('node_modules/valibot'));
    expect(gaps).toContain('package.json dependencies has left-pad@^1.3.0, the lockfile\'s root does not');
    expect(gaps.some((g) => g.startsWith('the project depends on valibot@'))).toBe(true);
  });

  it('resolves as Node does: a nested copy first, then the parents\' node_modules', () => {
    const packages = {
      '': { name: 'p', dependencies: { a: '1' } },
      'node_modules/a': { version: '1.0.0', dependencies: { b: '2', c: '1' }, peerDependencies: { d: '1' }, peerDependenciesMeta: { d: { optional: true } } },
      'node_modules/a/node_modules/b': { version: '2.0.0', dependencies: { c: '1' } },
      'node_modules/c': { version: '1.0.0', devDependencies: { never: '1' } },
    };
    expect(findLockfileGaps({ dependencies: { a: '1' } }, { lockfileVersion: 3, packages })).toEqual([]);
    const { 'node_modules/c': _c, ...withoutC } = packages;
    expect(findLockfileGaps({ dependencies: { a: '1' } }, { lockfileVersion: 3, packages: withoutC })).toEqual([
      'a depends on c@1, which the lockfile lacks',
      'b depends on c@1, which the lockfile lacks',
    ]);
  });

  it('refuses a lockfile without a packages map', () => {
    expect(findLockfileGaps(manifest, { lockfileVersion: 1 })).toEqual(['package-lock.json has no "packages" map (lockfileVersion 1): regenerate it with npm 7 or later']);
  });
});
