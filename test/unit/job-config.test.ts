import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect, expectTypeOf } from 'vitest';
import fc from 'fast-check';
import { isResolvedJob, MIN_MEMORY_BYTES, parseJobConfig, removesContainer, safeParseJobConfig, type JobConfig, type ParseOptions, type ResolvedJob } from '../../src/core/job-config.js';
import { STRICT_POLICY } from '../../src/core/policy.js';
import { configFromEnv } from '../../src/core/env.js';
import { JobConfigSchema } from '../../src/core/job-config.js';
import * as v from 'valibot';
import { ConfigError, isConfigError, type ConfigIssue } from '../../src/errors/config-error.js';

/** The ConfigError thrown by parseJobConfig(input); fails the test when nothing is thrown. */
function configError(input: unknown, options?: ParseOptions): ConfigError {
  try {
    parseJobConfig(input, options);
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

const job = (extra: Record<string, unknown>, options?: ParseOptions) => parseJobConfig({ image: 'busybox:1.36', ...extra }, options);
const issuesOf = (extra: Record<string, unknown>, options?: ParseOptions) => configError({ image: 'busybox:1.36', ...extra }, options).issues;

describe('parseJobConfig', () => {
  describe('defaults', () => {
    it('fills in env {}, volumes [], labels {}, tty false, stopTimeout 10 and remove always, and no pull policy', () => {
      expect(parseJobConfig({ image: 'busybox:1.36' })).toEqual({
        image: 'busybox:1.36',
        env: {},
        volumes: [],
        labels: {},
        tty: false,
        stopTimeout: 10,
        remove: 'always',
      });
    });

    it('leaves optional fields without a default absent', () => {
      const resolved = parseJobConfig({ image: 'busybox' });
      const optional = ['command', 'entrypoint', 'envFile', 'workdir', 'user', 'network', 'pull', 'platform', 'timeoutMs', 'stopSignal', 'init', 'memory', 'memorySwap', 'cpus', 'shmSize', 'pidsLimit', 'gpus', 'name', 'readOnly', 'capAdd', 'capDrop', 'privileged', 'pidMode', 'extraHosts'];
      for (const key of optional) expect(key in resolved, key).toBe(false);
    });

    it('does not share default objects between parsed jobs', () => {
      const a = parseJobConfig({ image: 'x' });
      const b = parseJobConfig({ image: 'x' });
      expect(a.env).not.toBe(b.env);
      expect(a.volumes).not.toBe(b.volumes);
    });
  });

  describe('every field', () => {
    it('keeps explicit values and normalises each to the form the engine takes', () => {
      expect(
        parseJobConfig({
          image: 'registry.example.com:5000/etl/job:1.4',
          command: 'python -m etl --since "2024-01-01 00:00"',
          entrypoint: ['/usr/bin/tini', '--'],
          env: { A: '1' },
          volumes: ['/h:/c:ro', 'cache:/cache', '/scratch', { type: 'bind', source: '/srv', target: '/srv', propagation: 'rslave' }],
          workdir: '/work',
          user: '1000:1000',
          network: 'none',
          pull: 'always',
          platform: 'linux/amd64',
          timeoutMs: 30_000,
          stopTimeout: 0,
          stopSignal: 'SIGINT',
          init: true,
          memory: '512m',
          memorySwap: '1g',
          cpus: '1.5',
          shmSize: '256m',
          pidsLimit: 100,
          gpus: 'all',
          labels: { team: 'data' },
          name: 'my-job_1.x',
          readOnly: true,
          capAdd: ['net_admin'],
          capDrop: ['ALL'],
          privileged: false,
          pidMode: 'host',
          extraHosts: ['db=10.0.0.5'],
          tty: true,
          remove: 'on-success',
        }),
      ).toEqual({
        image: 'registry.example.com:5000/etl/job:1.4',
        command: ['python', '-m', 'etl', '--since', '2024-01-01 00:00'],
        entrypoint: ['/usr/bin/tini', '--'],
        env: { A: '1' },
        volumes: [
          { type: 'bind', source: '/h', target: '/c', readOnly: true },
          { type: 'volume', source: 'cache', target: '/cache' },
          { type: 'volume', target: '/scratch' },
          { type: 'bind', source: '/srv', target: '/srv', propagation: 'rslave' },
        ],
        workdir: '/work',
        user: '1000:1000',
        network: 'none',
        pull: 'always',
        platform: 'linux/amd64',
        timeoutMs: 30_000,
        stopTimeout: 0,
        stopSignal: 'SIGINT',
        init: true,
        memory: 536_870_912,
        memorySwap: 1_073_741_824,
        cpus: 1.5,
        shmSize: 268_435_456,
        pidsLimit: 100,
        gpus: [{ driver: '', count: -1, capabilities: ['gpu'], options: {} }],
        labels: { team: 'data' },
        name: 'my-job_1.x',
        readOnly: true,
        capAdd: ['CAP_NET_ADMIN'],
        capDrop: ['ALL'],
        privileged: false,
        pidMode: 'host',
        extraHosts: ['db:10.0.0.5'],
        tty: true,
        remove: 'on-success',
      });
    });

    it('takes sizes as numbers of bytes too, and 0 as no limit', () => {
      expect(job({ memory: MIN_MEMORY_BYTES, shmSize: 1024, memorySwap: -1 })).toMatchObject({ memory: MIN_MEMORY_BYTES, shmSize: 1024, memorySwap: -1 });
      expect(job({ memory: 0, memorySwap: '-1' })).toMatchObject({ memory: 0 });
      expect(job({ memory: '0' }).memory).toBe(0);
    });

    it('takes cpus as a number, rounded to nano-CPUs', () => {
      expect(job({ cpus: 0.5 }).cpus).toBe(0.5);
      expect(job({ cpus: 0.1 + 0.2 }).cpus).toBe(0.3);
      expect(job({ cpus: ' 2 ' }).cpus).toBe(2);
    });

    it('takes GPU requests as docker strings, objects or a list of both', () => {
      expect(job({ gpus: ['"device=0,1"', { count: 'all', capabilities: ['compute'] }, { deviceIds: ['GPU-1'] }, { count: 2, driver: 'nvidia', options: { a: 'b' } }] }).gpus).toEqual([
        { driver: '', count: 0, deviceIds: ['0', '1'], capabilities: ['gpu'], options: {} },
        { driver: '', count: -1, capabilities: ['compute', 'gpu'], options: {} },
        { driver: '', count: 0, deviceIds: ['GPU-1'], capabilities: ['gpu'], options: {} },
        { driver: 'nvidia', count: 2, capabilities: ['gpu'], options: { a: 'b' } },
      ]);
    });

    it('removes the entrypoint with an empty string or list', () => {
      expect(job({ entrypoint: '' }).entrypoint).toEqual([]);
      expect(job({ entrypoint: [] }).entrypoint).toEqual([]);
    });

    it('refuses each new field with a message that says what is accepted', () => {
      const issues = issuesOf({
        memory: '5m',
        cpus: '1.0000000001',
        shmSize: '1x',
        pidsLimit: -2,
        gpus: 'count=x',
        platform: 'linux/',
        stopSignal: 'SIGFOO',
        capAdd: ['FOO'],
        extraHosts: ['db:bogus'],
        pidMode: 'bogus',
        network: 'a b',
        user: 'a b',
        workdir: 'relative',
        remove: 'sometimes',
        init: 'yes',
        timeoutMs: 2 ** 31,
      });
      expect(issueAt(issues, 'memory').message).toBe(`must be at least 6m (${MIN_MEMORY_BYTES} bytes), the engine's minimum, or 0 for no limit`);
      expect(issueAt(issues, 'cpus').message).toBe('"1.0000000001" is too precise');
      expect(issueAt(issues, 'shmSize').message).toBe('"1x" is not an amount of memory');
      expect(issueAt(issues, 'pidsLimit').message).toBe('must be -1 (no limit) or more');
      expect(issueAt(issues, 'gpus').message).toContain('neither "all" nor a whole number');
      expect(issueAt(issues, 'platform').message).toBe('"linux/" is not a platform');
      expect(issueAt(issues, 'stopSignal').message).toBe('"SIGFOO" is not a signal');
      expect(issueAt(issues, 'capAdd').message).toBe('"FOO" is not a Linux capability');
      expect(issueAt(issues, 'extraHosts[0]').message).toBe('"db:bogus" has an invalid IP address');
      expect(issueAt(issues, 'pidMode').message).toBe('"bogus" is not a PID mode');
      expect(issueAt(issues, 'network').message).toBe('"a b" is not a network mode or name');
      expect(issueAt(issues, 'user').message).toBe('"a b" is not a user');
      expect(issueAt(issues, 'workdir').message).toBe('must be an absolute path (docker refuses others)');
      expect(issueAt(issues, 'remove').message).toBe('must be one of always, on-success, never');
      expect(issueAt(issues, 'init').message).toBe('must be true or false');
      expect(issueAt(issues, 'timeoutMs').message).toContain('must be at most 2147483647');
      expect(issues).toHaveLength(16);
    });

    it('checks memorySwap against memory, as the engine does', () => {
      expect(issueAt(issuesOf({ memorySwap: '1g' }), 'memorySwap').message).toBe('is set without memory');
      expect(issueAt(issuesOf({ memory: '1g', memorySwap: '512m' }), 'memorySwap').message).toBe('is less than memory (536870912 < 1073741824 bytes)');
      expect(job({ memory: '512m', memorySwap: '512m' }).memorySwap).toBe(536_870_912);
    });

    it('refuses a NUL character in env values, labels and command items', () => {
      const issues = issuesOf({ env: { A: 'x\0y' }, labels: { l: '\0' }, command: ['a', 'b\0'] });
      expect(issues.map((i) => i.path).sort()).toEqual(['command', 'env.A', 'labels.l']);
    });
  });

  describe('command and entrypoint', () => {
    it('splits a command string into argv like a shell would', () => {
      expect(job({ command: `python -c 'print("hi")'` }).command).toEqual(['python', '-c', 'print("hi")']);
    });

    it('keeps an argv array as it is, without splitting its items', () => {
      expect(job({ command: ['python', 'my script.py', "it's", 'a && b'] }).command).toEqual(['python', 'my script.py', "it's", 'a && b']);
    });

    it('refuses a command that is neither a string nor an array of strings', () => {
      expect(issueAt(issuesOf({ command: 42 }), 'command').message).toBe('must be a command string or an array of strings');
      expect(issueAt(issuesOf({ command: ['a', 1] }), 'command').message).toBe('must be a command string or an array of strings');
    });

    it('says why a command string could not be split', () => {
      expect(issueAt(issuesOf({ command: 'echo "hi' }), 'command').message).toContain('unterminated double quote opened at position 6');
      expect(issueAt(issuesOf({ entrypoint: 'a | b' }), 'entrypoint').message).toContain('unquoted "|"');
    });
  });

  describe('validation', () => {
    it('refuses a missing image, saying it is required', () => {
      expect(configError({}).issues).toEqual([{ path: 'image', message: 'is required', expected: 'a value for image' }]);
    });

    it('refuses an image reference the engine would refuse', () => {
      expect(issueAt(configError({ image: '' }).issues, 'image').message).toBe('is empty');
      expect(issueAt(configError({ image: 'a b' }).issues, 'image').message).toBe('contains whitespace');
      expect(issueAt(configError({ image: 'upper/Case' }).issues, 'image').message).toContain('upper-case');
    });

    it('refuses an unknown field and names it', () => {
      const error = configError({ image: 'x', imgae: 'y' });
      expect(error.issues).toEqual([{ path: 'imgae', message: 'unknown field "imgae"' }]);
    });

    it('refuses a label under the reserved io.docker-job. prefix', () => {
      const error = configError({ image: 'x', labels: { 'io.docker-job.owner': 'me', 'com.example.ok': 'y' } });
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe('labels.io.docker-job.owner');
      expect(error.issues[0]?.message).toContain('reserved');
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
    });

    it('refuses bad pull policies, timeouts and names with messages saying what is accepted', () => {
      const error = configError({ image: 'x', pull: 'sometimes', timeoutMs: 0, stopTimeout: 1.5, name: '-x', tty: 'yes' });
      expect(issueAt(error.issues, 'pull').message).toBe('must be one of always, missing, never');
      expect(issueAt(error.issues, 'timeoutMs').message).toBe('must be at least 1');
      expect(issueAt(error.issues, 'stopTimeout').message).toBe('must be an integer');
      expect(issueAt(error.issues, 'name').message).toContain('must match');
      expect(issueAt(error.issues, 'tty')).toEqual({ path: 'tty', message: 'must be true or false' });
    });

    it('refuses a one-character container name, as the engine does', () => {
      expect(issueAt(issuesOf({ name: 'x' }), 'name').message).toContain('two characters or more');
    });

    it('refuses a config that is not an object, without echoing it', () => {
      for (const input of [null, undefined, 42, 'busybox', ['busybox'], true]) expect(safeParseJobConfig(input).success).toBe(false);
      const result = safeParseJobConfig('postgres://admin:s3cret-pw@db/prod');
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.issues[0]?.path).toBe('config');
      expect(JSON.stringify(result.issues)).not.toContain('s3cret-pw');
    });
  });

  describe('volumes', () => {
    it('refuses a bad volume spec with its index in the path and says why', () => {
      const error = configError({ image: 'x', volumes: ['/ok:/ok', 'data:relative'] });
      expect(error.issues).toEqual([{ path: 'volumes[1]', message: 'has a container path "relative" that is not absolute', expected: 'a container path starting with /, e.g. /data' }]);
    });

    it('refuses an empty or non-volume item with its index in the path', () => {
      const issues = issuesOf({ volumes: ['/a:/a', '', 3, null] });
      expect(issues.map((i) => i.path)).toEqual(['volumes[1]', 'volumes[2]', 'volumes[3]']);
      expect(issueAt(issues, 'volumes[2]').message).toContain('must be a volume');
    });

    it('names the bad field of a volume object', () => {
      const issues = issuesOf({ volumes: [{ type: 'bind', source: '/a', target: '/a', readOnly: 'yes' }, { type: 'tmpfs', target: '/t' }, { type: 'bind', target: '/b' }, { type: 'volume', source: 'v1', target: '/v', bogus: 1 }] });
      expect(issues).toEqual([
        { path: 'volumes[0].readOnly', message: 'must be true or false' },
        { path: 'volumes[1].type', message: 'must be bind or volume' },
        { path: 'volumes[2]', message: 'is a bind mount without a source', expected: 'a host path in source' },
        { path: 'volumes[3].bogus', message: 'unknown field "bogus"' },
      ]);
    });

    it('refuses two volumes at the same container path, ignoring trailing slashes and dots, strings and objects alike', () => {
      expect(issuesOf({ volumes: ['/a:/data', 'vol:/other', 'named:/data/', { type: 'volume', target: '/data/.' }] })).toEqual([
        { path: 'volumes[2]', message: 'mounts /data again (volumes[0] mounts it already)', expected: 'each container path mounted once' },
        { path: 'volumes[3]', message: 'mounts /data again (volumes[0] mounts it already)', expected: 'each container path mounted once' },
      ]);
    });

    it('refuses an anonymous volume over a bind mount, and an exact repeat', () => {
      expect(issuesOf({ volumes: ['/h:/c', '/c'] })[0]?.path).toBe('volumes[1]');
      expect(issuesOf({ volumes: ['/h:/c', '/h:/c'] })[0]?.path).toBe('volumes[1]');
    });

    it('reports every bad and duplicated volume in one error', () => {
      expect(issuesOf({ volumes: ['/a:/a', 'rel:rel', '/b:/a', '/x:/y:'] }).map((i) => i.path)).toEqual(['volumes[1]', 'volumes[3]', 'volumes[2]']);
    });

    it('refuses to resolve against a relative baseDir, which only the working directory could complete', () => {
      expect(issuesOf({ volumes: ['./d:/d'], envFile: './a.env' }, { baseDir: 'relative/dir' }).map((i) => i.message)).toEqual([
        'is a relative path "./a.env" and a baseDir "relative/dir" that is not absolute',
        'has a relative host path "./d" and a baseDir "relative/dir" that is not absolute',
      ]);
    });

    it('refuses a relative host path without baseDir, and resolves it against baseDir', () => {
      expect(issuesOf({ volumes: ['./data:/data'] })).toEqual([
        {
          path: 'volumes[0]',
          message: 'has a relative host path "./data" and no baseDir to resolve it against',
          expected: 'an absolute host path, or the baseDir option (the docker CLI uses its working directory)',
        },
      ]);
      expect(job({ volumes: ['./data:/data:ro', { type: 'bind', source: '../up', target: '/up' }] }, { baseDir: '/srv/etl' }).volumes).toEqual([
        { type: 'bind', source: '/srv/etl/data', target: '/data', readOnly: true },
        { type: 'bind', source: '/srv/up', target: '/up' },
      ]);
    });
  });

  describe('env files', () => {
    const files: Record<string, string> = {
      '/cfg/a.env': 'A=from-a\nSHARED=a\n# comment\nBARE\n',
      '/cfg/b.env': 'SHARED=b\nB=from-b\n',
      '/cfg/bad.env': 'OK=1\n=secret-value\nBAD NAME=x\n',
    };
    const readFile = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return new TextEncoder().encode(text);
    };

    it('merges env files in order, later files winning, and env winning over every file', () => {
      const resolved = job({ envFile: ['/cfg/a.env', '/cfg/b.env'], env: { A: 'from-env' } }, { readFile, lookupEnv: { BARE: 'looked-up' } });
      expect(resolved.env).toEqual({ A: 'from-env', SHARED: 'b', BARE: 'looked-up', B: 'from-b' });
      expect(resolved.envFile).toEqual(['/cfg/a.env', '/cfg/b.env']);
    });

    it('takes one path as a string, and leaves out a bare name that the lookup environment lacks', () => {
      expect(job({ envFile: '/cfg/a.env' }, { readFile }).env).toEqual({ A: 'from-a', SHARED: 'a' });
    });

    it('resolves a relative path against baseDir, and refuses it without', () => {
      expect(job({ envFile: './a.env' }, { readFile, baseDir: '/cfg' }).envFile).toEqual(['/cfg/a.env']);
      expect(issueAt(issuesOf({ envFile: 'a.env' }, { readFile }), 'envFile').message).toBe('is a relative path "a.env" and no baseDir to resolve it against');
    });

    it('names the file and the line of every problem, never its values', () => {
      const issues = issuesOf({ envFile: ['/cfg/bad.env', '/cfg/missing.env'] }, { readFile });
      expect(issues).toEqual([
        { path: 'envFile[0]', message: '/cfg/bad.env line 2 has no variable name before "="', expected: 'NAME=VALUE, or NAME alone to pass on its value' },
        { path: 'envFile[0]', message: '/cfg/bad.env line 3 has a space or tab in its variable name', expected: expect.any(String) },
        { path: 'envFile[1]', message: '/cfg/missing.env cannot be read (ENOENT)', expected: 'a readable env file' },
      ]);
      expect(JSON.stringify(issues)).not.toContain('secret-value');
    });

    it('parses a resolved job again without reading its env files, as runDockerJob does', () => {
      let reads = 0;
      const virtual = (path: string) => {
        reads += 1;
        if (path !== '/virtual/secrets.env') throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return new TextEncoder().encode('DB_PWD=hunter2\n');
      };
      const resolved = parseJobConfig({ image: 'x:1', envFile: 'secrets.env' }, { baseDir: '/virtual', readFile: virtual });
      expect(resolved.env).toEqual({ DB_PWD: 'hunter2' });
      expect(reads).toBe(1);
      // Without the options it was parsed with: the default reader would find no /virtual/secrets.env.
      expect(parseJobConfig(resolved)).toBe(resolved);
      expect(safeParseJobConfig(resolved, { readFile: () => { throw new Error('deleted'); } })).toEqual({ success: true, job: resolved });
      // A policy given now still applies, and still reads nothing.
      expect(parseJobConfig(resolved, { policy: STRICT_POLICY, readFile: virtual })).toEqual(resolved);
      expect(reads).toBe(1);
    });

    it('still checks a policy on a resolved job given again', () => {
      const resolved = job({ privileged: true, envFile: '/cfg/a.env' }, { readFile });
      expect(configError(resolved, { policy: STRICT_POLICY, readFile: () => { throw new Error('not read'); } }).issues.map((i) => i.path)).toEqual(['privileged']);
    });

    it('reads the env files of a copy of a resolved job again: a copy is a new configuration', () => {
      const resolved = job({ envFile: '/cfg/a.env' }, { readFile });
      expect(issueAt(issuesOf({ ...resolved, name: 'copy' }, { readFile: () => { throw Object.assign(new Error('gone'), { code: 'ENOENT' }); } }), 'envFile[0]').message).toBe('/cfg/a.env cannot be read (ENOENT)');
    });

    describe('from the file system', () => {
      let dir: string;
      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), 'docker-job-envfile-'));
        await writeFile(join(dir, 'job.env'), '\uFEFFDB_HOST=db.internal\r\nDB_PWD=hunter2\r\n');
      });
      afterAll(() => rm(dir, { recursive: true, force: true }));

      it('reads the named file with the default reader', () => {
        expect(job({ envFile: join(dir, 'job.env') }).env).toEqual({ DB_HOST: 'db.internal', DB_PWD: 'hunter2' });
        expect(issueAt(issuesOf({ envFile: join(dir, 'absent.env') }), 'envFile').message).toContain('cannot be read (ENOENT)');
      });
    });
  });

  describe('policy', () => {
    it('allows everything without a policy', () => {
      expect(job({ privileged: true, network: 'host', volumes: ['/var/run/docker.sock:/var/run/docker.sock'] }).privileged).toBe(true);
    });

    it('refuses dangerous options under the strict policy, each by its field', () => {
      const issues = issuesOf({ privileged: true, network: 'host', pidMode: 'host', capAdd: ['SYS_ADMIN'], volumes: ['/var/run/docker.sock:/var/run/docker.sock'] }, { policy: STRICT_POLICY });
      expect(issues.map((i) => i.path).sort()).toEqual(['capAdd[0]', 'network', 'pidMode', 'privileged', 'volumes[0]']);
      expect(issueAt(issues, 'privileged')).toEqual({ path: 'privileged', message: 'runs the job privileged, which this policy refuses', expected: 'no privileged option, or a policy that allows "privileged"' });
    });

    it('checks relative bind mounts after resolving them', () => {
      const issues = issuesOf({ volumes: ['./run/docker.sock:/s'] }, { baseDir: '/var', policy: STRICT_POLICY });
      expect(issueAt(issues, 'volumes[0]').message).toContain('/var/run/docker.sock');
    });

    it('confines bind mounts to the allowed host paths', () => {
      const policy = { allowedHostPaths: ['/srv/jobs'] };
      expect(job({ volumes: ['/srv/jobs/a:/a', 'cache:/c'] }, { policy }).volumes).toHaveLength(2);
      expect(issueAt(issuesOf({ volumes: ['/srv/jobs/../etc:/e'] }, { policy }), 'volumes[0]').message).toContain('outside the host paths this policy allows');
    });
  });

  describe('every issue at once', () => {
    it('reports policy refusals, env-file problems and memorySwap together with every other issue', () => {
      const readFile = () => new TextEncoder().encode('=nameless\n');
      const issues = issuesOf({ privileged: true, cpus: 'lots', memorySwap: '1g', envFile: '/x.env', volumes: ['/var/run/docker.sock:/s', 'rel:rel'] }, { policy: STRICT_POLICY, readFile });
      expect(issues.map((i) => i.path).sort()).toEqual(['cpus', 'envFile', 'memorySwap', 'privileged', 'volumes[0]', 'volumes[1]']);
      // memorySwap is judged against memory only when memory itself is valid.
      expect(issuesOf({ memory: 'lots', memorySwap: '1g' }).map((i) => i.path)).toEqual(['memory']);
    });

    it('reports every bad field of the schema in one error', () => {
      const error = configError({ image: '', env: { A: 1 }, volumes: ['/a:/a', 7], pull: 'no', stopTimeout: -1, bogus: true });
      expect([...new Set(error.issues.map((i) => i.path))].sort()).toEqual(['bogus', 'env.A', 'image', 'pull', 'stopTimeout', 'volumes[1]']);
      for (const issue of error.issues) expect(error.message).toContain(`${issue.path}: ${issue.message}`);
      expect(error.message).toContain(`(${error.issues.length} issues)`);
    });
  });

  describe('secrets in issues', () => {
    const secret = 'Xy9-s3cr3t-Qz';

    function expectNotEchoed(input: unknown, value: string, options?: ParseOptions): ConfigError {
      const error = configError(input, options);
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.issues)).not.toContain(value);
      return error;
    }

    it('does not echo a wrongly typed value of any field', () => {
      expect(expectNotEchoed({ image: 'x', env: { DB_PWD: 12345 } }, '12345').issues[0]?.path).toBe('env.DB_PWD');
      expectNotEchoed({ image: 'x', labels: { token: 987654321 } }, '987654321');
      for (const field of ['timeoutMs', 'stopTimeout', 'tty', 'pull', 'init', 'memory', 'privileged']) expectNotEchoed({ image: 'x', [field]: { secret } }, secret);
      expectNotEchoed({ image: 'x', command: { secret } }, secret);
      expectNotEchoed({ image: 'x', env: { TOKEN: [secret] } }, secret);
      expectNotEchoed({ image: 'x', password: secret }, secret);
    });

    it('masks the value of a secret-looking env variable wherever an issue quotes input', () => {
      const error = expectNotEchoed({ image: 'x', env: { DB_PASSWORD: secret }, volumes: [`/srv/${secret}:rel`], memory: `${secret}m` }, secret);
      expect(issueAt(error.issues, 'volumes[0]').message).toBe('has a container path "rel" that is not absolute');
      expect(issueAt(error.issues, 'memory').message).toBe('"***m" is not an amount of memory');
    });

    it('masks with the caller’s own secret words', () => {
      const error = configError({ image: 'x', env: { SENTRY_DSN: secret }, memory: secret }, { secretWords: ['dsn'] });
      expect(error.message).not.toContain(secret);
    });
  });

  describe('properties', () => {
    it('safeParseJobConfig never throws, for arbitrary input', () => {
      const anything = fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true, withDate: true, withUnicodeString: true });
      const fields = ['command', 'entrypoint', 'env', 'envFile', 'volumes', 'memory', 'memorySwap', 'cpus', 'gpus', 'labels', 'capAdd', 'extraHosts', 'stopSignal'];
      const objectWithImage = fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string()), anything).map((o) => ({ image: 'busybox', ...o }));
      fc.assert(
        fc.property(fc.oneof(anything, objectWithImage), (input) => {
          const result = safeParseJobConfig(input, { readFile: () => new Uint8Array() });
          if (!result.success) {
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) expect(typeof issue.path === 'string' && typeof issue.message === 'string').toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    });

    const word = fc.string({ unit: fc.constantFrom(...'abcxyz019_-.'), minLength: 1, maxLength: 8 });
    const validConfig = fc.record(
      {
        image: fc.string({ unit: fc.constantFrom(...'abc019'), maxLength: 8 }).map((w) => `img${w}:1`),
        command: fc.array(fc.string().map((s) => s.replaceAll('\0', ''))),
        env: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !/[=\0]/.test(k) && !['__proto__', 'constructor', 'prototype'].includes(k)), fc.string().map((s) => s.replaceAll('\0', ''))),
        volumes: fc.uniqueArray(word, { maxLength: 4 }).map((ws) => ws.map((w, i) => (i % 2 ? `/host${i}:/c/w${w}:ro` : { type: 'volume' as const, target: `/c/w${w}` }))),
        timeoutMs: fc.integer({ min: 1, max: 1e9 }),
        pull: fc.constantFrom('always' as const, 'missing' as const, 'never' as const),
        memory: fc.constantFrom('6m', '512m', '1.5g', 1_073_741_824),
        cpus: fc.oneof(fc.constantFrom('0.5', '2', '1.25'), fc.double({ min: 0, max: 64, noNaN: true })),
        gpus: fc.constantFrom('all', '2', '"device=0,1"', 'driver=nvidia,"capabilities=compute,utility"'),
        capAdd: fc.subarray(['net_admin', 'CHOWN', 'ALL', 'cap_sys_ptrace']),
        extraHosts: fc.subarray(['a:1.2.3.4', 'b=::1', 'c:[::2]', 'd:host-gateway']),
        stopSignal: fc.constantFrom('SIGTERM', 'int', '9'),
      },
      { requiredKeys: ['image'] },
    );

    it('parseJobConfig throws nothing but a ConfigError, with any options', () => {
      const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
      const fields = fc.dictionary(fc.constantFrom('image', 'volumes', 'envFile', 'memory', 'memorySwap', 'cpus', 'gpus', 'capAdd', 'privileged', 'network', 'command', 'env'), value);
      const options = fc.record({ baseDir: fc.constantFrom('/base', 'relative'), policy: fc.constantFrom(STRICT_POLICY, { allowedHostPaths: [] }) }, { requiredKeys: [] });
      fc.assert(
        fc.property(fields, options, (input, opts) => {
          try {
            parseJobConfig(input, { ...opts, readFile: () => new TextEncoder().encode('A=1\n=x\n') });
          } catch (error) {
            expect(isConfigError(error)).toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('types a resolved job as a valid config, so it can be passed on as one', () => {
      expectTypeOf<ResolvedJob>().toExtend<JobConfig>();
    });

    it('accepts generated valid configs, and a resolved job parses to itself', () => {
      fc.assert(
        fc.property(validConfig, (input) => {
          const first = safeParseJobConfig(input);
          if (!first.success) throw new Error(JSON.stringify(first.issues));
          expect(first.job.image).toBe(input.image);
          expect(first.job.env).toEqual(input.env ?? {});
          expect(parseJobConfig(first.job)).toBe(first.job);
          // A copy is parsed as a new configuration, to the same job.
          expect(parseJobConfig({ ...first.job })).toEqual(first.job);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('isResolvedJob', () => {
  const config = { image: 'x:1', command: ['echo', 'hi'], env: { A: '1' }, volumes: ['/srv/in:/in:ro'], gpus: { count: 1, options: { o: 'v' } }, labels: { team: 'data' }, logOptions: { 'max-size': '1m' } };

  it('knows the jobs parseJobConfig, safeParseJobConfig and configFromEnv resolved, and nothing else', () => {
    const resolved = parseJobConfig(config);
    expect(isResolvedJob(resolved)).toBe(true);
    const safe = safeParseJobConfig(config);
    expect(safe.success && isResolvedJob(safe.job)).toBe(true);
    expect(isResolvedJob(configFromEnv({ IMAGE: 'x:1' }))).toBe(true);
    for (const other of [{ ...resolved }, JSON.parse(JSON.stringify(resolved)), structuredClone(resolved), v.parse(JobConfigSchema, config), config, null, undefined, 'x:1']) {
      expect(isResolvedJob(other)).toBe(false);
    }
  });

  it('freezes a resolved job all the way down, so it stays valid', () => {
    const resolved = parseJobConfig(config);
    const parts: unknown[] = [resolved, resolved.env, resolved.labels, resolved.command, resolved.volumes, resolved.volumes[0], resolved.gpus, resolved.gpus?.[0], resolved.gpus?.[0]?.options, resolved.gpus?.[0]?.capabilities, resolved.logOptions];
    for (const part of parts) expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (resolved as { memory?: number }).memory = 1;
    }).toThrow(TypeError);
    expect(() => (resolved.command as string[]).push('rm -rf /')).toThrow(TypeError);
    expect(() => {
      (resolved.env as Record<string, string>)['B'] = '2';
    }).toThrow(TypeError);
  });

  it('never freezes what the caller passed in', () => {
    const command = ['echo', 'hi'];
    const env = { A: '1' };
    parseJobConfig({ image: 'x:1', command, env });
    command.push('again');
    env.A = '2';
    expect([Object.isFrozen(command), Object.isFrozen(env)]).toEqual([false, false]);
  });
});

describe('removesContainer', () => {
  it('removes always, on success only, or never', () => {
    expect([removesContainer('always', true), removesContainer('always', false)]).toEqual([true, true]);
    expect([removesContainer('on-success', true), removesContainer('on-success', false)]).toEqual([true, false]);
    expect([removesContainer('never', true), removesContainer('never', false)]).toEqual([false, false]);
  });
});
