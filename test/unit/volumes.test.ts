import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatVolumeSpec, parseVolumeSpec, type VolumeSpec } from '../../src/core/volumes.js';
import type { ParseResult } from '../../src/core/command.js';

function spec(input: string): VolumeSpec {
  const result = parseVolumeSpec(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.message}`);
  return result.value;
}

function failure(input: string): Extract<ParseResult<VolumeSpec>, { ok: false }> {
  const result = parseVolumeSpec(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${JSON.stringify(result.value)}`);
  return result;
}

describe('parseVolumeSpec', () => {
  describe('accepted specs', () => {
    it('reads an absolute host path as a bind mount', () => {
      expect(spec('/host/data:/data')).toEqual({ type: 'bind', source: '/host/data', target: '/data' });
    });

    it('reads a bare name as a named volume', () => {
      expect(spec('pgdata:/var/lib/postgresql/data')).toEqual({ type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data' });
    });

    it('reads a lone absolute path as an anonymous volume without source', () => {
      const value = spec('/scratch');
      expect(value).toEqual({ type: 'anonymous', target: '/scratch' });
      expect('source' in value).toBe(false);
      expect('mode' in value).toBe(false);
    });

    it('keeps a mode after the second colon', () => {
      expect(spec('/host:/data:ro')).toEqual({ type: 'bind', source: '/host', target: '/data', mode: 'ro' });
      expect(spec('cache:/cache:rw,z')).toEqual({ type: 'volume', source: 'cache', target: '/cache', mode: 'rw,z' });
    });

    it('omits the mode property entirely when there is no mode', () => {
      expect('mode' in spec('/a:/b')).toBe(false);
    });

    it('reads a Windows drive path (C:\\data) as a bind source, not as a separator', () => {
      expect(spec('C:\\data:/data')).toEqual({ type: 'bind', source: 'C:\\data', target: '/data' });
      expect(spec('d:/some/dir:/data:ro')).toEqual({ type: 'bind', source: 'd:/some/dir', target: '/data', mode: 'ro' });
    });

    it('reads relative (./, ../) and home (~) paths as bind mounts', () => {
      expect(spec('./x:/y')).toEqual({ type: 'bind', source: './x', target: '/y' });
      expect(spec('../up:/y')).toMatchObject({ type: 'bind', source: '../up' });
      expect(spec('~/data:/y')).toMatchObject({ type: 'bind', source: '~/data' });
    });

    it('reads a UNC path (\\\\server\\share) as a bind mount', () => {
      expect(spec('\\\\server\\share:/y')).toMatchObject({ type: 'bind', source: '\\\\server\\share' });
    });

    it('accepts the container root as a target', () => {
      expect(spec('/:/')).toEqual({ type: 'bind', source: '/', target: '/' });
    });
  });

  describe('refused specs', () => {
    it('refuses an empty or blank spec', () => {
      expect(failure('').message).toBe('is empty');
      expect(failure('   ').message).toBe('is empty');
      expect(failure('').expected).toContain('SOURCE:TARGET');
    });

    it('refuses a relative container path and quotes it', () => {
      const result = failure('/host:data');
      expect(result.message).toBe('container path "data" is not absolute');
      expect(result.expected).toContain('absolute');
    });

    it('refuses a lone relative path (not an anonymous volume)', () => {
      expect(failure('data').message).toBe('container path "data" is not absolute');
    });

    it('refuses a lone Windows path, which has no container path', () => {
      expect(failure('C:\\data').message).toContain('not absolute');
    });

    it('refuses more than three parts and counts the colons', () => {
      const result = failure('/a:/b:ro:extra');
      expect(result.message).toBe('has 3 colons');
      expect(result.expected).toContain('SOURCE:TARGET:MODE');
    });

    it('counts colons after a Windows drive letter only', () => {
      expect(failure('C:\\a:/b:ro:x').message).toBe('has 3 colons');
    });

    it('refuses an empty source', () => {
      expect(failure(':/data').message).toBe('has an empty source');
    });

    it('refuses an empty mode after a trailing colon', () => {
      expect(failure('/a:/b:').message).toBe('has an empty mode after the last colon');
    });

    it('refuses an empty target', () => {
      expect(failure('/a:').message).toBe('container path "" is not absolute');
    });
  });

  describe('properties', () => {
    const segment = fc.string({ unit: fc.constantFrom(...'abcxyz019_-.'), minLength: 1, maxLength: 8 });
    const absPath = fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    const hostPath = fc.oneof(
      absPath,
      segment.map((s) => `./${s}`),
      segment.map((s) => `~/${s}`),
      fc.tuple(fc.constantFrom('C', 'd', 'Z'), fc.constantFrom('\\', '/'), segment).map(([d, sep, s]) => `${d}:${sep}${s}`),
    );
    // Docker volume names have at least two characters ([a-zA-Z0-9][a-zA-Z0-9_.-]+); a one-letter
    // name followed by :/ reads as a Windows drive.
    const volumeName = fc
      .tuple(fc.constantFrom(...'abcXYZ09'), fc.string({ unit: fc.constantFrom(...'abc019_-.'), minLength: 1, maxLength: 10 }))
      .map(([a, b]) => a + b);
    const mode = fc.constantFrom('ro', 'rw', 'z', 'Z', 'ro,z', 'rw,shared');
    const validSpec = fc.oneof(
      absPath,
      fc.tuple(fc.oneof(hostPath, volumeName), absPath, fc.option(mode, { nil: undefined })).map(([s, t, m]) => [s, t, m].filter((p) => p !== undefined).join(':')),
    );

    it('re-parses formatVolumeSpec(parse(spec)) to the same spec, for generated valid specs', () => {
      fc.assert(
        fc.property(validSpec, (input) => {
          const parsed = spec(input);
          const formatted = formatVolumeSpec(parsed);
          expect(formatted).toBe(input);
          expect(spec(formatted)).toEqual(parsed);
        }),
        { numRuns: 300 },
      );
    });

    it('classifies generated host paths as bind mounts and plain names as named volumes', () => {
      fc.assert(
        fc.property(hostPath, volumeName, absPath, (host, name, target) => {
          expect(spec(`${host}:${target}`).type).toBe('bind');
          expect(spec(`${name}:${target}`).type).toBe('volume');
        }),
        { numRuns: 200 },
      );
    });

    it('never throws, for any string', () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(':', '/', '\\', 'C', '.', '~', ' ', 'a') }), (s) => {
          const r = parseVolumeSpec(s);
          expect(typeof r.ok).toBe('boolean');
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('formatVolumeSpec', () => {
  it('formats an anonymous volume as its target only', () => {
    expect(formatVolumeSpec({ type: 'anonymous', target: '/scratch' })).toBe('/scratch');
  });

  it('formats source, target and mode joined by colons', () => {
    expect(formatVolumeSpec({ type: 'bind', source: '/h', target: '/c', mode: 'ro' })).toBe('/h:/c:ro');
    expect(formatVolumeSpec({ type: 'volume', source: 'v', target: '/c' })).toBe('v:/c');
  });
});
