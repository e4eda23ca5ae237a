#!/usr/bin/env node
// Checks that package-lock.json is complete: every dependency of every locked package (optional
// ones included, for every platform: rollup's and esbuild's binaries for macOS, Windows, musl...)
// resolves to a locked package, and the root entry matches package.json. `npm ci` refuses a
// lockfile that fails this; `npm install` silently writes one when the registry it uses lacks an
// optional package. Run: node scripts/check-lockfile.mjs (exit 1 and the gaps when incomplete).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/**
 * The gaps of a lockfile (v2 or v3), as sentences; none when it is complete.
 * @param {Record<string, unknown>} manifest package.json
 * @param {{ lockfileVersion?: number, packages?: Record<string, Record<string, any>> }} lock package-lock.json
 * @returns {string[]}
 */
export function findLockfileGaps(manifest, lock) {
  const gaps = [];
  const packages = lock.packages;
  if (!packages || typeof packages !== 'object' || (lock.lockfileVersion ?? 0) < 2) {
    return [`package-lock.json has no "packages" map (lockfileVersion ${lock.lockfileVersion ?? 'missing'}): regenerate it with npm 7 or later`];
  }
  const root = packages[''] ?? {};
  for (const field of DEPENDENCY_FIELDS) {
    const want = manifest[field] ?? {};
    const have = root[field] ?? {};
    for (const [name, range] of Object.entries(want)) {
      if (have[name] !== range) gaps.push(`package.json ${field} has ${name}@${range}, the lockfile's root ${have[name] === undefined ? 'does not' : `has ${have[name]}`}`);
    }
    for (const name of Object.keys(have)) {
      if (!(name in want)) gaps.push(`the lockfile's root ${field} has ${name}, package.json does not`);
    }
  }
  for (const [location, entry] of Object.entries(packages)) {
    if (entry.link) continue;
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const field of DEPENDENCY_FIELDS) {
      // A root's devDependencies are installed; a dependency's are not. Optional peers may be absent.
      if (field === 'devDependencies' && location !== '') continue;
      for (const [name, range] of Object.entries(entry[field] ?? {})) {
        if (field === 'peerDependencies' && optionalPeers[name]?.optional) continue;
        if (resolve(packages, location, name) === undefined) {
          gaps.push(`${location === '' ? 'the project' : location.replace(/^.*node_modules\//, '')} ${field === 'dependencies' ? 'depends' : `has ${field.replace('Dependencies', '')} dependency`} on ${name}@${range}, which the lockfile lacks`);
        }
      }
    }
  }
  return gaps;
}

/** Where Node would find `name` from `location`: its own node_modules, then each parent's. */
function resolve(packages, location, name) {
  let base = location;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = new URL('..', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
  const lock = JSON.parse(readFileSync(new URL('package-lock.json', dir), 'utf8'));
  const gaps = findLockfileGaps(manifest, lock);
  if (gaps.length > 0) {
    console.error(`package-lock.json is incomplete (${gaps.length}):\n  ${gaps.join('\n  ')}\nRegenerate it against a registry that serves every package (npm install --package-lock-only --registry=https://registry.npmjs.org/), then check again.`);
    process.exit(1);
  }
  console.log(`package-lock.json is complete: ${Object.keys(lock.packages).length - 1} packages`);
}
