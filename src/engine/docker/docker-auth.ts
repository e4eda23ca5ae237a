/**
 * Registry credentials at the Docker adapter's edge: where the user's Docker config is (read from
 * the process environment here, and nowhere below), and our {@link RegistryAuth} turned into the
 * engine's `authconfig` (sent as the `X-Registry-Auth` header).
 */
import { homedir } from 'node:os';
import { dockerConfigDir } from '../../registry/docker-config.js';
import type { RegistryAuth, RegistryAuthOptions } from '../../registry/resolve-registry-auth.js';

/** The engine API's `AuthConfig` (`X-Registry-Auth`), field names as the engine spells them. */
export interface DockerAuthConfig {
  username?: string;
  password?: string;
  serveraddress: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Turns our {@link RegistryAuth} into the engine's `authconfig`. */
export function toDockerAuthConfig(auth: RegistryAuth): DockerAuthConfig {
  return {
    serveraddress: auth.serverAddress,
    ...(auth.username === undefined ? {} : { username: auth.username }),
    ...(auth.password === undefined ? {} : { password: auth.password }),
    ...(auth.identityToken === undefined ? {} : { identitytoken: auth.identityToken }),
    ...(auth.registryToken === undefined ? {} : { registrytoken: auth.registryToken }),
  };
}

/**
 * Where the docker CLI would look for credentials, from this process's environment:
 * `DOCKER_CONFIG` or `~/.docker`, and the environment credential helpers run in. The package's
 * entry points (`pushImage`, ...) use it when the caller does not say.
 */
export function registryAuthDefaults(env: NodeJS.ProcessEnv = process.env): Pick<RegistryAuthOptions, 'dockerConfigDir' | 'helperEnv'> {
  return { dockerConfigDir: dockerConfigDir(env, homedir()), helperEnv: env };
}
