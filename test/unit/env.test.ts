import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { configFromEnv, CHILD_ENV_SUFFIX, ENV_SETTINGS, RUNTIME_ENV_NAMES, SETTING_PREFIX, type ConfigFromEnvOptions } from '../../src/core/env.js';
import { STRICT_POLICY } from '../../src/core/policy.js';
import { ConfigError, isConfigError, type ConfigIssue } from '../../src/errors/config-error.js';

type Env = Record<string, string | undefined>;

/** The ConfigError thrown by configFromEnv(env); fails the test when nothing is thrown. */
function envError(env: Env, options?: ConfigFromEnvOptions): ConfigError {
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

const DEFAULTS = { env: {}, volumes: [], labels: {}, tty: false, stopTimeout: 10, remove: 'always' };

describe('configFromEnv', () => {
  it('exports its naming conventions', () => {
    expect(CHILD_ENV_SUFFIX).toBe('_ENV');
    expect(SETTING_PREFIX).toBe('DOCKER_JOB_');
    expect(RUNTIME_ENV_NAMES).toEqual(expect.arrayContaining(['NODE_ENV', 'BASH_ENV', 'VIRTUAL_ENV']));
  });

  it('reads every setting other than IMAGE, COMMAND and VOLUMES under the DOCKER_JOB_ prefix, never under a bare name', () => {
    for (const s of ENV_SETTINGS) if (!['IMAGE', 'COMMAND', 'VOLUMES'].includes(s.variable)) expect(s.variable.startsWith(SETTING_PREFIX), s.variable).toBe(true);
    const bare = configFromEnv({ IMAGE: 'x:1', USER: 'root', NAME: 'n', HOSTNAME: 'h', TIMEOUT: '1', NETWORK: 'host', MEMORY: '1g', WORKDIR: '/w' });
    expect(bare).toEqual({ image: 'x:1', ...DEFAULTS });
  });

  describe('IMAGE', () => {
    it('refuses a missing IMAGE and names it', () => {
      const error = envError({ PATH: '/usr/bin' });
      expect(error.issues).toEqual([{ path: 'IMAGE', message: 'is not set', expected: 'the image to run, e.g. IMAGE=python:3.12-slim' }]);
    });

    it('refuses an empty or blank IMAGE and names it', () => {
      expect(envError({ IMAGE: '' }).issues).toMatchObject([{ path: 'IMAGE', message: 'is empty' }]);
      expect(envError({ IMAGE: '  \t' }).issues).toMatchObject([{ path: 'IMAGE', message: 'is empty' }]);
    });

    it('trims the image and applies the job defaults', () => {
      expect(configFromEnv({ IMAGE: '  busybox:1.36\n' })).toEqual({ image: 'busybox:1.36', ...DEFAULTS });
    });

    it('names IMAGE when it is set but not a valid reference', () => {
      expect(envError({ IMAGE: 'bad image' }).issues).toEqual([{ path: 'IMAGE', message: 'contains whitespace', expected: expect.any(String) }]);
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

    it('names COMMAND when its string cannot be split, saying why', () => {
      expect(envError({ IMAGE: 'x', COMMAND: 'echo "unterminated' }).issues).toMatchObject([{ path: 'COMMAND', message: 'has an unterminated double quote opened at position 6' }]);
      expect(envError({ IMAGE: 'x', COMMAND: 'etl > out.log' }).issues).toMatchObject([{ path: 'COMMAND', message: expect.stringContaining('unquoted ">"') }]);
    });

    it('names the non-string item of a COMMAND JSON list', () => {
      expect(envError({ IMAGE: 'x', COMMAND: '["a", 1]' }).issues).toEqual([{ path: 'COMMAND[1]', message: 'is number, not a string', expected: 'every item a string' }]);
    });

    it('splits a COMMAND that does not start with [ as a string, even when it is JSON', () => {
      expect(configFromEnv({ IMAGE: 'x', COMMAND: '{"a":1}' }).command).toEqual(['{a:1}']);
    });
  });

  describe('VOLUMES', () => {
    it('reads a JSON list', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '["/host:/container", "data:/data:ro"]' }).volumes).toEqual([
        { type: 'bind', source: '/host', target: '/container' },
        { type: 'volume', source: 'data', target: '/data', readOnly: true },
      ]);
    });

    it('reads a comma- or newline-separated list, trimming each item and ignoring empty ones', () => {
      const expected = [
        { type: 'bind', source: '/a', target: '/a' },
        { type: 'bind', source: '/b', target: '/b' },
        { type: 'volume', target: '/c' },
      ];
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '/a:/a, /b:/b ,/c' }).volumes).toEqual(expected);
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '/a:/a\n/b:/b\r\n/c' }).volumes).toEqual(expected);
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: ',/a:/a,,\n/b:/b,\n/c,' }).volumes).toEqual(expected);
    });

    it('keeps the comma-separated options of a spec together in a comma-separated list', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: '/a:/a:ro,z,/b:/b:rw,rshared,cached,vol:/v:nocopy,Z' }).volumes).toEqual([
        { type: 'bind', source: '/a', target: '/a', readOnly: true, selinuxLabel: 'shared' },
        { type: 'bind', source: '/b', target: '/b', readOnly: false, propagation: 'rshared', consistency: 'cached' },
        { type: 'volume', source: 'vol', target: '/v', noCopy: true, selinuxLabel: 'private' },
      ]);
    });

    it('leaves volumes empty when VOLUMES is blank', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: ' \n ' }).volumes).toEqual([]);
    });

    it('refuses malformed JSON, naming VOLUMES and where it broke, without echoing the text', () => {
      const text = '["/srv/s3cret-dir:/data" "/x:/y"]';
      const error = envError({ IMAGE: 'x', VOLUMES: text });
      expect(error.issues).toEqual([{ path: 'VOLUMES', message: 'starts with "[" but is not valid JSON at character 26', expected: 'a JSON list of strings, e.g. ["a","b"]' }]);
      expect(error.message).not.toContain('s3cret-dir');
      for (const bad of ['[/srv/s3cret-dir:/data]', '["/srv/s3cret-dir:/data",]', '["/srv/s3cret-dir:/data"', '["/srv/s3cret-dir:/data"] trailing']) {
        const e = envError({ IMAGE: 'x', VOLUMES: bad });
        expect(issueAt(e.issues, 'VOLUMES').message).toMatch(/^starts with "\[" but is not valid JSON/);
        expect(e.message).not.toContain('s3cret-dir');
      }
    });

    it('names the index of a non-string item, and says null is null', () => {
      expect(envError({ IMAGE: 'x', VOLUMES: '["/a:/a", 5, null]' }).issues).toEqual([{ path: 'VOLUMES[1]', message: 'is number, not a string', expected: 'every item a string' }]);
      expect(envError({ IMAGE: 'x', VOLUMES: '[null]' }).issues[0]).toMatchObject({ path: 'VOLUMES[0]', message: 'is null, not a string' });
      expect(envError({ IMAGE: 'x', VOLUMES: '{"a":1}' }).issues[0]).toMatchObject({ path: 'VOLUMES[0]' });
    });

    it('names the index of an invalid volume spec and of a duplicate as VOLUMES[i]', () => {
      expect(envError({ IMAGE: 'x', VOLUMES: '/a:/a,data:relative' }).issues).toMatchObject([{ path: 'VOLUMES[1]', message: 'has a container path "relative" that is not absolute' }]);
      expect(envError({ IMAGE: 'x', VOLUMES: '["/a:/data", "/b:/data"]' }).issues).toMatchObject([{ path: 'VOLUMES[1]', message: 'mounts /data again (volumes[0] mounts it already)' }]);
    });

    it('resolves a relative host path against baseDir, and refuses it without', () => {
      expect(configFromEnv({ IMAGE: 'x', VOLUMES: './data:/data' }, { baseDir: '/srv/job' }).volumes).toEqual([{ type: 'bind', source: '/srv/job/data', target: '/data' }]);
      expect(envError({ IMAGE: 'x', VOLUMES: './data:/data' }).issues[0]).toMatchObject({ path: 'VOLUMES[0]', message: expect.stringContaining('no baseDir') });
    });
  });

  describe('child environment', () => {
    it('passes every variable ending in _ENV to the child unchanged, name and value', () => {
      const job = configFromEnv({ IMAGE: 'x', DB_HOST_ENV: 'db.local', EMPTY_ENV: '', SPACED_ENV: '  a b  ', 'weird-name_ENV': 'v=1', UNICODE_ENV: 'héllo ✓', LONG_ENV: 'x'.repeat(100_000) });
      expect(job.env).toEqual({ DB_HOST_ENV: 'db.local', EMPTY_ENV: '', SPACED_ENV: '  a b  ', 'weird-name_ENV': 'v=1', UNICODE_ENV: 'héllo ✓', LONG_ENV: 'x'.repeat(100_000) });
    });

    it('matches the suffix exactly, in upper case', () => {
      const job = configFromEnv({ IMAGE: 'x', PATH: '/bin', ENV: 'x', DB_ENVIRONMENT: 'y', lower_env: 'z', Mixed_Env: 'w', A_ENV: 'ok' });
      expect(job.env).toEqual({ A_ENV: 'ok' });
    });

    it('never passes the launcher runtime variables, even though they end in _ENV', () => {
      const runtime = Object.fromEntries(RUNTIME_ENV_NAMES.map((n) => [n, 'launcher value']));
      expect(configFromEnv({ IMAGE: 'x', ...runtime, APP_ENV: 'prod' }).env).toEqual({ APP_ENV: 'prod' });
    });

    it('takes the caller’s own list of runtime names instead', () => {
      expect(configFromEnv({ IMAGE: 'x', NODE_ENV: 'production', RAILS_ENV: 'dev' }, { runtimeEnvNames: ['RAILS_ENV'] }).env).toEqual({ NODE_ENV: 'production' });
    });

    it('does not pass a variable named just _ENV, nor DOCKER_JOB_* variables, nor IMAGE, COMMAND or VOLUMES', () => {
      const job = configFromEnv({ IMAGE: 'x', _ENV: 'x', COMMAND: 'true', VOLUMES: '/v', DOCKER_JOB_WORKDIR: '/w', DOCKER_JOB_EXTRA_ENV: 'internal', JOB_ENV: 'kept' });
      expect(job.env).toEqual({ JOB_ENV: 'kept' });
    });

    it('skips variables whose value is undefined', () => {
      expect(configFromEnv({ IMAGE: 'x', GONE_ENV: undefined, HERE_ENV: '1' }).env).toEqual({ HERE_ENV: '1' });
    });

    it('strips the _ENV suffix when stripEnvSuffix is set, after deciding which variables are the launcher’s', () => {
      const job = configFromEnv({ IMAGE: 'x', DB_HOST_ENV: 'h', DB_PORT_ENV: '5432', NODE_ENV: 'production', NODE_ENV_ENV: 'test' }, { stripEnvSuffix: true });
      expect(job.env).toEqual({ DB_HOST: 'h', DB_PORT: '5432', NODE_ENV: 'test' });
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
        USER: 'airflow',
      });
      expect(job).toEqual({
        image: 'registry.example.com/etl/loader:1.4',
        volumes: [{ type: 'bind', source: '/host', target: '/container' }],
        env: { DB_NAME_ENV: 'analytics', DB_USER_ENV: 'etl', DB_PWD_ENV: 'hunter2', DB_HOST_ENV: 'db.internal', DB_PORT_ENV: '5432' },
        labels: {},
        tty: false,
        stopTimeout: 10,
        remove: 'always',
      });
    });
  });

  describe('DOCKER_JOB_* settings', () => {
    const samples: Record<string, [string, unknown]> = {
      DOCKER_JOB_ENTRYPOINT: ['/bin/sh -c', ['/bin/sh', '-c']],
      DOCKER_JOB_WORKDIR: ['/work', '/work'],
      DOCKER_JOB_USER: ['1000:1000', '1000:1000'],
      DOCKER_JOB_NETWORK: ['none', 'none'],
      DOCKER_JOB_PULL: ['never', 'never'],
      DOCKER_JOB_PLATFORM: ['linux/arm64', 'linux/arm64'],
      DOCKER_JOB_TIMEOUT_MS: ['30000', 30000],
      DOCKER_JOB_STOP_TIMEOUT: ['0', 0],
      DOCKER_JOB_STOP_SIGNAL: ['SIGINT', 'SIGINT'],
      DOCKER_JOB_INIT: ['true', true],
      DOCKER_JOB_MEMORY: ['512m', 536_870_912],
      DOCKER_JOB_MEMORY_SWAP: ['-1', -1],
      DOCKER_JOB_CPUS: ['1.5', 1.5],
      DOCKER_JOB_SHM_SIZE: ['64m', 67_108_864],
      DOCKER_JOB_PIDS_LIMIT: ['-1', -1],
      DOCKER_JOB_GPUS: ['all', [{ driver: '', count: -1, capabilities: ['gpu'], options: {} }]],
      DOCKER_JOB_LABELS: ['team=data', { team: 'data' }],
      DOCKER_JOB_NAME: ['nightly-etl', 'nightly-etl'],
      DOCKER_JOB_READ_ONLY: ['yes', true],
      DOCKER_JOB_CAP_ADD: ['net_admin', ['CAP_NET_ADMIN']],
      DOCKER_JOB_CAP_DROP: ['ALL', ['ALL']],
      DOCKER_JOB_PRIVILEGED: ['0', false],
      DOCKER_JOB_PID: ['host', 'host'],
      DOCKER_JOB_EXTRA_HOSTS: ['db=10.0.0.5', ['db:10.0.0.5']],
      DOCKER_JOB_TTY: ['FALSE', false],
      DOCKER_JOB_REMOVE: ['on-success', 'on-success'],
      DOCKER_JOB_LOG_DRIVER: ['none', 'none'],
      DOCKER_JOB_LOG_OPTS: ['max-size=10m,max-file=3', { 'max-size': '10m', 'max-file': '3' }],
    };

    it.each(ENV_SETTINGS.filter((s) => s.variable.startsWith(SETTING_PREFIX) && s.variable !== 'DOCKER_JOB_ENV_FILE').map((s) => [s.variable, s.field] as const))(
      '%s sets %s',
      (variable, field) => {
        const sample = samples[variable];
        if (!sample) throw new Error(`no sample for ${variable}`);
        const resolved = configFromEnv({ IMAGE: 'x:1', [variable]: sample[0] }) as Record<string, unknown>;
        expect(resolved[field]).toEqual(sample[1]);
      },
    );

    it('reads DOCKER_JOB_ENTRYPOINT as a JSON list, and [] removes the entrypoint', () => {
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_ENTRYPOINT: '["/bin/sh", "-c"]' }).entrypoint).toEqual(['/bin/sh', '-c']);
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_ENTRYPOINT: '[]' }).entrypoint).toEqual([]);
    });

    it('reads lists as JSON or separated by commas or newlines, labels as a JSON object or key=value items', () => {
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_CAP_ADD: 'NET_ADMIN,\nSYS_PTRACE' }).capAdd).toEqual(['CAP_NET_ADMIN', 'CAP_SYS_PTRACE']);
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_EXTRA_HOSTS: '["a:1.2.3.4","b:::1"]' }).extraHosts).toEqual(['a:1.2.3.4', 'b:::1']);
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_LABELS: '{"team":"data","list":"a,b"}' }).labels).toEqual({ team: 'data', list: 'a,b' });
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_LABELS: 'team=data, eq=a=b\nflag' }).labels).toEqual({ team: 'data', eq: 'a=b', flag: '' });
    });

    it('reads DOCKER_JOB_GPUS in docker syntax, commas included, or as a JSON list of requests', () => {
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_GPUS: '"device=0,1",driver=nvidia' }).gpus).toEqual([{ driver: 'nvidia', count: 0, deviceIds: ['0', '1'], capabilities: ['gpu'], options: {} }]);
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_GPUS: '["1", "device=2"]' }).gpus).toHaveLength(2);
    });

    it('refuses malformed values of each kind, naming the variable and the position', () => {
      const issues = envError({
        IMAGE: 'x',
        DOCKER_JOB_INIT: 'maybe',
        DOCKER_JOB_PIDS_LIMIT: '1.5',
        DOCKER_JOB_LABELS: '{"a":1}',
        DOCKER_JOB_CAP_ADD: '["NET_ADMIN", 3]',
        DOCKER_JOB_EXTRA_HOSTS: 'a:1.2.3.4,b:nope',
        DOCKER_JOB_MEMORY: '1x',
        DOCKER_JOB_GPUS: '[1]',
      }).issues;
      expect(issueAt(issues, 'DOCKER_JOB_INIT')).toEqual({ path: 'DOCKER_JOB_INIT', message: 'is not a boolean', expected: 'true or false (or 1/0, yes/no)' });
      expect(issueAt(issues, 'DOCKER_JOB_PIDS_LIMIT').message).toBe('is not a whole number');
      expect(issueAt(issues, 'DOCKER_JOB_LABELS.a').message).toBe('must be a string');
      expect(issueAt(issues, 'DOCKER_JOB_CAP_ADD[1]').message).toBe('is number, not a string');
      expect(issueAt(issues, 'DOCKER_JOB_EXTRA_HOSTS[1]').message).toBe('"b:nope" has an invalid IP address');
      expect(issueAt(issues, 'DOCKER_JOB_MEMORY').message).toBe('"1x" is not an amount of memory');
      expect(issueAt(issues, 'DOCKER_JOB_GPUS[0]').message).toBe('is number, not a string');
      expect(issues).toHaveLength(7);
    });

    it('ignores empty and blank settings', () => {
      const job = configFromEnv({ IMAGE: 'x', DOCKER_JOB_WORKDIR: '', DOCKER_JOB_TIMEOUT_MS: '  ', DOCKER_JOB_ENTRYPOINT: '' });
      for (const key of ['workdir', 'timeoutMs', 'entrypoint']) expect(key in job).toBe(false);
    });

    it('trims settings', () => {
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: ' 30000 ', DOCKER_JOB_NETWORK: ' none\n' })).toMatchObject({ timeoutMs: 30000, network: 'none' });
    });

    it('refuses a DOCKER_JOB_TIMEOUT_MS that is not a whole number and names it', () => {
      for (const value of ['abc', '1.5', '1e3', '30s']) {
        expect(envError({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: value }).issues).toEqual([{ path: 'DOCKER_JOB_TIMEOUT_MS', message: 'is not a whole number', expected: 'digits only, e.g. 30000' }]);
      }
    });

    it('names the variable, not the job field, when the schema refuses a setting', () => {
      expect(envError({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: '0' }).issues).toMatchObject([{ path: 'DOCKER_JOB_TIMEOUT_MS', message: 'must be at least 1' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_TIMEOUT_MS: '-5' }).issues).toMatchObject([{ path: 'DOCKER_JOB_TIMEOUT_MS', message: 'must be at least 1' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_PULL: 'sometimes' }).issues).toMatchObject([{ path: 'DOCKER_JOB_PULL' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_NAME: 'bad name' }).issues).toMatchObject([{ path: 'DOCKER_JOB_NAME' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_MEMORY_SWAP: '1g' }).issues).toMatchObject([{ path: 'DOCKER_JOB_MEMORY_SWAP', message: 'is set without memory' }]);
    });

    it('names an env entry the schema refuses by the variable it came from', () => {
      expect(envError({ IMAGE: 'x', 'A=B_ENV': 'v' }).issues.map((i) => i.path)).toEqual(['A=B_ENV']);
      expect(envError({ IMAGE: 'x', 'BAD\0NAME_ENV': 'v' }, { stripEnvSuffix: true }).issues.map((i) => i.path)).toEqual(['BAD\0NAME_ENV']);
    });

    it('refuses a likely typo of a setting, naming the setting meant, and leaves other DOCKER_JOB_ variables alone', () => {
      expect(envError({ IMAGE: 'x', DOCKER_JOB_MEMROY: '1g' }).issues).toEqual([{ path: 'DOCKER_JOB_MEMROY', message: 'is not a docker-job setting', expected: 'DOCKER_JOB_MEMORY' }]);
      expect(envError({ IMAGE: 'x', DOCKER_JOB_NETWROK: 'none' }).issues[0]?.expected).toBe('DOCKER_JOB_NETWORK');
      expect(configFromEnv({ IMAGE: 'x', DOCKER_JOB_BUSYBOX: '/bin/busybox', DOCKER_JOB_LOG_LEVEL: 'debug' }).image).toBe('x');
    });
  });

  describe('env files', () => {
    const files: Record<string, string> = { '/etc/job/app.env': 'FROM_FILE=1\nDB_PWD\nSHARED=file\n' };
    const readFile = (path: string) => new TextEncoder().encode(files[path] ?? '');

    it('reads DOCKER_JOB_ENV_FILE, takes bare names from the same environment, and lets _ENV variables win', () => {
      const job = configFromEnv({ IMAGE: 'x', DOCKER_JOB_ENV_FILE: '/etc/job/app.env', DB_PWD: 'from-launcher', SHARED_ENV: 'env' }, { readFile, stripEnvSuffix: true });
      expect(job.env).toEqual({ FROM_FILE: '1', DB_PWD: 'from-launcher', SHARED: 'env' });
      expect(job.envFile).toEqual(['/etc/job/app.env']);
    });

    it('names DOCKER_JOB_ENV_FILE when a file cannot be read', () => {
      const error = envError({ IMAGE: 'x', DOCKER_JOB_ENV_FILE: '/nonexistent/docker-job/x.env' });
      expect(error.issues).toEqual([{ path: 'DOCKER_JOB_ENV_FILE', message: '/nonexistent/docker-job/x.env cannot be read (ENOENT)', expected: 'a readable env file' }]);
    });
  });

  describe('policy', () => {
    it('applies the caller’s policy and names the variables at fault', () => {
      const error = envError({ IMAGE: 'x', DOCKER_JOB_PRIVILEGED: 'true', DOCKER_JOB_NETWORK: 'host', VOLUMES: '/data:/data,/var/run/docker.sock:/sock' }, { policy: STRICT_POLICY });
      expect(error.issues.map((i) => i.path).sort()).toEqual(['DOCKER_JOB_NETWORK', 'DOCKER_JOB_PRIVILEGED', 'VOLUMES[1]']);
    });

    it('cannot be loosened from the environment it checks', () => {
      expect(() => configFromEnv({ IMAGE: 'x', DOCKER_JOB_PRIVILEGED: 'true', DOCKER_JOB_POLICY: 'permissive' }, { policy: STRICT_POLICY })).toThrow(ConfigError);
    });
  });

  describe('secrets', () => {
    it('never shows the value of a secret-looking variable in an error, wherever the input is quoted', () => {
      const secret = 'hunter2-Zq9';
      const error = envError({
        IMAGE: 'x',
        DB_PWD_ENV: secret,
        AWS_SECRET_ACCESS_KEY: 'AKIA-very-secret',
        VOLUMES: `/srv/${secret}:relative`,
        DOCKER_JOB_MEMORY: `AKIA-very-secret`,
        DOCKER_JOB_USER: `${secret} x`,
      });
      expect(error.issues).toHaveLength(3);
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain('AKIA-very-secret');
      expect(issueAt(error.issues, 'DOCKER_JOB_USER').message).toBe('"*** x" is not a user');
    });

    it('masks a secret value in the path of an issue too (a label or log option named after it)', () => {
      const secret = 'hunter2-Zq9';
      const error = envError({ IMAGE: 'x', DB_PWD_ENV: secret, DOCKER_JOB_LABELS: `{"${secret}": 5}`, DOCKER_JOB_LOG_OPTS: `{"a-${secret}": true}` });
      expect(error.issues.map((i) => i.path)).toEqual(['DOCKER_JOB_LABELS.***', 'DOCKER_JOB_LOG_OPTS.a-***']);
      expect(JSON.stringify(error.issues)).not.toContain(secret);
      expect(error.message).not.toContain(secret);
    });

    it('does not mask flags that secret-looking names hold, which would garble the messages', () => {
      const error = envError({ IMAGE: 'x', AUTH_ENABLED: 'true', DOCKER_JOB_INIT: 'maybe' });
      expect(error.issues).toEqual([{ path: 'DOCKER_JOB_INIT', message: 'is not a boolean', expected: 'true or false (or 1/0, yes/no)' }]);
    });
  });

  describe('every issue at once', () => {
    it('reports a missing IMAGE, malformed lists and bad numbers in one error', () => {
      const error = envError({ VOLUMES: '["/a:/a", 1]', COMMAND: '["x"', DOCKER_JOB_TIMEOUT_MS: 'soon', DOCKER_JOB_STOP_TIMEOUT: 'never' });
      expect(error.issues.map((i) => i.path)).toEqual(['IMAGE', 'COMMAND', 'VOLUMES[1]', 'DOCKER_JOB_TIMEOUT_MS', 'DOCKER_JOB_STOP_TIMEOUT']);
      expect(error.message).toContain('(5 issues)');
    });

    it('names a missing IMAGE together with settings the schema refuses', () => {
      expect(envError({ DOCKER_JOB_PULL: 'sometimes', VOLUMES: 'data:relative' }).issues.map((i) => i.path).sort()).toEqual(['DOCKER_JOB_PULL', 'IMAGE', 'VOLUMES[0]']);
    });
  });

  describe('properties', () => {
    it('throws nothing but a ConfigError, for any environment', () => {
      const names = fc.oneof(fc.constantFrom(...ENV_SETTINGS.map((s) => s.variable), 'A_ENV', 'NODE_ENV', 'DOCKER_JOB_MEMROY'), fc.string());
      fc.assert(
        fc.property(fc.dictionary(names, fc.oneof(fc.string(), fc.constantFrom('[', '["a"]', '{}', '-1', 'all', '/a:/a', 'true'))), (env) => {
          try {
            configFromEnv(env, { readFile: () => new Uint8Array() });
          } catch (error) {
            expect(isConfigError(error)).toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

