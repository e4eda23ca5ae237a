import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** scripts/docker-engine.sh, the script that installs and starts engines. */
export const ENGINE_SCRIPT = fileURLToPath(new URL('../../scripts/docker-engine.sh', import.meta.url));

/** What one run of the engine script did. */
export interface EngineScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the run, in milliseconds. */
  readonly ms: number;
}

/**
 * Runs `bash scripts/docker-engine.sh <command>` with exactly this environment (nothing of the
 * test process's is added: DOCKER_HOST of the default engine would contradict another engine's).
 */
export function runEngineScript(command: string, env: Readonly<Record<string, string | undefined>>): Promise<EngineScriptRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [ENGINE_SCRIPT, command], { env: definedOnly(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The KEY=value lines `docker-engine.sh env` prints. */
export function parseEngineEnv(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return vars;
}

/** The process environment without the variables that choose an engine. */
export function envWithoutEngine(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) if (key === 'DOCKER_HOST' || key.startsWith('TEST_ENGINE')) delete env[key];
  return env;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
