import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// In a process of its own: the test must start with an empty module cache, as the CLI does.
const script = `
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const { deferHeavyDockerodeModules } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/cli/defer-heavy-modules.ts', import.meta.url)))});
if (process.argv.at(-1) === 'defer') deferHeavyDockerodeModules();
const require = createRequire(import.meta.url);
const heavy = () => Object.keys(require.cache).filter((k) => /node_modules\\/(ssh2|@grpc\\/grpc-js)\\//.test(k)).length;
const Docker = require('dockerode');
const loadedAtImport = heavy();
// The SSH agent, as docker-modem builds it for an ssh:// engine (no connection is made yet).
const modem = new Docker({ protocol: 'ssh', host: 'example.invalid', username: 'me' }).modem;
const agent = modem.getAgent ? modem.getAgent() : require(join(dirname(require.resolve('docker-modem')), 'ssh.js'))({ host: 'example.invalid' });
console.log(JSON.stringify({ loadedAtImport, agent: typeof agent.createConnection, loadedAfterUse: heavy() > 0 }));
`;

function probe(mode: 'defer' | 'plain') {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, '--', mode], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
  return JSON.parse(out) as { loadedAtImport: number; agent: string; loadedAfterUse: boolean };
}

describe('deferHeavyDockerodeModules', () => {
  it('keeps ssh2 and gRPC out of a dockerode import, and still loads them on first use', () => {
    expect(probe('plain').loadedAtImport).toBeGreaterThan(0);
    const deferred = probe('defer');
    expect(deferred.loadedAtImport).toBe(0);
    expect(deferred.agent).toBe('function');
    expect(deferred.loadedAfterUse).toBe(true);
  });
});
