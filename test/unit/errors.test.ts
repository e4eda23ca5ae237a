import { describe, it, expect } from 'vitest';
import { ConfigError, isConfigError, type ConfigIssue } from '../../src/errors/config-error.js';
import { DockerJobError, isDockerJobError } from '../../src/errors/docker-job-error.js';
import { EngineError, isEngineError } from '../../src/errors/engine-error.js';
import * as api from '../../src/index.js';

/** An error that looks like one from another copy of the package: same symbol, different class. */
function foreignError(code: string): Error {
  const error = new Error('from another copy');
  Object.defineProperty(error, Symbol.for('docker-job.error'), { value: true });
  Object.defineProperty(error, 'code', { value: code });
  return error;
}

describe('ConfigError', () => {
  it('lists a single issue on one line, with what was expected', () => {
    const error = new ConfigError([{ path: 'image', message: 'is not set', expected: 'an image' }]);
    expect(error.message).toBe('Invalid job configuration: image: is not set (expected an image)');
  });

  it('lists every issue, counted, one per line, in the order given', () => {
    const issues: ConfigIssue[] = [
      { path: 'IMAGE', message: 'is not set' },
      { path: 'volumes[1]', message: 'is bad', expected: 'a spec' },
      { path: 'env.DB_HOST', message: 'must be a string' },
    ];
    const error = new ConfigError(issues);
    expect(error.message).toBe(
      'Invalid job configuration (3 issues):\n' +
        '  - IMAGE: is not set\n' +
        '  - volumes[1]: is bad (expected a spec)\n' +
        '  - env.DB_HOST: must be a string',
    );
    expect(error.issues).toEqual(issues);
  });

  it('is a DockerJobError and an Error with code CONFIG and name ConfigError', () => {
    const error = new ConfigError([{ path: 'x', message: 'y' }]);
    expect(error).toBeInstanceOf(DockerJobError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('CONFIG');
    expect(error.name).toBe('ConfigError');
    expect(error.stack).toContain('ConfigError');
  });

  it('keeps a cause', () => {
    const cause = new Error('root');
    expect(new ConfigError([{ path: 'x', message: 'y' }], { cause }).cause).toBe(cause);
  });
});

describe('EngineError', () => {
  it('names the operation, the engine, the HTTP status, the reason and the hint', () => {
    const cause = new Error('socket');
    const error = new EngineError({
      operation: 'create container',
      engine: 'unix:///var/run/docker.sock',
      engineName: 'Docker engine',
      statusCode: 404,
      reason: 'No such image: nope:latest',
      hint: 'Pull the image first',
      cause,
    });
    expect(error.message).toBe(
      'Docker engine at unix:///var/run/docker.sock failed to create container [HTTP 404]: No such image: nope:latest. Pull the image first',
    );
    expect(error.code).toBe('ENGINE');
    expect(error.name).toBe('EngineError');
    expect(error.operation).toBe('create container');
    expect(error.engine).toBe('unix:///var/run/docker.sock');
    expect(error.statusCode).toBe(404);
    expect(error.reason).toBe('No such image: nope:latest');
    expect(error.cause).toBe(cause);
  });

  it('reports an unreachable engine with its own code and wording', () => {
    const error = new EngineError({ operation: 'ping', engine: 'tcp://10.0.0.1:2375', engineName: 'Docker engine', unreachable: true });
    expect(error.code).toBe('ENGINE_UNREACHABLE');
    expect(error.message).toBe('Cannot reach the Docker engine at tcp://10.0.0.1:2375 (ping)');
    expect(error.statusCode).toBeUndefined();
    expect(error.reason).toBeUndefined();
  });
});

describe('type guards', () => {
  const config = new ConfigError([{ path: 'x', message: 'y' }]);
  const engine = new EngineError({ operation: 'start container', engine: 'e' });
  const unreachable = new EngineError({ operation: 'ping', engine: 'e', unreachable: true });
  const base = new DockerJobError('OUTPUT', 'output broke');

  it('isDockerJobError is true for every docker-job error', () => {
    for (const e of [config, engine, unreachable, base]) expect(isDockerJobError(e)).toBe(true);
  });

  it('isConfigError is true only for configuration errors', () => {
    expect(isConfigError(config)).toBe(true);
    for (const e of [engine, unreachable, base]) expect(isConfigError(e)).toBe(false);
  });

  it('isEngineError is true for engine and unreachable-engine errors only', () => {
    expect(isEngineError(engine)).toBe(true);
    expect(isEngineError(unreachable)).toBe(true);
    for (const e of [config, base]) expect(isEngineError(e)).toBe(false);
  });

  it('are false for ordinary errors and non-errors', () => {
    const lookalike = Object.assign(new Error('x'), { code: 'CONFIG' });
    for (const v of [new Error('x'), lookalike, null, undefined, 'CONFIG', 42, {}, { code: 'ENGINE' }]) {
      expect(isDockerJobError(v)).toBe(false);
      expect(isConfigError(v)).toBe(false);
      expect(isEngineError(v)).toBe(false);
    }
  });

  it('are false when the brand is present but not true', () => {
    const error = new Error('x');
    Object.defineProperty(error, Symbol.for('docker-job.error'), { value: 'yes' });
    Object.defineProperty(error, 'code', { value: 'CONFIG' });
    expect(isDockerJobError(error)).toBe(false);
    expect(isConfigError(error)).toBe(false);
  });

  it('recognise an error from another copy of the package by its registered symbol', () => {
    const foreignConfig = foreignError('CONFIG');
    expect(foreignConfig).not.toBeInstanceOf(DockerJobError);
    expect(isDockerJobError(foreignConfig)).toBe(true);
    expect(isConfigError(foreignConfig)).toBe(true);
    expect(isEngineError(foreignConfig)).toBe(false);

    const foreignEngine = foreignError('ENGINE_UNREACHABLE');
    expect(isEngineError(foreignEngine)).toBe(true);
    expect(isConfigError(foreignEngine)).toBe(false);
  });

  it('does not expose the brand as an enumerable property', () => {
    expect(Object.getOwnPropertySymbols(config)).toContain(Symbol.for('docker-job.error'));
    expect(Object.keys(config)).not.toContain('docker-job.error');
    expect(Object.prototype.propertyIsEnumerable.call(config, Symbol.for('docker-job.error'))).toBe(false);
  });
});

describe('public API', () => {
  it('exports the error classes and guards from the package entry point', () => {
    expect(api.ConfigError).toBe(ConfigError);
    expect(api.EngineError).toBe(EngineError);
    expect(api.DockerJobError).toBe(DockerJobError);
    expect(api.isConfigError).toBe(isConfigError);
    expect(api.isEngineError).toBe(isEngineError);
    expect(api.isDockerJobError).toBe(isDockerJobError);
  });
});
