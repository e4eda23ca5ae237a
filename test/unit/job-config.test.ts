import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseJobConfig, safeParseJobConfig } from '../../src/core/job-config.js';
import { ConfigError, isConfigError, type ConfigIssue } from '../../src/errors/config-error.js';

/** The ConfigError thrown by parseJobConfig(input); fails the test when nothing is thrown. */
function configError(input: unknown): ConfigError {
  try {
    parseJobConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error(`expected parseJobConfig(${JSON.stringify(input)}) to throw`);
}

function issueAt(issues: readonly ConfigIssue[], path: string): ConfigIssue {
  const issue = issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; issues: ${JSON.stringify(issues)}`);
  return issue;
}

describe('parseJobConfig', () => {
  describe('defaults', () => {
    it('fills in env {}, volumes [], labels {}, tty false, pull missing and stopTimeout 10', () => {
      expect(parseJobConfig({ image: 'busybox:1.36' })).toEqual({
        image: 'busybox:1.36',
        env: {},
        volumes: [],
        labels: {},
        tty: false,
        pull: 'missing',
        stopTimeout: 10,
      });
    });

    it('leaves optional fields without a default absent', () => {
      const job = parseJobConfig({ image: 'busybox' });
      for (const key of ['command', 'entrypoint', 'workdir', 'user', 'network', 'name', 'timeoutMs']) {
        expect(key in job).toBe(false);
      }
    });

    it('keeps explicitly given values over the defaults', () => {
      const job = parseJobConfig({
        image: 'registry.example.com:5000/etl/job@sha256:abc',
        env: { A: '1' },
        volumes: ['/h:/c:ro'],
        labels: { team: 'data' },
        tty: true,
        pull: 'always',
        stopTimeout: 0,
        timeoutMs: 30_000,
        workdir: '/work',
        user: '1000:1000',
        network: 'none',
        name: 'my-job_1.x',
      });
      expect(job).toEqual({
        image: 'registry.example.com:5000/etl/job@sha256:abc',
        env: { A: '1' },
        volumes: ['/h:/c:ro'],
        labels: { team: 'data' },
        tty: true,
        pull: 'always',
        stopTimeout: 0,
        timeoutMs: 30_000,
        workdir: '/work',
        user: '1000:1000',
        network: 'none',
        name: 'my-job_1.x',
      });
    });
  });

  describe('command and entrypoint', () => {
    it('splits a command string into argv like a shell would', () => {
      expect(parseJobConfig({ image: 'python', command: `python -c 'print("hi")'` }).command).toEqual(['python', '-c', 'print("hi")']);
    });

    it('keeps an argv array as it is, without splitting its items', () => {
      expect(parseJobConfig({ image: 'python', command: ['python', 'my script.py', "it's"] }).command).toEqual(['python', 'my script.py', "it's"]);
    });

    it('splits an entrypoint string the same way', () => {
      expect(parseJobConfig({ image: 'x', entrypoint: 'sh -c "echo hi"' }).entrypoint).toEqual(['sh', '-c', 'echo hi']);
    });

    it('refuses a command that is neither a string nor an array of strings', () => {
      expect(issueAt(configError({ image: 'x', command: 42 }).issues, 'command').message).toBe('must be a command string or an array of strings');
      expect(issueAt(configError({ image: 'x', command: ['a', 1] }).issues, 'command').message).toBe('must be a command string or an array of strings');
    });

    it('refuses a command string with an unterminated quote', () => {
      const error = configError({ image: 'x', command: 'echo "hi' });
      expect(error.issues.map((i) => i.path)).toEqual(['command']);
    });

    it('says why a command string could not be split (unterminated quote and its position)', () => {
      const issue = issueAt(configError({ image: 'x', command: 'echo "hi' }).issues, 'command');
      expect(issue.message).toContain('unterminated double quote opened at position 6');
    });
  });

  describe('validation', () => {
    it('refuses a missing image', () => {
      const error = configError({});
      expect(error.issues.map((i) => i.path)).toEqual(['image']);
    });

    it('says a missing image is missing, not an unknown field', () => {
      const issue = issueAt(configError({}).issues, 'image');
      expect(issue.message).not.toContain('unknown field');
      expect(issue.message).not.toContain('undefined');
    });

    it('refuses an empty image and an image with whitespace', () => {
      expect(issueAt(configError({ image: '' }).issues, 'image').message).toContain('must not be empty');
      expect(issueAt(configError({ image: 'a b' }).issues, 'image').message).toBe('must not contain whitespace');
    });

    it('refuses an unknown field and names it', () => {
      const error = configError({ image: 'x', imgae: 'y' });
      expect(error.issues).toEqual([{ path: 'imgae', message: 'unknown field "imgae"' }]);
      expect(error.message).toContain('imgae');
    });

    it('refuses a label under the reserved io.docker-job. prefix', () => {
      const error = configError({ image: 'x', labels: { 'io.docker-job.owner': 'me', 'com.example.ok': 'y' } });
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe('labels.io.docker-job.owner');
      expect(error.issues[0]?.message).toContain('reserved');
    });

    it('accepts labels that merely contain docker-job elsewhere', () => {
      expect(parseJobConfig({ image: 'x', labels: { 'com.docker-job.x': 'y' } }).labels).toEqual({ 'com.docker-job.x': 'y' });
    });

    it('refuses env names containing = and non-string env values', () => {
      const error = configError({ image: 'x', env: { 'A=B': 'x', C: 1 } });
      expect(issueAt(error.issues, 'env.A=B').message).toContain('without "="');
      expect(issueAt(error.issues, 'env.C').message).toBe('must be a string');
    });

    it('refuses env and label names that a plain object cannot carry safely, instead of dropping them', () => {
      const env = JSON.parse('{"constructor":"a","prototype":"b","__proto__":"c","OK":"d"}') as Record<string, string>;
      const error = configError({ image: 'x', env, labels: JSON.parse('{"constructor":"x"}') as Record<string, string> });
      expect(error.issues.map((i) => i.path).sort()).toEqual(['env.__proto__', 'env.constructor', 'env.prototype', 'labels.constructor']);
      expect(issueAt(error.issues, 'env.constructor').message).toContain('cannot be used as a name');
    });

    it('refuses bad pull policies, timeouts and names with messages saying what is accepted', () => {
      const error = configError({ image: 'x', pull: 'sometimes', timeoutMs: 0, stopTimeout: 1.5, name: '-x', tty: 'yes' });
      expect(issueAt(error.issues, 'pull').message).toBe('must be one of always, missing, never');
      expect(issueAt(error.issues, 'timeoutMs').message).toBe('must be at least 1');
      expect(issueAt(error.issues, 'stopTimeout').message).toBe('must be an integer');
      expect(issueAt(error.issues, 'name').message).toContain('must match');
      expect(issueAt(error.issues, 'tty')).toEqual({ path: 'tty', message: 'has the wrong type (got string)', expected: 'boolean' });
    });

    it('refuses empty workdir, user and network', () => {
      const error = configError({ image: 'x', workdir: '', user: '', network: '' });
      expect(error.issues.map((i) => i.path).sort()).toEqual(['network', 'user', 'workdir']);
    });

    it('refuses a bad volume spec with its index in the path', () => {
      const error = configError({ image: 'x', volumes: ['/ok:/ok', 'data:relative'] });
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe('volumes[1]');
      expect(error.issues[0]?.message).toContain('not absolute');
    });

    it('refuses an empty or non-string volume with its index in the path', () => {
      const error = configError({ image: 'x', volumes: ['/a:/a', '', 3] });
      expect(error.issues.map((i) => i.path)).toEqual(['volumes[1]', 'volumes[2]']);
    });

    it('refuses two volumes mounted at the same container path, ignoring trailing slashes', () => {
      const error = configError({ image: 'x', volumes: ['/a:/data', 'vol:/other', 'named:/data/'] });
      expect(error.issues).toEqual([
        { path: 'volumes[2]', message: 'mounts /data again (volumes[0] mounts it already)', expected: 'each container path mounted once' },
      ]);
    });

    it('refuses an anonymous volume over a bind mount at the same path', () => {
      expect(configError({ image: 'x', volumes: ['/h:/c', '/c'] }).issues[0]?.path).toBe('volumes[1]');
    });

    it('treats two mounts at / as duplicates', () => {
      expect(configError({ image: 'x', volumes: ['/a:/', '/b://'] }).issues[0]?.message).toContain('mounts / again');
    });

    it('refuses a config that is not an object', () => {
      for (const input of [null, undefined, 42, 'busybox', ['busybox'], true]) {
        const result = safeParseJobConfig(input);
        expect(result.success).toBe(false);
      }
    });

    it('reports a non-object config as the wrong type, without echoing it', () => {
      const result = safeParseJobConfig('postgres://admin:s3cret-pw@db/prod');
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.issues[0]?.path).toBe('config');
      expect(result.issues[0]?.message).not.toContain('unknown field');
      expect(JSON.stringify(result.issues)).not.toContain('s3cret-pw');
    });
  });

  describe('every issue at once', () => {
    it('reports every bad field of the schema in one error', () => {
      const error = configError({ image: '', env: { A: 1 }, volumes: ['/a:/a', 7], pull: 'no', stopTimeout: -1, bogus: true });
      expect([...new Set(error.issues.map((i) => i.path))].sort()).toEqual(['bogus', 'env.A', 'image', 'pull', 'stopTimeout', 'volumes[1]']);
      for (const issue of error.issues) expect(error.message).toContain(`${issue.path}: ${issue.message}`);
      expect(error.message).toContain(`(${error.issues.length} issues)`);
    });

    it('reports every bad and duplicated volume in one error', () => {
      const error = configError({ image: 'x', volumes: ['/a:/a', 'rel:rel', '/b:/a', '/x:/y:'] });
      expect(error.issues.map((i) => i.path)).toEqual(['volumes[1]', 'volumes[2]', 'volumes[3]']);
    });

    it('reports a bad volume spec together with other bad fields', () => {
      const error = configError({ image: 'has space', volumes: ['/a:/a', 'data:relative'] });
      expect(error.issues.map((i) => i.path).sort()).toEqual(['image', 'volumes[1]']);
    });
  });

  describe('secrets in malformed fields', () => {
    const secret = 'Xy9-s3cr3t-Qz';

    function expectNotEchoed(input: unknown, value: string): ConfigError {
      const error = configError(input);
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.issues)).not.toContain(value);
      return error;
    }

    it('does not echo a wrongly typed env value', () => {
      const error = expectNotEchoed({ image: 'x', env: { DB_PWD: 12345 } }, '12345');
      expect(error.issues[0]?.path).toBe('env.DB_PWD');
    });

    it('does not echo a malformed image', () => {
      expectNotEchoed({ image: `sec ret-value` }, 'ret-value');
    });

    it('does not echo a wrongly typed value of any other field', () => {
      expectNotEchoed({ image: 'x', labels: { token: 987654321 } }, '987654321');
      expectNotEchoed({ image: 'x', timeoutMs: secret }, secret);
      expectNotEchoed({ image: 'x', stopTimeout: secret }, secret);
      expectNotEchoed({ image: 'x', tty: secret }, secret);
      expectNotEchoed({ image: 'x', pull: secret }, secret);
      expectNotEchoed({ image: 'x', name: `bad name ${secret}` }, secret);
      expectNotEchoed({ image: 'x', command: { secret } }, secret);
      expectNotEchoed({ image: 'x', env: { TOKEN: [secret] } }, secret);
    });

    it('does not echo the value of an unknown field', () => {
      const error = expectNotEchoed({ image: 'x', password: secret }, secret);
      expect(error.issues[0]?.path).toBe('password');
    });
  });

  describe('properties', () => {
    it('safeParseJobConfig never throws, for arbitrary input', () => {
      const anything = fc.anything({
        withBoxedValues: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        withDate: true,
        withUnicodeString: true,
      });
      const objectWithImage = fc.dictionary(fc.string(), fc.anything()).map((o) => ({ image: 'busybox', ...o }));
      fc.assert(
        fc.property(fc.oneof(anything, objectWithImage), (input) => {
          const result = safeParseJobConfig(input);
          if (!result.success) {
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) {
              expect(typeof issue.path).toBe('string');
              expect(typeof issue.message).toBe('string');
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it('safeParseJobConfig does not throw for a bigint config', () => {
      expect(() => safeParseJobConfig(10n)).not.toThrow();
    });

    it('accepts generated valid configs and returns them with defaults applied', () => {
      const word = fc.string({ unit: fc.constantFrom(...'abcxyz019_-.'), minLength: 1, maxLength: 8 });
      const config = fc.record(
        {
          image: word.map((w) => `img${w}`),
          command: fc.array(fc.string()),
          env: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !k.includes('=') && !['__proto__', 'constructor', 'prototype'].includes(k)), fc.string()),
          volumes: fc.uniqueArray(word, { maxLength: 4 }).map((ws) => ws.map((w, i) => `/host${i}:/c/${w}`)),
          timeoutMs: fc.integer({ min: 1, max: 1e9 }),
          pull: fc.constantFrom('always' as const, 'missing' as const, 'never' as const),
        },
        { requiredKeys: ['image'] },
      );
      fc.assert(
        fc.property(config, (input) => {
          const result = safeParseJobConfig(input);
          expect(result.success).toBe(true);
          if (!result.success) return;
          expect(result.job).toMatchObject(input);
          expect(result.job.tty).toBe(false);
          expect(result.job.stopTimeout).toBe(10);
        }),
        { numRuns: 200 },
      );
    });
  });
});
