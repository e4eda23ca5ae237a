import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/cli/args.js';

describe('parseCliArgs', () => {
  it('runs the job from the environment by default, raw logs, no sweep', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', envFiles: [], dryRun: false, json: false, logFormat: 'raw', sweep: false });
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
    });
    expect(parseCliArgs(['--dry-run', '--json'])).toMatchObject({ kind: 'run', dryRun: true, json: true });
  });

  it('reads help and version, long and short, before anything else', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h', '--sweep'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-V'])).toEqual({ kind: 'version' });
  });

  it('reads the sweep command', () => {
    expect(parseCliArgs(['sweep'])).toEqual({ kind: 'sweep', dryRun: false, json: false, graceSeconds: undefined });
    expect(parseCliArgs(['sweep', '--grace', '0', '--dry-run', '--json'])).toEqual({ kind: 'sweep', dryRun: true, json: true, graceSeconds: 0 });
  });

  it.each([
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
