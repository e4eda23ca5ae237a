import { describe, expect, it } from 'vitest';
import { BuildContextError, isBuildContextError } from '../../src/errors/build-context-error.js';
import { BuildError, isBuildError } from '../../src/errors/build-error.js';
import * as api from '../../src/index.js';
import { DockerJobError } from '../../src/errors/docker-job-error.js';
import { isEngineError } from '../../src/errors/engine-error.js';
import { isPushError, PushError } from '../../src/errors/push-error.js';

describe('BuildError', () => {
  it('names the image, the failing step, the engine and its message; keeps the details', () => {
    const cause = new Error('stream');
    const error = new BuildError({
      image: 'etl:1',
      reason: "The command '/bin/sh -c make' returned a non-zero code: 2",
      step: { number: 3, total: 5, instruction: 'RUN make' },
      exitCode: 2,
      output: ['make: *** Error 2'],
      engine: 'unix:///var/run/docker.sock',
      cause,
    });
    expect(error.message).toBe("Build of etl:1 failed at Step 3/5 : RUN make on unix:///var/run/docker.sock: The command '/bin/sh -c make' returned a non-zero code: 2");
    expect(error).toMatchObject({ code: 'BUILD', name: 'BuildError', exitCode: 2, output: ['make: *** Error 2'], cause });
    expect(error).toBeInstanceOf(DockerJobError);
    expect(isBuildError(error)).toBe(true);
    expect(isPushError(error) || isEngineError(error)).toBe(false);
  });

  it('reads without a step when the build failed before one', () => {
    const error = new BuildError({ image: 'an image', reason: 'dockerfile parse error line 2: unknown instruction: FOO', statusCode: 400 });
    expect(error.message).toBe('Build of an image failed: dockerfile parse error line 2: unknown instruction: FOO');
    expect(error.output).toEqual([]);
    expect(error.step).toBeUndefined();
  });
});

describe('BuildContextError', () => {
  it('says what could not be packed; is a DockerJobError with its own code and guard, exported', () => {
    const cause = Object.assign(new Error('EACCES'), { code: 'EACCES' });
    const error = new BuildContextError({ reason: 'cannot read /srv/app/key.pem (EACCES)', path: '/srv/app/key.pem', cause });
    expect(error.message).toBe('Cannot pack the build context: cannot read /srv/app/key.pem (EACCES)');
    expect(error).toMatchObject({ code: 'BUILD_CONTEXT', name: 'BuildContextError', path: '/srv/app/key.pem', reason: 'cannot read /srv/app/key.pem (EACCES)', cause });
    expect(error).toBeInstanceOf(DockerJobError);
    expect(isBuildContextError(error)).toBe(true);
    expect(isBuildError(error) || isPushError(error) || isEngineError(error)).toBe(false);
    expect(isBuildContextError(new BuildError({ image: 'x', reason: 'y' }))).toBe(false);
    expect(new BuildContextError({ reason: 'r' }).path).toBeUndefined();
    expect(api.BuildContextError).toBe(BuildContextError);
    expect(api.isBuildContextError).toBe(isBuildContextError);
  });

  it('is recognised across copies of the package by its code', () => {
    const foreign = Object.defineProperties(new Error('from another copy'), { [Symbol.for('docker-job.error')]: { value: true }, code: { value: 'BUILD_CONTEXT' } });
    expect(isBuildContextError(foreign)).toBe(true);
  });
});

describe('PushError', () => {
  it('names the image, the registry and where the credentials came from', () => {
    const error = new PushError({ image: 'r:5000/app:1', registry: 'r:5000', reason: 'unauthorized: authentication required', credentials: 'none sent' });
    expect(error.message).toBe('Push of r:5000/app:1 to r:5000 failed: unauthorized: authentication required (credentials: none sent)');
    expect(error).toMatchObject({ code: 'PUSH', name: 'PushError', registry: 'r:5000' });
    expect(isPushError(error)).toBe(true);
    expect(isBuildError(error)).toBe(false);
  });
});
