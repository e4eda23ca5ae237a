/**
 * Differential tests: the same input given to the docker CLI and to docker-job must make the engine
 * record the same container. Each case creates one container with `docker create` and one with
 * docker-job (parse → toJobSpec → DockerEngine.createJob), inspects both with `docker inspect`, and
 * compares what matters; where docker refuses an input, docker-job must refuse it too, with its
 * own message. Containers are created with network none and never started; all are removed.
 *
 * The corpus lives in test/fixtures/differential/.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatVolumeSpec, parseVolumeSpec } from '../../src/core/volumes.js';
import { createDockerEngine, isEngineError, LABELS, OWNER, safeParseJobConfig, type ParseOptions } from '../../src/index.js';
import { toJobSpec } from '../../src/run/job-spec.js';
import { expectNoContainersLeft, SUITE_LABEL, suiteLabels } from '../support/engine.js';

const execFileAsync = promisify(execFile);
const fixtures = new URL('../fixtures/differential/', import.meta.url);
const engine = createDockerEngine();
const image = inject('fixtureImage');
const labels = suiteLabels('config-differential');
/** The CLI's containers carry the owner label too, so the global teardown would catch a leak. */
const labelFlags = Object.entries({ ...labels, [LABELS.owner]: OWNER }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
/** Prefix of every named volume this suite makes, so it can remove them all. */
const volumePrefix = `djt-diff-${randomUUID().slice(0, 8)}`;

interface Inspect {
  Id: string;
  Platform: string;
  Config: Record<string, unknown> & { Env?: string[]; Labels?: Record<string, string>; Volumes?: Record<string, object> | null };
  HostConfig: Record<string, unknown> & { Binds?: string[] | null };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; Driver?: string; Mode: string; RW: boolean; Propagation: string }[];
}

/** What one side did with an input: the container it created, or how it refused. */
type Outcome = { created: Inspect } | { refused: string };

/** The docker CLI's environment: only what it needs, so bare env-file names look up nothing else. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])), ...extra };
}

async function docker(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('docker', args, { cwd: options.cwd, env: options.env ?? cliEnv(), maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, stdout: stdout.trim(), stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
  }
}

async function inspectContainer(id: string): Promise<Inspect> {
  const result = await docker(['inspect', id]);
  if (!result.ok) throw new Error(`docker inspect ${id}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Inspect[])[0] as Inspect;
}

async function removeContainer(id: string): Promise<void> {
  await engine.removeJob(id);
}

/** `docker create` with the given arguments; the container is inspected and removed. */
async function viaCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  const result = await docker(['create', '--network', 'none', ...labelFlags, ...args], options);
  if (!result.ok) return { refused: result.stderr.trim() };
  try {
    return { created: await inspectContainer(result.stdout.split('\n').at(-1) as string) };
  } finally {
    await removeContainer(result.stdout.split('\n').at(-1) as string);
  }
}

/** The same job through docker-job: parsed, turned into an engine spec, created; inspected and removed. */
async function viaDockerJob(config: Record<string, unknown>, options: ParseOptions = {}): Promise<Outcome> {
  const parsed = safeParseJobConfig({ image, network: 'none', labels, ...config }, options);
  if (!parsed.success) return { refused: parsed.issues.map((i) => `${i.path}: ${i.message}`).join('\n') };
  let id: string;
  try {
    id = (await engine.createJob(toJobSpec(parsed.job))).id;
  } catch (error) {
    if (isEngineError(error)) return { refused: `engine: ${error.message}` };
    throw error;
  }
  try {
    return { created: await inspectContainer(id) };
  } finally {
    await removeContainer(id);
  }
}

function created(outcome: Outcome, side: string): Inspect {
  if ('refused' in outcome) throw new Error(`${side} refused: ${outcome.refused}`);
  return outcome.created;
}

function refused(outcome: Outcome, side: string): string {
  if ('created' in outcome) throw new Error(`${side} accepted it, creating ${outcome.created.Id.slice(0, 12)}`);
  return outcome.refused;
}

/** `a,b` → `a,b` sorted, for the one case where docker and docker-job may write options in different orders. */
const sortOptions = (mode: string) => mode.split(',').filter((o) => o !== '').sort().join(',');

