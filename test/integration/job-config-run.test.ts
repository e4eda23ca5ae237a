/**
 * The configuration fields that only a running job can prove: resource limits as the kernel sees
 * them, a read-only root, dropped capabilities, an init process, env files, the remove policy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerEngine, isEngineError, LABELS, MemorySink, runDockerJob, type JobConfig } from '../../src/index.js';
import { expectNoContainersLeft, suiteLabels } from '../support/engine.js';

const engine = createDockerEngine();
const labels = suiteLabels('job-config-run');
const image = inject('fixtureImage');

async function run(config: Omit<JobConfig, 'image'>) {
  const sink = new MemorySink();
  const result = await runDockerJob({ image, network: 'none', labels, ...config }, { sinks: [sink], engine });
  return { result, stdout: sink.text('stdout'), stderr: sink.text('stderr') };
}

/** Reads a cgroup file whether the host runs cgroup v2 (first path) or v1 (second). */
const cgroup = (v2: string, v1: string) => `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`;

afterAll(() => expectNoContainersLeft(engine, labels));

describe('configuration a running job can observe', () => {
  it('limits memory, CPUs and processes as the kernel reports them', async () => {
    const { result, stdout } = await run({
      memory: '64m',
      cpus: '0.5',
      pidsLimit: 50,
      command: ['sh', '-c', [cgroup('memory.max', 'memory/memory.limit_in_bytes'), cgroup('cpu.max', 'cpu/cpu.cfs_quota_us'), cgroup('pids.max', 'pids/pids.max')].join('; ')],
    });
    expect(result.exitCode).toBe(0);
    const [memory, cpu, pids] = stdout.split('\n');
    expect(memory).toBe(String(64 * 1024 * 1024));
    expect(cpu?.split(' ')[0]).toBe('50000'); // 0.5 of a 100000 µs period
    expect(pids).toBe('50');
  });

  it('sizes /dev/shm', async () => {
    const { stdout } = await run({ shmSize: '16m', command: ['sh', '-c', "df -k /dev/shm | tail -1 | awk '{print $2}'"] });
    expect(stdout).toBe('16384');
  });

  it('mounts the root file system read-only, so a write fails', async () => {
    const { result, stderr } = await run({ readOnly: true, command: ['sh', '-c', 'touch /written'] });
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain('Read-only file system');
  });

  it('drops capabilities, so chown fails for root', async () => {
    const dropped = await run({ capDrop: ['ALL'], command: ['sh', '-c', 'touch /f && chown 1:1 /f'] });
    expect(dropped.result.exitCode).toBe(1);
    expect(dropped.stderr).toContain('Operation not permitted');
    const kept = await run({ capDrop: ['ALL'], capAdd: ['chown'], command: ['sh', '-c', 'touch /f && chown 1:1 /f'] });
    expect(kept.result.exitCode).toBe(0);
  });

  it('runs an init process as PID 1', async () => {
    const { stdout } = await run({ init: true, command: ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'] });
    expect(stdout).toMatch(/^\/sbin\/docker-init -- sh -c /);
  });

  it('adds host entries, runs as the user, in the working directory', async () => {
    const { stdout } = await run({ extraHosts: ['db.internal=10.0.0.5'], user: '1000:1000', workdir: '/tmp', command: ['sh', '-c', 'grep db.internal /etc/hosts; id -u; id -g; pwd'] });
    expect(stdout.split('\n')).toEqual(['10.0.0.5\tdb.internal', '1000', '1000', '/tmp']);
  });

  it('runs the command without the image entrypoint when it is removed', async () => {
    const { result, stdout } = await run({ entrypoint: '', command: ['echo', 'no entrypoint'] });
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('no entrypoint');
  });

  describe('env files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'docker-job-envfile-run-'));
      await writeFile(join(dir, 'job.env'), '# job settings\r\nFROM_FILE=file value\r\nOVERRIDDEN=file\r\nQUOTED="kept"\r\n');
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('hands the variables of an env file to the job, env winning over the file', async () => {
      const { stdout } = await run({ envFile: join(dir, 'job.env'), env: { OVERRIDDEN: 'env' }, command: ['sh', '-c', 'echo "$FROM_FILE|$OVERRIDDEN|$QUOTED"'] });
      expect(stdout).toBe('file value|env|"kept"');
    });
  });

  describe('remove policy', () => {
    const left = async (containerId: string) => (await engine.listJobs({ labels })).filter((j) => j.id === containerId);

    it('keeps the container with remove: never, and removes it by default', async () => {
      const kept = await run({ remove: 'never', command: 'true' });
      try {
        expect(await left(kept.result.containerId)).toMatchObject([{ state: 'exited', labels: { [LABELS.owner]: 'docker-job' } }]);
      } finally {
        await engine.removeJob(kept.result.containerId);
      }
      const removed = await run({ command: 'true' });
      expect(await left(removed.result.containerId)).toEqual([]);
    });

    it('keeps a failed job’s container with remove: on-success, and removes a successful one', async () => {
      const failed = await run({ remove: 'on-success', command: ['sh', '-c', 'exit 3'] });
      try {
        expect(failed.result.exitCode).toBe(3);
        expect(await left(failed.result.containerId)).toHaveLength(1);
      } finally {
        await engine.removeJob(failed.result.containerId);
      }
      const succeeded = await run({ remove: 'on-success', command: 'true' });
      expect(await left(succeeded.result.containerId)).toEqual([]);
    });
  });

  it('explains that a Linux engine cannot mount a Windows host path', async () => {
    const error = await runDockerJob({ image, network: 'none', labels, volumes: ['C:\\data:/data'] }, { engine, sinks: [] }).catch((e: unknown) => e);
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toContain('The volume C:\\data:/data has a Windows host path, which only an engine on Windows (or Docker Desktop) can mount');
  });
});
