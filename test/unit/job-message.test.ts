import { describe, it, expect } from 'vitest';
import { describeJobResult, type JobMessageInput } from '../../src/run/job-message.js';

const base: JobMessageInput = {
  name: 'etl-users',
  image: 'busybox',
  containerId: '0123456789abcdef',
  exitCode: 0,
  failed: false,
  timedOut: false,
  canceled: false,
  oomKilled: false,
  durationMs: 1234,
  tail: { stdout: ['rows loaded: 42'], stderr: [], merged: [] },
  sinkFailures: [],
};

describe('describeJobResult', () => {
  it('says a successful job exited, in one line, without its output', () => {
    expect(describeJobResult(base)).toBe('Job etl-users (busybox, container 0123456789ab) exited with code 0 in 1.2 s');
  });

  it('names an unnamed job by its image', () => {
    expect(describeJobResult({ ...base, name: undefined, durationMs: 87 })).toBe('Job busybox (container 0123456789ab) exited with code 0 in 87 ms');
  });

  it('follows a failure with the tail of stderr, then of stdout, as execa does', () => {
    const message = describeJobResult({
      ...base,
      exitCode: 3,
      failed: true,
      tail: { stdout: ['loading users', 'loading orders'], stderr: ['Traceback (most recent call last):', 'ValueError: bad date'], merged: [] },
    });
    expect(message).toBe(
      [
        'Job etl-users (busybox, container 0123456789ab) failed with exit code 3 after 1.2 s',
        'stderr (last 2 lines):\nTraceback (most recent call last):\nValueError: bad date',
        'stdout (last 2 lines):\nloading users\nloading orders',
      ].join('\n\n'),
    );
  });

  it('leaves out an empty stream and says "line" for one', () => {
    const message = describeJobResult({ ...base, exitCode: 1, failed: true, tail: { stdout: [], stderr: ['boom'], merged: [] } });
    expect(message).toBe('Job etl-users (busybox, container 0123456789ab) failed with exit code 1 after 1.2 s\n\nstderr (last line):\nboom');
  });

  it('says why a job was stopped or could not start', () => {
    const tail = { stdout: [], stderr: [], merged: [] };
    expect(describeJobResult({ ...base, tail, exitCode: 137, failed: true, timedOut: true, timeoutMs: 500 })).toMatch(/^Job etl-users .* timed out after 500 ms and was stopped: exit code 137$/);
    expect(describeJobResult({ ...base, tail, exitCode: 137, failed: true, canceled: true })).toMatch(/was canceled after 1\.2 s and stopped: exit code 137$/);
    expect(describeJobResult({ ...base, tail, exitCode: 137, failed: true, oomKilled: true })).toMatch(/was killed for exceeding its memory limit after 1\.2 s: exit code 137$/);
    expect(describeJobResult({ ...base, tail, exitCode: 127, failed: true, startError: 'exec: "nope": executable file not found' })).toMatch(
      /could not start \(exit code 127\): exec: "nope": executable file not found$/,
    );
  });

  it('names the sinks that failed, whatever the outcome', () => {
    const message = describeJobResult({ ...base, sinkFailures: [{ index: 1, sink: 'JsonLinesSink', during: 'open', error: new Error("ENOENT: no such file or directory, open '/x/y'") }] });
    expect(message).toBe(
      "Job etl-users (busybox, container 0123456789ab) exited with code 0 in 1.2 s\n\n1 sink failed and was detached:\n- JsonLinesSink (sink 1, during open): ENOENT: no such file or directory, open '/x/y'",
    );
  });
});
