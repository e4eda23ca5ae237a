import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  checkVolumeMount,
  formatVolumeSpec,
  MOUNT_CONSISTENCIES,
  MOUNT_PROPAGATIONS,
  normalizedBindSource,
  normalizedTarget,
  parseOptions,
  parseVolumeSpec,
  resolvePath,
  resolveVolumeMount,
  type VolumeMount,
} from '../../src/core/volumes.js';
import type { ParseResult } from '../../src/core/command.js';

function mount(input: string): VolumeMount {
  const result = parseVolumeSpec(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.message}`);
  return result.value;
}

function failure(input: string): Extract<ParseResult<VolumeMount>, { ok: false }> {
  const result = parseVolumeSpec(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${JSON.stringify(result.value)}`);
  return result;
}

describe('parseVolumeSpec', () => {
  describe('bind mounts, named and anonymous volumes', () => {
    it('reads an absolute host path as a bind mount', () => {
      expect(mount('/host/data:/data')).toEqual({ type: 'bind', source: '/host/data', target: '/data' });
    });

    it('reads a name of two or more [a-zA-Z0-9_.-] characters as a named volume', () => {
      expect(mount('pgdata:/var/lib/postgresql/data')).toEqual({ type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data' });
      expect(mount('Ab9_.-x:/c')).toEqual({ type: 'volume', source: 'Ab9_.-x', target: '/c' });
      expect(mount('ab:/c')).toMatchObject({ type: 'volume', source: 'ab' });
    });

    it('reads a lone absolute container path as an anonymous volume, without source or options', () => {
      const value = mount('/scratch');
      expect(value).toEqual({ type: 'volume', target: '/scratch' });
      expect(Object.keys(value)).toEqual(['type', 'target']);
    });

    it('keeps paths exactly as written: trailing slashes, double slashes, dots, spaces, unicode', () => {
      expect(mount('/h/./x/:/c/./y/')).toEqual({ type: 'bind', source: '/h/./x/', target: '/c/./y/' });
      expect(mount('//h:/c')).toMatchObject({ source: '//h' });
      expect(mount('/h h:/c c')).toEqual({ type: 'bind', source: '/h h', target: '/c c' });
      expect(mount('/höst/ü:/c/日本')).toEqual({ type: 'bind', source: '/höst/ü', target: '/c/日本' });
      expect(mount('/data/')).toEqual({ type: 'volume', target: '/data/' });
    });

    it('keeps a backslash inside an absolute container path (a legal Linux file name character)', () => {
      expect(mount('/h:/c\\d')).toMatchObject({ target: '/c\\d' });
    });

    it('reads any source starting with "." as a relative host path, as the docker CLI does', () => {
      for (const source of ['./x', '../up', '.', './', '.hidden', '...', './a/../b']) {
        expect(mount(`${source}:/y`), source).toEqual({ type: 'bind', source, target: '/y' });
      }
    });

    it('reads a Windows drive path as a bind source: the drive letter colon is not a separator', () => {
      expect(mount('C:\\data:/data')).toEqual({ type: 'bind', source: 'C:\\data', target: '/data' });
      expect(mount('d:/some/dir:/data:ro')).toEqual({ type: 'bind', source: 'd:/some/dir', target: '/data', readOnly: true });
    });

    it('reads a UNC path (\\\\server\\share) as a bind source', () => {
      expect(mount('\\\\server\\share:/y')).toEqual({ type: 'bind', source: '\\\\server\\share', target: '/y' });
    });

    it('accepts a very long path', () => {
      const long = `/${'a'.repeat(10_000)}`;
      expect(mount(`${long}:${long}`)).toEqual({ type: 'bind', source: long, target: long });
    });
  });

  describe('options', () => {
    it('reads ro and rw; rw is kept explicitly so the engine records what was written', () => {
      expect(mount('/h:/c:ro')).toEqual({ type: 'bind', source: '/h', target: '/c', readOnly: true });
      expect(mount('/h:/c:rw')).toEqual({ type: 'bind', source: '/h', target: '/c', readOnly: false });
      expect('readOnly' in mount('/h:/c')).toBe(false);
    });

    it('reads z and Z as shared and private SELinux labels, on binds and volumes', () => {
      expect(mount('/h:/c:z')).toMatchObject({ selinuxLabel: 'shared' });
      expect(mount('vol:/c:Z')).toMatchObject({ type: 'volume', selinuxLabel: 'private' });
    });

    it('reads every propagation on a bind mount', () => {
      for (const p of MOUNT_PROPAGATIONS) expect(mount(`/h:/c:${p}`)).toMatchObject({ propagation: p });
    });

    it('reads every consistency flag', () => {
      for (const c of MOUNT_CONSISTENCIES) expect(mount(`/h:/c:${c}`)).toMatchObject({ consistency: c });
    });

    it('reads nocopy on a named volume', () => {
      expect(mount('vol:/c:ro,nocopy,z')).toEqual({ type: 'volume', source: 'vol', target: '/c', readOnly: true, noCopy: true, selinuxLabel: 'shared' });
    });

    it('reads one of each kind together, in any order', () => {
      expect(mount('/h:/c:consistent,rslave,Z,rw')).toEqual({
        type: 'bind',
        source: '/h',
        target: '/c',
        readOnly: false,
        selinuxLabel: 'private',
        propagation: 'rslave',
        consistency: 'consistent',
      });
    });

    it('refuses two options of one kind, naming both', () => {
      expect(failure('/h:/c:ro,rw').message).toBe('has two ro/rw options (ro and rw)');
      expect(failure('/h:/c:ro,ro').message).toBe('has two ro/rw options (ro and ro)');
      expect(failure('/h:/c:z,Z').message).toBe('has two z/Z options (z and Z)');
      expect(failure('/h:/c:shared,slave').message).toBe('has two propagation options (shared and slave)');
      expect(failure('/h:/c:cached,delegated').message).toBe('has two consistency options (cached and delegated)');
      expect(failure('vol:/c:nocopy,nocopy').message).toBe('has two nocopy options (nocopy and nocopy)');
    });

    it('refuses unknown and wrongly cased options, and empty ones', () => {
      expect(failure('/h:/c:foo').message).toBe('has an unknown option "foo"');
      expect(failure('/h:/c:RO').message).toBe('has an unknown option "RO"');
      expect(failure('/h:/c:ro ').message).toBe('has an unknown option "ro "');
      expect(failure('/h:/c:ro,').message).toBe('has an empty option in "ro,"');
      expect(failure('/h:/c:,ro').message).toBe('has an empty option in ",ro"');
    });

    it('refuses nocopy on a bind mount and a propagation on a volume, as the engine does', () => {
      expect(failure('/h:/c:nocopy').message).toBe('gives nocopy to a bind mount');
      expect(failure('/h:/c:ro,nocopy').message).toBe('gives nocopy to a bind mount');
      expect(failure('vol:/c:rshared').message).toBe('gives a propagation (rshared) to a volume');
    });

    it('parseOptions says what is accepted', () => {
      const result = parseOptions('bogus');
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.expected).toContain('rprivate');
    });
  });

  describe('refused specs', () => {
    it('refuses an empty spec', () => {
      expect(failure('')).toMatchObject({ message: 'is empty', expected: expect.stringContaining('SOURCE:TARGET') });
    });

    it('refuses empty sections between colons, naming which', () => {
      expect(failure(':/data').message).toBe('has an empty source before the first colon');
      expect(failure('/a:').message).toBe('has an empty container path');
      expect(failure('/a:/b:').message).toBe('has empty options after the last colon');
      expect(failure('::').message).toBe('has an empty source before the first colon');
    });

    it('refuses more than three parts and counts the colons, after a drive letter only', () => {
      expect(failure('/a:/b:ro:extra').message).toBe('has 3 colons, too many');
      expect(failure('C:\\a:/b:ro:x').message).toBe('has 3 colons, too many');
    });

    it('refuses a relative container path, quoting it', () => {
      expect(failure('/host:data')).toMatchObject({ message: 'has a container path "data" that is not absolute', expected: expect.stringContaining('starting with /') });
      expect(failure('vol:c').message).toBe('has a container path "c" that is not absolute');
      expect(failure('/h:\\c').message).toBe('has a container path "\\c" that is not absolute');
    });

    it('refuses a lone relative path, which docker would mount below / without saying so', () => {
      expect(failure('relative').message).toBe('has a container path "relative" that is not absolute');
      expect(failure('z,ro').message).toContain('not absolute');
      expect(failure('a:/y').message).toContain('reads as a Windows path alone');
    });

    it('refuses the container root as a target, for every kind of mount', () => {
      for (const spec of ['/', '//', '/h:/', '/h://', 'vol:/', '/h:/.']) expect(failure(spec).message, spec).toBe('mounts over the container root /');
    });

    it('refuses options on an anonymous volume, which docker reads as a spec without target', () => {
      expect(failure('/data:ro')).toMatchObject({ message: 'has options (ro) but no container path' });
      expect(failure('vol:ro,z').message).toBe('has options (ro,z) but no container path');
    });

    it('says a path after the second colon sits where the options go', () => {
      expect(failure('vo:l:/c').message).toBe('has "/c" where the options go: a source or container path cannot contain ":"');
      expect(failure('/h:C:\\c').message).toBe('has "\\c" where the options go: a source or container path cannot contain ":"');
    });

    it('says when a one-letter source reads as a drive letter', () => {
      expect(failure('v:/y:ro').message).toBe('has options (ro) but no container path ("v:/y" reads as a Windows path: a single letter before ":" is a drive letter)');
    });

    it('refuses a lone Windows path, which mounts nothing anywhere', () => {
      expect(failure('C:\\data').message).toContain('Windows path alone');
      expect(failure('v:/c').expected).toContain('a volume name has two or more characters');
    });

    it('refuses a ~ source: the shell expands it, docker does not', () => {
      expect(failure('~/data:/y')).toMatchObject({ message: expect.stringContaining('starting with ~'), expected: expect.stringContaining('absolute') });
    });

    it('refuses a source that is neither a path nor a valid volume name, saying which rule', () => {
      expect(failure('a/b:/y').message).toBe('has a source "a/b" that is neither an absolute path nor a volume name');
      for (const name of ['x y', '-vol', '_vol', 'üx', 'x!y', 'ab@']) expect(failure(`${name}:/c`).message, name).toContain('not a valid volume name');
      expect(failure(' /h:/c').message).toBe('has a source " /h" that is neither an absolute path nor a volume name');
    });

    it('refuses a NUL character anywhere', () => {
      expect(failure('/a\0b:/c').message).toBe('has a NUL character');
    });
  });
});

describe('checkVolumeMount', () => {
  const ok = (m: VolumeMount) => {
    const r = checkVolumeMount(m);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  const bad = (m: VolumeMount) => {
    const r = checkVolumeMount(m);
    if (r.ok) throw new Error(`expected ${JSON.stringify(m)} to be refused`);
    return r.message;
  };

  it('accepts what a -v spec can say', () => {
    expect(ok({ type: 'bind', source: '/h', target: '/c', readOnly: true, propagation: 'rshared' })).toMatchObject({ propagation: 'rshared' });
    expect(ok({ type: 'volume', source: 'cache', target: '/c', noCopy: true })).toMatchObject({ noCopy: true });
    expect(ok({ type: 'volume', target: '/anon' })).toEqual({ type: 'volume', target: '/anon' });
  });

  it('refuses a type that does not match the source', () => {
    expect(bad({ type: 'bind', source: 'cache', target: '/c' })).toContain('has type bind, but "cache" is a volume name');
    expect(bad({ type: 'volume', source: '/srv', target: '/c' })).toContain('has type volume, but "/srv" is a path');
  });

  it('refuses a bind without source, and options on an anonymous volume', () => {
    expect(bad({ type: 'bind', target: '/c' })).toBe('is a bind mount without a source');
    expect(bad({ type: 'volume', target: '/c', readOnly: true })).toBe('gives readOnly to an anonymous volume');
  });

  it('refuses colons in paths, which a -v spec cannot carry', () => {
    expect(bad({ type: 'bind', source: '/a:b', target: '/c' })).toContain('has a colon');
    expect(bad({ type: 'bind', source: '/a', target: '/c:d' })).toContain('has a colon');
    expect(ok({ type: 'bind', source: 'C:\\data', target: '/c' })).toMatchObject({ source: 'C:\\data' });
  });

  it('applies the same target and option rules as the string form', () => {
    expect(bad({ type: 'bind', source: '/h', target: 'rel' })).toContain('not absolute');
    expect(bad({ type: 'bind', source: '/h', target: '/' })).toBe('mounts over the container root /');
    expect(bad({ type: 'bind', source: '/h', target: '/c', noCopy: true })).toBe('gives nocopy to a bind mount');
    expect(bad({ type: 'volume', source: 'vv', target: '/c', propagation: 'shared' })).toContain('propagation');
  });
});

describe('formatVolumeSpec', () => {
  it('formats an anonymous volume as its target only', () => {
    expect(formatVolumeSpec({ type: 'volume', target: '/scratch' })).toBe('/scratch');
  });

  it('writes options in a fixed order: ro/rw, z/Z, propagation, nocopy, consistency', () => {
    expect(formatVolumeSpec({ type: 'bind', source: '/h', target: '/c', consistency: 'cached', propagation: 'rslave', selinuxLabel: 'private', readOnly: true })).toBe(
      '/h:/c:ro,Z,rslave,cached',
    );
    expect(formatVolumeSpec({ type: 'volume', source: 'v', target: '/c', noCopy: true, readOnly: false })).toBe('v:/c:rw,nocopy');
  });

  it('gives back a spec written in that order unchanged', () => {
    for (const spec of ['/h:/c', '/h:/c:ro', 'vol:/c:rw,z,nocopy,delegated', '/h:/c:Z,rshared,consistent', 'C:\\d:/c:ro', '/anon/']) {
      expect(formatVolumeSpec(mount(spec))).toBe(spec);
    }
  });
});

describe('resolving and comparing paths', () => {
  it('resolves a relative source against the base directory, cleaning it as the docker CLI does', () => {
    expect(resolveVolumeMount(mount('./x:/y'), '/work')).toMatchObject({ source: '/work/x' });
    expect(resolveVolumeMount(mount('../x:/y'), '/work/dir')).toMatchObject({ source: '/work/x' });
    expect(resolveVolumeMount(mount('.//x/:/y'), '/work')).toMatchObject({ source: '/work/x' });
    expect(resolveVolumeMount(mount('.:/y'), '/work')).toMatchObject({ source: '/work' });
    expect(resolveVolumeMount(mount('.hidden:/y'), '/work')).toMatchObject({ source: '/work/.hidden' });
  });

  it('resolves paths without ever consulting the working directory', () => {
    expect(resolvePath('/base/dir/', '../x/./y/')).toBe('/base/x/y');
    expect(resolvePath('/base', '/abs//p/')).toBe('/abs/p');
    expect(resolvePath('/', '..')).toBe('/');
  });

  it('leaves absolute, Windows and volume sources alone', () => {
    for (const spec of ['/h/./x:/y', 'C:\\d:/y', 'vol:/y', '/anon']) expect(resolveVolumeMount(mount(spec), '/work')).toEqual(mount(spec));
  });

  it('compares container paths cleaned, as the engine does', () => {
    expect(normalizedTarget('/data/')).toBe('/data');
    expect(normalizedTarget('/c/../d//e/.')).toBe('/d/e');
    expect(normalizedTarget('//')).toBe('/');
  });

  it('cleans bind sources for comparisons, and has none for volumes', () => {
    expect(normalizedBindSource(mount('/srv/../etc/:/c'))).toBe('/etc');
    expect(normalizedBindSource(mount('C:\\Data\\..\\X:/c'))).toBe('c:/x');
    expect(normalizedBindSource(mount('vol:/c'))).toBeUndefined();
  });
});

describe('volume spec properties', () => {
  const segment = fc.string({ unit: fc.constantFrom(...'abcxyz019_-. ü'), minLength: 1, maxLength: 8 }).filter((s) => s !== '.' && s !== '..');
  const absPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
  const hostPath = fc.oneof(
    absPath,
    segment.map((s) => `./${s}`),
    fc.tuple(fc.constantFrom('C', 'd', 'Z'), fc.constantFrom('\\', '/'), segment).map(([d, sep, s]) => `${d}:${sep}${s}`),
  );
  const volumeName = fc
    .tuple(fc.constantFrom(...'abcXYZ09'), fc.string({ unit: fc.constantFrom(...'abc019_-.'), minLength: 1, maxLength: 10 }))
    .map(([a, b]) => a + b);
  const bindOptions = fc.record(
    {
      readOnly: fc.boolean(),
      selinuxLabel: fc.constantFrom('shared' as const, 'private' as const),
      propagation: fc.constantFrom(...MOUNT_PROPAGATIONS),
      consistency: fc.constantFrom(...MOUNT_CONSISTENCIES),
    },
    { requiredKeys: [] },
  );
  const volumeOptions = fc.record(
    { readOnly: fc.boolean(), selinuxLabel: fc.constantFrom('shared' as const, 'private' as const), noCopy: fc.constant(true), consistency: fc.constantFrom(...MOUNT_CONSISTENCIES) },
    { requiredKeys: [] },
  );
  const anyMount: fc.Arbitrary<VolumeMount> = fc.oneof(
    fc.tuple(hostPath, absPath, bindOptions).map(([source, target, o]) => ({ type: 'bind' as const, source, target, ...o })),
    fc.tuple(volumeName, absPath, volumeOptions).map(([source, target, o]) => ({ type: 'volume' as const, source, target, ...o })),
    absPath.map((target) => ({ type: 'volume' as const, target })),
  );

  it('parses formatVolumeSpec(mount) back to the same mount', () => {
    fc.assert(
      fc.property(anyMount, (m) => {
        expect(mount(formatVolumeSpec(m))).toEqual(m);
        expect(checkVolumeMount(m).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('formats a parsed spec back to the same string when its options are in the canonical order', () => {
    fc.assert(
      fc.property(anyMount, (m) => {
        const spec = formatVolumeSpec(m);
        expect(formatVolumeSpec(mount(spec))).toBe(spec);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, and either gives a mount the structured check accepts or a message and what was expected', () => {
    const tricky = fc.string({ unit: fc.constantFrom(':', '/', '\\', 'C', '.', '~', ' ', 'a', 'b', ',', 'r', 'o', 'z', 'Z', '\0') });
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string(), fc.string({ unit: 'binary' })), (s) => {
        const r = parseVolumeSpec(s);
        if (r.ok) expect(checkVolumeMount(r.value)).toEqual({ ok: true, value: r.value });
        else expect(r.message.length > 0 && r.expected.length > 0).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