/** What the engine recorded about a container's volumes, with the random names of anonymous volumes blanked. */
function volumeView(info: Inspect, sortModes: boolean) {
  const mode = (m: string) => (sortModes ? sortOptions(m) : m);
  return {
    binds: (info.HostConfig.Binds ?? [])
      .map((bind) => {
        const parts = bind.split(':');
        return parts.length === 3 ? `${parts[0]}:${parts[1]}:${mode(parts[2] as string)}` : bind;
      })
      .sort(),
    volumes: Object.keys(info.Config.Volumes ?? {}).sort(),
    mounts: info.Mounts.map((m) => {
      const anonymous = m.Type === 'volume' && /^[0-9a-f]{64}$/.test(m.Name ?? '');
      return { ...m, Mode: mode(m.Mode), ...(anonymous ? { Name: '<anonymous>', Source: '<anonymous>' } : {}) };
    }).sort((a, b) => a.Destination.localeCompare(b.Destination)),
  };
}

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'docker-job-differential-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  const left = await docker(['volume', 'ls', '-q', '--filter', `name=${volumePrefix}`]);
  const names = left.stdout.split('\n').filter((n) => n !== '');
  if (names.length > 0) await docker(['volume', 'rm', '-f', ...names]);
  await expectNoContainersLeft(engine, labels);
  expect((await docker(['volume', 'ls', '-q', '--filter', `name=${volumePrefix}`])).stdout).toBe('');
});

interface VolumeCase {
  volumes: string[];
  note?: string;
  refused?: string;
  engineRefuses?: string;
  dockerAccepts?: string;
}

const volumeCases = (JSON.parse(readFileSync(new URL('volumes.json', fixtures), 'utf8')) as { cases: VolumeCase[] }).cases;

describe('volumes: docker run -v and docker-job agree', () => {
  it('has a corpus of at least 40 specs', () => {
    expect(volumeCases.flatMap((c) => c.volumes).length).toBeGreaterThanOrEqual(40);
  });

  it.each(volumeCases.map((c, i) => [JSON.stringify(c.volumes), c, i] as const))('%s', async (_name, testCase, index) => {
    const volume = `${volumePrefix}-${index}`;
    const specs = testCase.volumes.map((v) => v.replaceAll('{vol}', volume));
    try {
      const cli = await viaCli([...specs.flatMap((v) => ['-v', v]), image], { cwd: workDir });
      const ours = await viaDockerJob({ volumes: specs }, { baseDir: workDir });
      if (testCase.dockerAccepts !== undefined) {
        created(cli, 'docker');
        expect(refused(ours, 'docker-job')).toContain(testCase.refused);
      } else if (testCase.engineRefuses !== undefined) {
        refused(cli, 'docker');
        expect(refused(ours, 'docker-job')).toMatch(new RegExp(`^engine: .*${testCase.engineRefuses}`));
      } else if (testCase.refused !== undefined) {
        refused(cli, 'docker');
        const message = refused(ours, 'docker-job');
        expect(message).toContain(testCase.refused);
        expect(message).toMatch(/^volumes\[\d\]: /);
      } else {
        // docker keeps options in the order written; docker-job writes them in one order. Only
        // for specs written in another order is the order of options left out of the comparison.
        const reordered = specs.some((s) => {
          const parsed = parseVolumeSpec(s);
          return parsed.ok && formatVolumeSpec(parsed.value).split(':').at(-1) !== s.split(':').at(-1);
        });
        expect(volumeView(created(ours, 'docker-job'), reordered)).toEqual(volumeView(created(cli, 'docker'), reordered));
      }
    } finally {
      await docker(['volume', 'rm', '-f', volume, `${volume}_A.b-9`]);
    }
  });
});

interface EnvFileExpectation {
  refused?: string;
  dockerAccepts?: string;
  note?: string;
}

const envManifest = JSON.parse(readFileSync(new URL('env-files.json', fixtures), 'utf8')) as { lookupEnv: Record<string, string>; files: Record<string, EnvFileExpectation> };
const envFiles = readdirSync(new URL('env-files/', fixtures)).filter((f) => f.endsWith('.env')).sort();
/** Lines at docker's limit: a line (its `\r` included) may hold 65535 bytes. */
const generatedEnvFiles: Record<string, { text: string; refused?: string }> = {
  'line-65535-bytes.env': { text: `L=${'x'.repeat(65_533)}\n` },
  'line-65536-bytes.env': { text: `L=${'x'.repeat(65_534)}\n`, refused: 'line 1 is 65536 bytes long' },
  'last-line-65535-bytes.env': { text: `A=1\nL=${'x'.repeat(65_533)}` },
  'last-line-65536-bytes.env': { text: `A=1\nL=${'x'.repeat(65_534)}`, refused: 'line 2 is 65536 bytes long' },
  'crlf-line-65535-bytes.env': { text: `L=${'x'.repeat(65_532)}\r\n` },
  'crlf-line-65536-bytes.env': { text: `L=${'x'.repeat(65_533)}\r\n`, refused: 'line 1 is 65536 bytes long' },
  'multibyte-line-65536-bytes.env': { text: `L=${'é'.repeat(32_767)}\n`, refused: 'line 1 is 65536 bytes long' },
};

