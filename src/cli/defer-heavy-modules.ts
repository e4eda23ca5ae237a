import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Defers the two heaviest modules dockerode loads when it is imported, which the CLI rarely needs:
 * docker-modem's SSH agent (it loads ssh2; needed only for `DOCKER_HOST=ssh://...`) and dockerode's
 * BuildKit session (it loads gRPC; needed only for BuildKit builds, which docker-job does not use).
 * Together they are about 100 ms of every `docker-job` start (measured: bench/cli.mjs).
 *
 * Each module exports one function that its importer calls only when that feature is used, so it
 * is put in the require cache as a function that loads the real module on its first call and
 * hands the call on. For the CLI's entry only: a library must not change its host's module cache.
 * If a later version of dockerode moves or changes these files, nothing is deferred.
 */
export function deferHeavyDockerodeModules(): void {
  try {
    const fromHere = createRequire(import.meta.url);
    const dockerode = fromHere.resolve('dockerode');
    const modem = createRequire(dockerode).resolve('docker-modem');
    defer(join(dirname(modem), 'ssh.js'));
    defer(join(dirname(dockerode), 'session.js'));
  } catch {
    // dockerode not where we expect it: load everything as usual.
  }
}

function defer(path: string): void {
  const require = createRequire(path);
  if (!existsSync(path) || require.cache[path] !== undefined) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = function loadOnFirstCall(this: unknown, ...args: unknown[]): unknown {
    if (require.cache[path] === stub) delete require.cache[path];
    const real = require(path) as (...a: unknown[]) => unknown;
    return real.apply(this, args);
  };
  require.cache[path] = stub;
}
