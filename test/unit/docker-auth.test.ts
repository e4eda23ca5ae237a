import { describe, expect, it } from 'vitest';
import { registryAuthDefaults, toDockerAuthConfig } from '../../src/engine/docker/docker-auth.js';
import { DockerJobError, isDockerJobError } from '../../src/errors/docker-job-error.js';
import { isRegistryAuthError, RegistryAuthError } from '../../src/errors/registry-auth-error.js';
import { resolveRegistryAuth } from '../../src/registry/resolve-registry-auth.js';

describe('toDockerAuthConfig', () => {
  it('spells our credentials the way the engine’s X-Registry-Auth does, leaving out what is unset', async () => {
    const auth = await resolveRegistryAuth('localhost:5000', { credentials: { username: 'ci', password: 'pw' } });
    expect(toDockerAuthConfig(auth!)).toEqual({ serveraddress: 'localhost:5000', username: 'ci', password: 'pw' });
    const token = await resolveRegistryAuth('docker.io', { credentials: { identityToken: 't', registryToken: 'r' } });
    expect(toDockerAuthConfig(token!)).toEqual({ serveraddress: 'https://index.docker.io/v1/', identitytoken: 't', registrytoken: 'r' });
  });
});

describe('registryAuthDefaults', () => {
  it('reads DOCKER_CONFIG from the environment it is given and hands that environment to helpers', () => {
    const env = { DOCKER_CONFIG: '/ci/docker', PATH: '/opt/bin' };
    expect(registryAuthDefaults(env)).toEqual({ dockerConfigDir: '/ci/docker', helperEnv: env });
  });
});

describe('RegistryAuthError', () => {
  it('names the registry and the source, keeps the cause, and is recognised by its guard', () => {
    const cause = new Error('ENOENT');
    const error = new RegistryAuthError({ registry: 'localhost:5000', source: '/x/config.json', reason: 'it is not valid JSON', cause });
    expect(error.message).toBe('Cannot read the credentials for registry localhost:5000 from /x/config.json: it is not valid JSON');
    expect(error).toBeInstanceOf(DockerJobError);
    expect(error).toMatchObject({ code: 'REGISTRY_AUTH', name: 'RegistryAuthError', registry: 'localhost:5000', source: '/x/config.json', cause });
    expect(isRegistryAuthError(error)).toBe(true);
    expect(isDockerJobError(error)).toBe(true);
    expect(isRegistryAuthError(new Error('x'))).toBe(false);
  });
});
