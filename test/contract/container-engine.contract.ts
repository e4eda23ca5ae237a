/**
 * The contract every ContainerEngine must honour. One suite, run against each implementation
 * (Docker, the in-memory engine of test/support; Swarm and Kubernetes engines later), as unstorage
 * does for its drivers. What an engine cannot do it declares in its capabilities; the suite checks
 * the declaration and holds the engine to it.
 *
 * Each workload is a shell command for real engines and, beside it, the same behaviour as a
 * program for in-memory engines ({@link CONTRACT_PROGRAMS}).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isEngineError, type ContainerEngine, type ExitStatus, type JobSpec, type OutputChunk, type OutputStream } from '../../src/index.js';
import { JOB_FIELDS, type OptionalField } from '../../src/core/job-fields.js';
import type { Program } from '../support/memory-engine.js';

/** What a contract run needs from the implementation under test. */
export interface ContractSetup {
  /** The engine under test. */
  readonly engine: ContainerEngine;
  /** An image present on the engine with a POSIX `sh`, `echo`, `sleep`, `yes`, `head`, `id`. */
  readonly image: string;
  /** Labels put on every job the suite creates, unique to this run. */
  readonly labels: Record<string, string>;
  /** Extra spec fields the implementation needs (network mode for tests, for instance). */
  readonly specDefaults?: Partial<JobSpec>;
}

const LINES = 2000;
const BIG = 16 * 1024 * 1024;
const line64 = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde';

/** The suite's workloads: the command real engines run, and the same behaviour as a program. */
const WORKLOADS = {
  exitsAtOnce: {
    command: ['sh', '-c', 'echo first; echo oops >&2; exit 3'],
    program: async (io) => {
      await io.write('stdout', 'first\n');
      await io.write('stderr', 'oops\n');
      return 3;
    },
  },
  printsEnvironment: {
    command: ['sh', '-c', 'echo "$GREETING $(pwd) $(id -u)"'],
    program: async (io) => {
      await io.write('stdout', `${io.spec.env['GREETING'] ?? ''} ${io.spec.workdir ?? '/'} ${(io.spec.user ?? '0').split(':')[0]}\n`);
      return 0;
    },
  },
  manyLines: {
    command: ['sh', '-c', `i=1; while [ $i -le ${LINES} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; printf "last without newline"`],
    program: async (io) => {
      for (let i = 1; i <= LINES; i++) {
        await io.write('stdout', `out ${i}\n`);
        await io.write('stderr', `err ${i}\n`);
      }
      await io.write('stdout', 'last without newline');
      return 0;
    },
  },
  onTwoStreams: {
    command: ['sh', '-c', 'echo out; echo err >&2'],
    program: async (io) => {
      await io.write('stdout', 'out\n');
      await io.write('stderr', 'err\n');
      return 0;
    },
  },
  runsUntilKilled: {
    command: ['sh', '-c', 'echo started; exec sleep 60'],
    // `sleep` as PID 1 has no handler for the stop signal: only the kill ends it.
    program: async (io) => {
      await io.write('stdout', 'started\n');
      return new Promise<number>(() => {});
    },
  },
  succeeds: {
    command: ['true'],
    program: async () => 0,
  },
  printsALot: {
    command: ['sh', '-c', `yes ${line64} | head -c ${BIG}`],
    program: async (io) => {
      const chunk = `${line64}\n`.repeat(1024);
      for (let sent = 0; sent < BIG; sent += chunk.length) await io.write('stdout', chunk.slice(0, Math.min(chunk.length, BIG - sent)));
      return 0;
    },
  },
  exceedsItsMemory: {
    // tail keeps the whole (newline-free) last line in memory: 200 MB against a 16 MB limit.
    command: ['sh', '-c', 'head -c 200000000 /dev/zero | tail -n 1 >/dev/null'],
    program: async (io) => io.oomKill(),
  },
} satisfies Record<string, { command: string[]; program: Program }>;

/** The suite's workloads as programs by argv: what an in-memory engine needs to pass the suite. */
export const CONTRACT_PROGRAMS: Readonly<Record<string, Program>> = Object.fromEntries(Object.values(WORKLOADS).map((w) => [w.command.join(' '), w.program]));

/** A job's output, per stream. */
interface Collected {
  readonly stdout: string;
  readonly stderr: string;
  readonly merged: string;
  readonly streams: ReadonlySet<OutputStream>;
}