/** The environment a process sees from a Config.Env list: the last entry of a name wins. */
function effectiveEnv(env: readonly string[]): Record<string, string> {
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('env files: docker --env-file and docker-job agree', () => {
  it('has a corpus of at least 10 env files', () => {
    expect(envFiles.length + Object.keys(generatedEnvFiles).length).toBeGreaterThanOrEqual(10);
    for (const name of Object.keys(envManifest.files)) expect(envFiles).toContain(name);
  });

  async function compare(path: string, expectation: EnvFileExpectation) {
    const cli = await viaCli(['--stop-timeout', '10', '--env-file', path, image], { env: cliEnv(envManifest.lookupEnv) });
    const ours = await viaDockerJob({ envFile: path }, { lookupEnv: cliEnv(envManifest.lookupEnv) });
    if (expectation.dockerAccepts !== undefined) {
      created(cli, 'docker');
      expect(refused(ours, 'docker-job')).toContain(expectation.refused);
    } else if (expectation.refused !== undefined) {
      refused(cli, 'docker');
      expect(refused(ours, 'docker-job')).toMatch(new RegExp(`^envFile: \\S+ ${expectation.refused}`));
    } else {
      const theirs = created(cli, 'docker').Config.Env ?? [];
      const mine = created(ours, 'docker-job').Config.Env ?? [];
      const repeated = new Set(theirs.map((e) => e.split('=')[0])).size !== theirs.length;
      // docker hands a repeated name to the engine twice; the process sees the last, as with ours.
      if (repeated) expect(effectiveEnv(mine)).toEqual(effectiveEnv(theirs));
      else expect(mine).toEqual(theirs);
    }
  }

  it.each(envFiles)('%s', async (file) => {
    await compare(join(new URL('env-files/', fixtures).pathname, file), envManifest.files[file] ?? {});
  });

  it.each(Object.entries(generatedEnvFiles))('%s', async (file, { text, refused: expected }) => {
    const path = join(workDir, file);
    await writeFile(path, text);
    await compare(path, expected === undefined ? {} : { refused: expected });
  });
});

interface RunCase {
  flags: string[];
  args?: string[];
  config: Record<string, unknown>;
}

const runCases = (JSON.parse(readFileSync(new URL('run-options.json', fixtures), 'utf8')) as { cases: RunCase[] }).cases;

/** The fields of a container that the run options set, as the engine recorded them. */
function runView(info: Inspect) {
  const pick = (source: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, source[k] ?? null]));
  return {
    platform: info.Platform,
    host: pick(info.HostConfig, ['Memory', 'MemorySwap', 'NanoCpus', 'ShmSize', 'PidsLimit', 'DeviceRequests', 'ReadonlyRootfs', 'CapAdd', 'CapDrop', 'Privileged', 'PidMode', 'Init', 'ExtraHosts', 'NetworkMode']),
    config: pick(info.Config, ['StopSignal', 'StopTimeout', 'Entrypoint', 'Cmd', 'User', 'WorkingDir', 'Tty']),
    // The docker CLI collects -e values in a Go map, so their order changes from run to run.
    env: [...(info.Config.Env ?? [])].sort(),
    labels: Object.fromEntries(Object.entries(info.Config.Labels ?? {}).filter(([k]) => !k.startsWith('io.docker-job.') && k !== SUITE_LABEL)),
  };
}

describe('run options: docker run flags and docker-job fields agree', () => {
  it.each(runCases.map((c) => [c.flags.join(' '), c] as const))('%s', async (_name, testCase) => {
    const stopTimeout = testCase.flags.includes('--stop-timeout') ? [] : ['--stop-timeout', '10'];
    const cli = await viaCli([...stopTimeout, ...testCase.flags, image, ...(testCase.args ?? [])]);
    const ours = await viaDockerJob(testCase.config);
    expect(runView(created(ours, 'docker-job'))).toEqual(runView(created(cli, 'docker')));
  });
});
