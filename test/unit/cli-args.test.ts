import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/cli/args.js';

describe('parseCliArgs', () => {
  it('runs the job from the environment by default, raw logs, no sweep', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', envFiles: [], dryRun: false, json: false, logFormat: 'raw', sweep: false, policy: undefined });
    expect(parseCliArgs(['run'])).toMatchObject({ kind: 'run' });
  });

  it('reads every run option, repeated env files in order', () => {
    expect(parseCliArgs(['--env-file', 'a.env', '--env-file=b.env', '--log-format', 'json', '--sweep'])).toEqual({
      kind: 'run',
      envFiles: ['a.env', 'b.env'],
      dryRun: false,
      json: false,
      logFormat: 'json',
      sweep: true,
      policy: undefined,
    });
    expect(parseCliArgs(['--dry-run', '--json'])).toMatchObject({ kind: 'run', dryRun: true, json: true });
  });

  it('builds the operator’s policy from --strict, --allow and --allow-host-path', () => {
    expect(parseCliArgs(['--strict'])).toMatchObject({ policy: { allow: [] } });
    expect(parseCliArgs(['--strict', '--allow', 'host-network', '--allow-host-path', '/srv/jobs'])).toMatchObject({
      policy: { allow: ['host-network'], allowedHostPaths: ['/srv/jobs'] },
    });
    expect(() => parseCliArgs(['--allow', 'privileged'])).toThrow('add --strict');
    expect(() => parseCliArgs(['--strict', '--allow', 'everything'])).toThrow('--allow "everything" is not one of privileged');
  });

  it('reads help and version, long and short, before anything else', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h', '--sweep'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-V'])).toEqual({ kind: 'version' });
  });

  it('reads the sweep command', () => {
    expect(parseCliArgs(['sweep'])).toEqual({ kind: 'sweep', dryRun: false, json: false, graceSeconds: undefined, labels: undefined });
    expect(parseCliArgs(['sweep', '--grace', '0', '--label', 'team=data', '--dry-run', '--json'])).toEqual({ kind: 'sweep', dryRun: true, json: true, graceSeconds: 0, labels: { team: 'data' } });
  });

  it('maps build flags one to one onto packageImage options, repeated ones in order', () => {
    const command = parseCliArgs([
      'build', '--base-image', 'busybox:1.36', '--install', 'apk add curl', '--install', 'echo ok', '--copy', 'etl:/app', '--env', 'MODE=nightly',
      '--env', 'EMPTY=', '-t', 'etl:1', '--tag', 'etl:latest', '--build-arg', 'V=1', '--label', 'team=data', '--no-cache', '--push', 'localhost:5000/team',
      '--push-tag', '1', '--cmd', 'python -m etl', '--manifest', 'out.json',
    ]);
    expect(command).toEqual({
      kind: 'build',
      manifest: 'out.json',
      options: {
        baseImage: 'busybox:1.36', install: ['apk add curl', 'echo ok'], files: ['etl:/app'], env: { MODE: 'nightly', EMPTY: '' }, tags: ['etl:1', 'etl:latest'],
        buildArgs: { V: '1' }, labels: { team: 'data' }, noCache: true, registry: 'localhost:5000/team', pushTags: ['1'], command: 'python -m etl',
      },
    });
    expect(parseCliArgs(['build', '--context', '.', '-f', 'docker/Dockerfile', '--target', 'final'])).toEqual({
      kind: 'build',
      manifest: undefined,
      options: { context: '.', dockerfile: 'docker/Dockerfile', target: 'final' },
    });
  });

  it('reads push: one image, the registry and tags', () => {
    expect(parseCliArgs(['push', 'etl:1', '--registry', 'localhost:5000/team', '--push-tag', '1', '--push-tag', 'stable'])).toEqual({
      kind: 'push',
      image: 'etl:1',
      options: { registry: 'localhost:5000/team', pushTags: ['1', 'stable'] },
    });
  });

  it.each([
    [['build', '--build-arg', 'NOVALUE'], '--build-arg "NOVALUE" is not KEY=VALUE'],
    [['build', 'extra'], "Unexpected argument 'extra'"],
    [['push'], 'push takes one image, got none'],
    [['push', 'a', 'b'], 'push takes one image, got a b'],
    [['--log-format', 'xml'], '--log-format must be one of raw, pretty, json, not "xml"'],
    [['--nope'], "Unknown option '--nope'"],
    [['--env-file'], "Option '--env-file <value>' argument missing"],
    [['python', 'main.py'], 'unexpected argument "python": the job is configured by the environment'],
    [['run', 'x'], 'unexpected argument "x"'],
    [['--json'], '--json applies to --dry-run and sweep'],
    [['sweep', '--log-format', 'json'], '--log-format does not apply to sweep'],
    [['sweep', '--grace', '1.5'], '--grace must be a whole number of seconds'],
    [['--grace', '5'], '--grace applies to the sweep command'],
  ])('refuses %j, saying why', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
