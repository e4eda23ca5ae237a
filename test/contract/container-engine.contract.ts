/**
 * The contract every ContainerEngine must honour. One suite, run against each implementation
 * (Docker today; Swarm and Kubernetes engines later), as unstorage does for its drivers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isEngineError, type ContainerEngine, type JobSpec, type OutputChunk } from '../../src/index.js';

/** What a contract run needs from the implementation under test. */
export interface ContractSetup {
  /** The engine under test. */
  readonly engine: ContainerEngine;
  /** An image present on the engine with a POSIX `sh`, `echo`, `sleep`, `cat`. */
  readonly image: string;
  /** Labels put on every job the suite creates, unique to this run. */
  readonly labels: Record<string, string>;
  /** Extra spec fields the implementation needs (network mode for tests, for instance). */
  readonly specDefaults?: Partial<JobSpec>;
}

async function collect(output: AsyncIterable<OutputChunk>): Promise<{ stdout: string; stderr: string }> {
  const parts = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  for await (const chunk of output) parts[chunk.stream].push(chunk.data);
  return { stdout: Buffer.concat(parts.stdout).toString('utf8'), stderr: Buffer.concat(parts.stderr).toString('utf8') };
}

export function describeContainerEngine(name: string, setup: () => ContractSetup): void {
  describe(`ContainerEngine contract: ${name}`, () => {
    const { engine, image, labels, specDefaults } = setup();
    const spec = (command: string[], extra: Partial<JobSpec> = {}): JobSpec => ({
      image,
      command,
      env: {},
      volumes: [],
      labels,
      tty: false,
      stopTimeout: 1,
      ...specDefaults,
      ...extra,
    });
    const created: { remove(): Promise<void> }[] = [];
    const run = async (s: JobSpec) => {
      const job = await engine.createJob(s);
      created.push(job);
      const started = await job.start();
      const [output, exit] = await Promise.all([collect(started.output), started.exit]);
      return { job, output, exit };
    };

    afterAll(async () => {
      await Promise.all(created.map((j) => j.remove()));
      expect(await engine.listJobs({ labels })).toEqual([]);
    });

    it('answers a ping with its version and platform', async () => {
      const info = await engine.ping();
      expect(info.version).toMatch(/\d/);
      expect(info.apiVersion).toMatch(/^\d+\.\d+$/);
      expect(info.platform).toMatch(/^\w+\/\w+$/);
    });

    it('knows which images it has', async () => {
      expect(await engine.hasImage(image)).toBe(true);
      expect(await engine.hasImage('docker-job-test/absent:never')).toBe(false);
    });

    it('delivers output from the first byte and the exit code of a job that ends at once', async () => {
      const { output, exit } = await run(spec(['sh', '-c', 'echo first; echo oops >&2; exit 3']));
      expect(output).toEqual({ stdout: 'first\n', stderr: 'oops\n' });
      expect(exit).toEqual({ exitCode: 3, oomKilled: false });
    });

    it('passes the environment, working directory and user', async () => {
      const { output, exit } = await run(spec(['sh', '-c', 'echo "$GREETING $(pwd) $(id -u)"'], { env: { GREETING: 'a=b c' }, workdir: '/tmp', user: '1234' }));
      expect(exit.exitCode).toBe(0);
      expect(output.stdout).toBe('a=b c /tmp 1234\n');
    });

    it('resolves a job whose command does not exist with 127 and the reason, not a rejection', async () => {
      const { output, exit } = await run(spec(['/no/such/binary']));
      expect(output).toEqual({ stdout: '', stderr: '' });
      expect(exit.exitCode).toBe(127);
      expect(exit.startError).toMatch(/no such file|not found/i);
    });

    it('stops a running job: the output so far arrives and the exit reflects the kill', async () => {
      const job = await engine.createJob(spec(['sh', '-c', 'echo started; exec sleep 60']));
      created.push(job);
      const started = await job.start();
      const output = collect(started.output);
      await new Promise((r) => setTimeout(r, 300));
      await job.stop({ timeoutSeconds: 0 });
      const exit = await started.exit;
      expect(exit.exitCode).toBe(137);
      expect((await output).stdout).toBe('started\n');
      await job.stop({ timeoutSeconds: 0 }); // stopping a stopped job succeeds
    });

    it('lists its jobs by label and removes them idempotently', async () => {
      const job = await engine.createJob(spec(['true']));
      created.push(job);
      const listed = await engine.listJobs({ labels });
      expect(listed.map((j) => j.id)).toContain(job.id);
      expect(listed.find((j) => j.id === job.id)?.labels).toMatchObject(labels);
      await job.remove();
      await job.remove();
      await engine.removeJob(job.id);
      expect((await engine.listJobs({ labels })).map((j) => j.id)).not.toContain(job.id);
    });

    it('rejects a job for an image it does not have with an EngineError naming the image', async () => {
      const error = await engine.createJob(spec(['true'], { image: 'docker-job-test/absent:never' })).catch((e: unknown) => e);
      expect(isEngineError(error)).toBe(true);
      expect((error as Error).message).toContain('docker-job-test/absent:never');
    });
  });
}