async function collect(output: AsyncIterable<OutputChunk>): Promise<Collected> {
  const parts: Record<OutputStream, Uint8Array[]> = { stdout: [], stderr: [], merged: [] };
  const streams = new Set<OutputStream>();
  for await (const chunk of output) {
    parts[chunk.stream].push(chunk.data);
    streams.add(chunk.stream);
  }
  const text = (s: OutputStream) => Buffer.concat(parts[s]).toString('utf8');
  return { stdout: text('stdout'), stderr: text('stderr'), merged: text('merged'), streams };
}

export function describeContainerEngine(name: string, setup: () => ContractSetup): void {
  describe(`ContainerEngine contract: ${name}`, () => {
    const { engine, image, labels, specDefaults } = setup();
    const { capabilities } = engine;
    const honours = (field: OptionalField) => capabilities.fields[field] !== undefined;
    const separate = capabilities.streams === 'separate';
    const spec = (command: readonly string[], extra: Partial<JobSpec> = {}): JobSpec => ({
      image,
      command: [...command],
      env: {},
      volumes: [],
      labels,
      tty: false,
      stopTimeout: 1,
      ...(capabilities.images === 'nodes' ? { pull: 'never' as const } : {}),
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
    /** An exit as this engine must report it: `oomKilled` false, or possibly unknown on an engine that cannot tell. */
    const expectExit = (exit: ExitStatus, exitCode: number) => {
      expect(exit.exitCode).toBe(exitCode);
      if (capabilities.oomKill === 'reported') expect(exit.oomKilled).toBe(false);
      else expect([false, undefined]).toContain(exit.oomKilled);
    };

    afterAll(async () => {
      await Promise.all(created.map((j) => j.remove()));
      expect(await engine.listJobs({ labels })).toEqual([]);
    });

    it('declares what it can do, and its image methods match the declaration', () => {
      expect(engine.name).toMatch(/\S/);
      expect(['separate', 'merged']).toContain(capabilities.streams);
      expect(['attach', 'log']).toContain(capabilities.output);
      expect(['reported', 'unknown']).toContain(capabilities.oomKill);
      expect(['local', 'nodes']).toContain(capabilities.images);
      const optional = Object.keys(JOB_FIELDS).filter((f) => JOB_FIELDS[f as keyof typeof JOB_FIELDS].honour === 'optional');
      for (const field of Object.keys(capabilities.fields)) expect(optional, `capabilities.fields.${field}`).toContain(field);
      if (capabilities.images === 'local') {
        expect(typeof engine.hasImage).toBe('function');
        expect(typeof engine.pullImage).toBe('function');
      } else {
        expect(engine.hasImage).toBeUndefined();
        expect(engine.pullImage).toBeUndefined();
        for (const policy of capabilities.pullPolicies ?? []) expect(['always', 'missing', 'never']).toContain(policy);
      }
    });

    it('answers a ping with its version and platform', async () => {
      const info = await engine.ping();
      expect(info.version).toMatch(/\d/);
      expect(info.apiVersion).toMatch(/^\d+\.\d+$/);
      expect(info.platform).toMatch(/^\w+\/\w+$/);
    });

    it.runIf(capabilities.images === 'local')('knows which images it has', async () => {
      expect(await engine.hasImage?.(image)).toBe(true);
      expect(await engine.hasImage?.('docker-job-test/absent:never')).toBe(false);
    });

    it('delivers output from the first byte and the exit code of a job that ends at once', async () => {
      const { output, exit } = await run(spec(WORKLOADS.exitsAtOnce.command));
      if (separate) expect(output).toMatchObject({ stdout: 'first\n', stderr: 'oops\n', merged: '' });
      else expect(output).toMatchObject({ stdout: '', stderr: '', merged: 'first\noops\n' });
      expectExit(exit, 3);
      expect(exit.startError).toBeUndefined();
    });

    it('delivers every line, in order per stream, and the last line without a newline, then ends', async () => {
      const { output, exit } = await run(spec(WORKLOADS.manyLines.command));
      expectExit(exit, 0);
      const numbers = Array.from({ length: LINES }, (_, i) => i + 1);
      if (separate) {
        expect(output.stdout).toBe(`${numbers.map((i) => `out ${i}\n`).join('')}last without newline`);
        expect(output.stderr).toBe(numbers.map((i) => `err ${i}\n`).join(''));
      } else {
        // Merged, the order between the streams is the engine's; within each it is the workload's.
        const lines = output.merged.split('\n');
        expect(lines.filter((l) => l.startsWith('out '))).toEqual(numbers.map((i) => `out ${i}`));
        expect(lines.filter((l) => l.startsWith('err '))).toEqual(numbers.map((i) => `err ${i}`));
        expect(output.merged.endsWith('\nlast without newline')).toBe(true);
      }
    });

    it('passes the environment', async () => {
      const { output, exit } = await run(spec(WORKLOADS.printsEnvironment.command, { env: { GREETING: 'a=b c' } }));
      expectExit(exit, 0);
      expect(separate ? output.stdout : output.merged).toMatch(/^a=b c \S+ \d+\n$/);
    });

    it.runIf(honours('workdir') && honours('user'))('runs in the working directory and as the user it is given', async () => {
      const { output, exit } = await run(spec(WORKLOADS.printsEnvironment.command, { env: { GREETING: 'hi' }, workdir: '/tmp', user: '1234' }));
      expectExit(exit, 0);
      expect(separate ? output.stdout : output.merged).toBe('hi /tmp 1234\n');
    });

    it.runIf(honours('tty'))('with a TTY, delivers one stream, called merged: never stdout or stderr', async () => {
      const { output, exit } = await run(spec(WORKLOADS.onTwoStreams.command, { tty: true }));
      expectExit(exit, 0);
      expect([...output.streams]).toEqual(['merged']);
      expect(output.merged.replaceAll('\r\n', '\n')).toBe('out\nerr\n');
    });

    it('resolves a job whose command does not exist with 127 and the reason, not a rejection', async () => {
      const { output, exit } = await run(spec(['/no/such/binary']));
      expect(output).toMatchObject({ stdout: '', stderr: '', merged: '' });
      expect(exit.exitCode).toBe(127);
      expect(exit.startError).toMatch(/no such file|not found/i);
    });

    it('stops a running job: the output so far arrives and the exit reflects the kill', async () => {
      const job = await engine.createJob(spec(WORKLOADS.runsUntilKilled.command));
      created.push(job);
      const started = await job.start();
      const output = started.output[Symbol.asyncIterator]();
      // The first chunk proves the workload runs: stop only then (an event, not a guess of time).
      const first = await output.next();
      expect(first.done).toBe(false);
      let text = Buffer.from((first.value as OutputChunk).data).toString();
      await job.stop({ timeoutSeconds: 0 });
      const exit = await started.exit;
      for (let next = await output.next(); !next.done; next = await output.next()) text += Buffer.from(next.value.data).toString();
      expect(exit.exitCode).toBe(137);
      expect(text).toBe('started\n');
      await job.stop({ timeoutSeconds: 0 }); // stopping a stopped job succeeds
    });

    it.runIf(capabilities.output === 'attach')('reads output only as fast as it is consumed: a consumer that holds a chunk holds the workload', async () => {
      const job = await engine.createJob(spec(WORKLOADS.printsALot.command));
      created.push(job);
      const started = await job.start();
      let exited = false;
      void started.exit.then(() => (exited = true));
      const output = started.output[Symbol.asyncIterator]();
      let bytes = (await output.next()).value?.data.length ?? 0;
      // Unheld, the workload writes its 16 MiB in well under a second; held, it cannot finish.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(exited).toBe(false);
      for (let next = await output.next(); !next.done; next = await output.next()) bytes += next.value.data.length;
      expectExit(await started.exit, 0);
      expect(bytes).toBe(BIG);
    });

    it.runIf(capabilities.oomKill === 'reported' && honours('memory'))('reports a workload the kernel killed for exceeding its memory limit', async () => {
      const limit = 16 * 1024 * 1024;
      const { exit } = await run(spec(WORKLOADS.exceedsItsMemory.command, { memory: limit, ...(honours('memorySwap') ? { memorySwap: limit } : {}) }));
      expect(exit).toEqual({ exitCode: 137, oomKilled: true });
    });

    it('lists its jobs by label and removes them idempotently', async () => {
      const job = await engine.createJob(spec(WORKLOADS.succeeds.command));
      created.push(job);
      const listed = await engine.listJobs({ labels });
      expect(listed.map((j) => j.id)).toContain(job.id);
      expect(listed.find((j) => j.id === job.id)?.labels).toMatchObject(labels);
      await job.remove();
      await job.remove();
      await engine.removeJob(job.id);
      expect((await engine.listJobs({ labels })).map((j) => j.id)).not.toContain(job.id);
    });

    it('fails a job for an image it does not have with an EngineError naming the image', async () => {
      const absent = 'docker-job-test/absent:never';
      const error = await (async () => {
        const job = await engine.createJob(spec(WORKLOADS.succeeds.command, { image: absent }));
        created.push(job);
        const started = await job.start();
        await Promise.all([collect(started.output), started.exit]);
      })().catch((e: unknown) => e);
      expect(isEngineError(error)).toBe(true);
      expect((error as Error).message).toContain(absent);
    });
  });
}
