import { describe, it, expect } from 'vitest';
import { configFromEnv, CHILD_ENV_SUFFIX, RUNTIME_ENV_NAMES, SETTING_PREFIX } from '../../src/core/env.js';
import { ConfigError, isConfigError, type ConfigIssue } from '../../src/errors/config-error.js';

type Env = Record<string, string | undefined>;

/** The ConfigError thrown by configFromEnv(env); fails the test when nothing is thrown. */
function envError(env: Env, options?: { stripEnvSuffix?: boolean }): ConfigError {
  try {
    configFromEnv(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error(`expected configFromEnv(${JSON.stringify(env)}) to throw`);
}

function issueAt(issues: readonly ConfigIssue[], path: string): ConfigIssue {
  const issue = issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; issues: ${JSON.stringify(issues)}`);
  return issue;
}

describe('configFromEnv', () => {
  it('exports its naming conventions', () => {
    expect(CHILD_ENV_SUFFIX).toBe('_ENV');
    expect(SETTING_PREFIX).toBe('DOCKER_JOB_');
    expect(RUNTIME_ENV_NAMES).toContain('NODE_ENV');
  });

  describe('IMAGE', () => {
    it('refuses a missing IMAGE and names it', () => {
      const error = envError({ PATH: '/usr/bin' });
      expect(error.issues).toEqual([{ path: 'IMAGE', message: 'is not set', expected: 'the image to run, e.g. IMAGE=python:3.12-slim' }]);
      expect(error.message).toContain('IMAGE: is not set');
    });

    it('refuses an empty or blank IMAGE and names it', () => {
      expect(envError({ IMAGE: '' }).issues).toMatchObject([{ path: 'IMAGE', message: 'is empty' }]);
      expect(envError({ IMAGE: '  \t' }).issues).toMatchObject([{ path: 'IMAGE', message: 'is empty' }]);
    });

    it('trims the image and applies the job defaults', () => {
      expect(configFromEnv({ IMAGE: '  busybox:1.36\n' })).toEqual({
        image: 'busybox:1.36',
        env: {},
        volumes: [],
        labels: {},
        tty: false,
        pull: 'missing',
        stopTimeout: 10,
      });
    });

    it('names IMAGE when it is set but not a valid reference', () => {
      const error = envError({ IMAGE: 'bad image' });
      expect(error.issues.map((i) => i.path)).toEqual(['IMAGE']);
    });
  });

  describe('COMMAND', () => {
    it('reads a JSON array as argv', () => {
      expect(configFromEnv({ IMAGE: 'py', COMMAND: '["python", "-c", "print(\'a b\')"]' }).command).toEqual(['python', '-c', "print('a b')"]);
    });

    it('splits a plain string like a shell', () => {
      expect(configFromEnv({ IMAGE: 'py', COMMAND: `python -c 'print("a b")'` }).command).toEqual(['python', '-c', 'print("a b")']);
    });

    it('leaves the command unset when COMMAND is empty or blank', () => {
      expect('command' in configFromEnv({ IMAGE: 'x', COMMAND: '' })).toBe(false);
      expect('command' in configFromEnv({ IMAGE: 'x', COMMAND: '   ' })).toBe(false);
    });

    it('names COMMAND when its string cannot be split', () => {
      expect(envError({ IMAGE: 'x', COMMAND: 'echo "unterminated' }).issues.map((i) => i.path)).toEqual(['COMMAND']);
    });

    it('names the non-string item of a COMMAND JSON list', () => {
      const error = envError({ IMAGE: 'x', COMMAND: '["a", 1]' });
      expect(error.issues).toEqual([{ path: 'COMMAND[1]', message: 'is number, not a string', expected: 'every item a string' }]);
    });

    it('splits a COMMAND that does not start with [ as a string, even when it is JSON', () => {
      expect(configFromEnv({ IMAGE: 'x', COMMAND: '{"a":1}' }).command).toEqual(['{a:1}']);
    });
  });

  describe('VOLUMES', () => {
    it('reads a JSON list', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '["/host:/container", "data:/data:ro"]' }).volumes).toEqual(['/host:/container', 'data:/data:ro']);
    });

    it('reads a comma-separated list, trimming each item', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '/a:/a, /b:/b ,/c' }).volumes).toEqual(['/a:/a', '/b:/b', '/c']);
    });

    it('reads a newline-separated list', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '/a:/a\n/b:/b\r\n/c' }).volumes).toEqual(['/a:/a', '/b:/b', '/c']);
    });

    it('ignores trailing, leading and repeated separators', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: ',/a:/a,,\n/b:/b,\n' }).volumes).toEqual(['/a:/a', '/b:/b']);
    });

    it('leaves volumes empty when VOLUMES is blank', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: ' \n ' }).volumes).toEqual([]);
    });

    it('refuses malformed JSON, naming VOLUMES and where it broke, without echoing the text', () => {
      const text = '["/srv/s3cret-dir:/data" "/x:/y"]';
      const error = envError({ IMAGE: 'x', VOLUMES: text });
      expect(error.issues).toHaveLength(1);
      const issue = issueAt(error.issues, 'VOLUMES');
      expect(issue.message).toBe('starts with "[" but is not valid JSON at character 26');
      expect(error.message).not.toContain('s3cret-dir');
      expect(error.message).not.toContain(text);
    });

    it('refuses malformed JSON of any kind without echoing the text', () => {
      for (const text of ['[/srv/s3cret-dir:/data]', '["/srv/s3cret-dir:/data",]', '["/srv/s3cret-dir:/data"', '["/srv/s3cret-dir:/data"] trailing']) {
        const error = envError({ IMAGE: 'x', VOLUMES: text });
        expect(issueAt(error.issues, 'VOLUMES').message).toMatch(/^starts with "\[" but is not valid JSON/);
        expect(error.message).not.toContain('s3cret-dir');
      }
    });

    it('names the index of a non-string item', () => {
      const error = envError({ IMAGE: 'x', VOLUMES: '["/a:/a", 5, null]' });
      expect(error.issues).toEqual([{ path: 'VOLUMES[1]', message: 'is number, not a string', expected: 'every item a string' }]);
    });

    it('says a null item is null', () => {
      expect(envError({ IMAGE: 'x', VOLUMES: '[null]' }).issues[0]).toMatchObject({ path: 'VOLUMES[0]', message: 'is null, not a string' });
    });

    it('names the index of an invalid volume spec as VOLUMES[i]', () => {
      const error = envError({ IMAGE: 'x', VOLUMES: '/a:/a,data:relative' });
      expect(error.issues.map((i) => i.path)).toEqual(['VOLUMES[1]']);
      expect(error.issues[0]?.message).toContain('not absolute');
    });

    it('names a duplicate container path as VOLUMES[i]', () => {
      const error = envError({ IMAGE: 'x', VOLUMES: '["/a:/data", "/b:/data"]' });
      expect(error.issues).toMatchObject([{ path: 'VOLUMES[1]', message: 'mounts /data again (volumes[0] mounts it already)' }]);
    });
  });

  describe('child environment', () => {
    it('passes every variable ending in _ENV to the child unchanged, name and value', () => {
      const job = configFromEnv({ IMAGE: 'x', DB_HOST_ENV: 'db.local', EMPTY_ENV: '', SPACED_ENV: '  a b  ', 'weird-name_ENV': 'v=1' });
      expect(job.env).toEqual({ DB_HOST_ENV: 'db.local', EMPTY_ENV: '', SPACED_ENV: '  a b  ', 'weird-name_ENV': 'v=1' });
    });

    it('does not pass variables without the _ENV suffix', () => {
      const job = configFromEnv({ IMAGE: 'x', PATH: '/bin', HOME: '/root', ENV: 'x', DB_ENVIRONMENT: 'y', A_ENV: 'ok' });
      expect(job.env).toEqual({ A_ENV: 'ok' });
    });

    it('does not pass NODE_ENV, the launcher runtime variable', () => {
      expect(configFromEnv({ IMAGE: 'x', NODE_ENV: 'production', APP_ENV: 'prod' }).env).toEqual({ APP_ENV: 'prod' });
    });

    it('does not pass a variable named just _ENV', () => {
      expect(configFromEnv({ IMAGE: 'x', _ENV: 'x' }).env).toEqual({});
    });

    it('does not pass DOCKER_JOB_* settings to the child, even ones ending in _ENV', () => {
      const job = configFromEnv({
        IMAGE: 'x',
        DOCKER_JOB_WORKDIR: '/w',
        DOCKER_JOB_TIMEOUT_MS: '100',
        DOCKER_JOB_EXTRA_ENV: 'internal',
        JOB_ENV: 'kept',
      });
      expect(job.env).toEqual({ JOB_ENV: 'kept' });
      expect(Object.keys(job.env).some((k) => k.startsWith('DOCKER_JOB_'))).toBe(false);
    });

    it('does not pass IMAGE, COMMAND or VOLUMES to the child', () => {
      const job = configFromEnv({ IMAGE: 'x', COMMAND: 'true', VOLUMES: '/v' });
      expect(job.env).toEqual({});
    });

    it('skips variables whose value is undefined', () => {
      expect(configFromEnv({ IMAGE: 'x', GONE_ENV: undefined, HERE_ENV: '1' }).env).toEqual({ HERE_ENV: '1' });
    });

    it('strips the _ENV suffix when stripEnvSuffix is set', () => {
      const job = configFromEnv({ IMAGE: 'x', DB_HOST_ENV: 'h', DB_PORT_ENV: '5432', NODE_ENV: 'production' }, { stripEnvSuffix: true });
      expect(job.env).toEqual({ DB_HOST: 'h', DB_PORT: '5432' });
    });

    it('keeps the suffix when stripEnvSuffix is false', () => {
      expect(configFromEnv({ IMAGE: 'x', DB_HOST_ENV: 'h' }, { stripEnvSuffix: false }).env).toEqual({ DB_HOST_ENV: 'h' });
    });

    it('turns the seed example into exactly its five env entries and its one volume', () => {
      const job = configFromEnv({
        IMAGE: 'registry.example.com/etl/loader:1.4',
        VOLUMES: '["/host:/container"]',
        DB_NAME_ENV: 'analytics',
        DB_USER_ENV: 'etl',
        DB_PWD_ENV: 'hunter2',
        DB_HOST_ENV: 'db.internal',
        DB_PORT_ENV: '5432',
        NODE_ENV: 'production',
        PATH: '/usr/local/bin:/usr/bin',
        HOSTNAME: 'proxy-7f9c',
      });
      expect(job).toEqual({
        image: 'registry.example.com/etl/loader:1.4',
        volumes: ['/host:/container'],
        env: {
          DB_NAME_ENV: 'analytics',
          DB_USER_ENV: 'etl',
          DB_PWD_ENV: 'hunter2',
          DB_HOST_ENV: 'db.internal',
          DB_PORT_ENV: '5432',
        },
        labels: {},
        tty: false,
        pull: 'missing',
        stopTimeout: 10,
      });
      expect(Object.keys(job.env)).toHaveLength(5);
    });
  });

  describe('DOCKER_JOB_* settings', () => {
    it('maps every string setting to its job field', () => {
      const job = configFromEnv({
        IMAGE: 'x',
        DOCKER_JOB_WORKDIR: '/work',
        DOCKER_JOB_USER: '1000:1000',
        DOCKER_JOB_NETWORK: 'none',
        DOCKER_JOB_NAME: 'nightly-etl',
        DOCKER_JOB_PULL: 'never',
      });
      expect(job).toMatchObject({ workdir: '/work', user: '1000:1000', network: 'none', name: 'nightly-etl', pull: 'never' });
    });

    it('reads DOCKER_JOB_ENTRYPOINT as a JSON list or a shell-like string', () => {
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_ENTRYPOINT: '["/bin/sh", "-c"]' }).entrypoint).toEqual(['/bin/sh', '-c']);
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_ENTRYPOINT: '/bin/sh -c' }).entrypoint).toEqual(['/bin/sh', '-c']);
    });

    it('refuses a DOCKER_JOB_ENTRYPOINT that is malformed JSON and names it', () => {
      const error = envError({ IMAGE: 'x', DOCKER_JOB_ENTRYPOINT: '["/bin/sh", "-c"' });
      expect(error.issues.map((i) => i.path)).toEqual(['DOCKER_JOB_ENTRYPOINT']);
    });

    it('ignores empty settings', () => {
      const job = configFromEnv({ IMAGE: 'x', DOCKER_JOB_WORKDIR: '', DOCKER_JOB_TIMEOUT_MS: '' });
      expect('workdir' in job).toBe(false);
      expect('timeoutMs' in job).toBe(false);
    });

    it('reads whole-number settings as numbers', () => {
      const job = configFromEnv({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: ' 30000 ', DOCKER_JOB_STOP_TIMEOUT: '0' });
      expect(job.timeoutMs).toBe(30000);
      expect(job.stopTimeout).toBe(0);
    });

    it('refuses a DOCKER_JOB_TIMEOUT_MS that is not a whole number and names it', () => {
      for (const value of ['abc', '1.5', '-1', '1e3', '30s']) {
        const error = envError({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: value });
        expect(error.issues).toEqual([{ path: 'DOCKER_JOB_TIMEOUT_MS', message: 'is not a whole number', expected: 'digits only, e.g. 30000' }]);
        expect(error.message).toContain('DOCKER_JOB_TIMEOUT_MS');
      }
    });

    it('names the variable, not the job field, when the schema refuses a setting', () => {
      expect(envError({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: '0' }).issues).toMatchObject([{ path: 'DOCKER_JOB_TIMEOUT_MS', message: 'must be at least 1' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_PULL: 'sometimes' }).issues).toMatchObject([{ path: 'DOCKER_JOB_PULL' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_NAME: 'bad name' }).issues).toMatchObject([{ path: 'DOCKER_JOB_NAME' }]);
    });

    it('names an env entry whose name the schema refuses by its variable name', () => {
      const error = envError({ IMAGE: 'x', 'A=B_ENV': 'v' });
      expect(error.issues.map((i) => i.path)).toEqual(['A=B_ENV']);
    });
  });

  describe('every issue at once', () => {
    it('reports a missing IMAGE, malformed VOLUMES and bad numbers in one error', () => {
      const error = envError({ VOLUMES: '["/a:/a", 1]', COMMAND: '["x"', DOCKER_JOB_TIMEOUT_MS: 'soon', DOCKER_JOB_STOP_TIMEOUT: 'never' });
      expect(error.issues.map((i) => i.path)).toEqual(['IMAGE', 'COMMAND', 'VOLUMES[1]', 'DOCKER_JOB_TIMEOUT_MS', 'DOCKER_JOB_STOP_TIMEOUT']);
      expect(error.message).toContain('(5 issues)');
    });

    it('names a missing IMAGE together with a setting the schema refuses', () => {
      const error = envError({ DOCKER_JOB_PULL: 'sometimes', VOLUMES: 'data:relative' });
      expect(error.issues.map((i) => i.path).sort()).toEqual(['DOCKER_JOB_PULL', 'IMAGE', 'VOLUMES[0]']);
    });
  });
});
