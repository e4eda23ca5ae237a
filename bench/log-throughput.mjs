// Log throughput: 3,000,000 lines of 78 bytes (234 MB) from a busybox job, written to /dev/null,
// through runDockerJob with each sink, against `docker run` of the same container. Every contender
// is a process of its own (so times include startup and RSS is the process's own), and they run
// in alternating order, after a warm-up round, in one run.
//
// Targets (docs/performance.md):
// - runDockerJob with the CLI's default sink (StdioSink): time <= 1.00 x `docker run`, peak RSS <= 150 MB;
// - the fast path (logDriver: 'none') against the same `docker run`: >= 2.5 x its throughput.
//
//   npm run bench:logs                  ROUNDS=3 WARMUP=1 LINES=3000000 by default
//   ONLY=docker-run,stdio,fast npm run bench:logs     (keys: docker-run docker-run-none stdio fast tslog
//                                                       jsonl mask-miss mask-hit floor floor-none)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createDockerEngine } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { alternate, machine, summarize } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const warmup = Number(process.env.WARMUP ?? 1);
const lines = Number(process.env.LINES ?? 3_000_000);
const only = process.env.ONLY?.split(',');
const image = await ensureBusyboxImage(new Docker());
const engineInfo = await createDockerEngine().ping();
const line = 'x'.repeat(77);
const TIME = '/usr/bin/time';

/** Runs a process with stdout to /dev/null; resolves with what it reports on fd 3 (JSON), if anything. */
function runProcess(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    let report = '';
    child.stdio[3].on('data', (d) => (report += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}`));
      else resolve(report.trim() === '' ? {} : JSON.parse(report.trim().split('\n').at(-1)));
    });
  });
}

const rss = {};
const cpu = {};
const record = (name, mb, cpuMs) => {
  (rss[name] ??= []).push(mb);
  if (cpuMs !== undefined) (cpu[name] ??= []).push(cpuMs);
};

/** `docker run` under GNU time, which writes the CLI's peak RSS (KB) to a file. */
const timeFile = join(tmpdir(), `docker-job-bench-${process.pid}.rss`);
const dockerRun = (name, extra) => async () => {
  const args = ['run', '--rm', '--network', 'none', ...extra, image, 'sh', '-c', `yes ${line} | head -n ${lines}`];
  if (!existsSync(TIME)) return runProcess('docker', args);
  await runProcess(TIME, ['-f', '%M %U %S', '-o', timeFile, 'docker', ...args]);
  const [kb, user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  record(name, kb / 1024, (user + sys) * 1000);
};

const job = (name, spec) => async () => {
  const r = await runProcess(process.execPath, [new URL('./lib/stream-job.mjs', import.meta.url).pathname, JSON.stringify({ image, lines, ...spec })]);
  record(name, r.maxRssMB, (r.cpu.user + r.cpu.system) / 1000);
};

const floor = (name, spec) => async () => {
  const r = await runProcess(process.execPath, [new URL('./lib/floor-job.mjs', import.meta.url).pathname, JSON.stringify({ image, lines, ...spec })]);
  record(name, r.maxRssMB, (r.cpu.user + r.cpu.system) / 1000);
};

const all = {
  'docker run': dockerRun('docker run', []),
  'docker run --log-driver none': dockerRun('docker run --log-driver none', ['--log-driver', 'none']),
  'stdio': job('stdio', { sink: 'stdio' }),
  'stdio, logDriver none': job('stdio, logDriver none', { sink: 'stdio', logDriver: 'none' }),
  'tslog': job('tslog', { sink: 'tslog' }),
  'json lines': job('json lines', { sink: 'jsonl' }),
  'stdio, masking (no match)': job('stdio, masking (no match)', { sink: 'stdio', mask: 'miss' }),
  'stdio, masking (every line)': job('stdio, masking (every line)', { sink: 'stdio', mask: 'hit' }),
  'dockerode floor': floor('dockerode floor', {}),
  'dockerode floor, log driver none': floor('dockerode floor, log driver none', { logDriver: 'none' }),
};
const keys = { 'docker-run': 'docker run', 'docker-run-none': 'docker run --log-driver none', stdio: 'stdio', fast: 'stdio, logDriver none', tslog: 'tslog', jsonl: 'json lines', 'mask-miss': 'stdio, masking (no match)', 'mask-hit': 'stdio, masking (every line)', floor: 'dockerode floor', 'floor-none': 'dockerode floor, log driver none' };
const contenders = only ? Object.fromEntries(only.map((k) => [keys[k] ?? k, all[keys[k] ?? k]])) : all;

const results = await alternate(contenders, { rounds, warmup });
rmSync(timeFile, { force: true });
const base = results['docker run']?.median;
const mb = lines * 78 / 1e6;
console.log(`log throughput: ${lines.toLocaleString('en')} lines of 78 bytes (${mb.toFixed(0)} MB) to /dev/null, ${rounds} alternating rounds after ${warmup} warm-up, engine ${engineInfo.version} (API ${engineInfo.apiVersion})`);
console.log(`  ${'contender'.padEnd(32)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'MB/s'.padStart(6)} ${'time ratio'.padStart(10)} ${'CPU (median)'.padStart(12)} ${'peak RSS (median, max)'.padStart(24)}`);
const rows = {};
for (const [name, s] of Object.entries(results)) {
  const memory = rss[name] ? summarize(rss[name].slice(-rounds)) : undefined;
  const cpuMs = cpu[name] ? summarize(cpu[name].slice(-rounds)) : undefined;
  rows[name] = { ...s, mbPerS: mb / (s.median / 1000), ratio: base ? s.median / base : undefined, rssMB: memory, cpuMs };
  console.log(
    `  ${name.padEnd(32)} ${(s.median / 1000).toFixed(2).padStart(8)}s ${(s.min / 1000).toFixed(2).padStart(8)}s ${(s.max / 1000).toFixed(2).padStart(8)}s ${rows[name].mbPerS.toFixed(1).padStart(6)} ${(base ? (s.median / base).toFixed(3) : '-').padStart(10)} ${(cpuMs ? `${(cpuMs.median / 1000).toFixed(2)}s` : '').padStart(12)} ${memory ? `${memory.median.toFixed(0)} MB, ${memory.max.toFixed(0)} MB`.padStart(24) : ''}`,
  );
}
if (base && results['stdio']) {
  const r = results['stdio'].median / base;
  const peak = rss['stdio'] ? Math.max(...rss['stdio'].slice(-rounds)) : NaN;
  console.log(`  CLI path (stdio) vs docker run: time ratio ${r.toFixed(3)} (target <= 1.00) ${r <= 1 ? 'met' : 'MISSED'}; peak RSS ${peak.toFixed(0)} MB (target <= 150) ${peak <= 150 ? 'met' : 'MISSED'}`);
}
if (base && results['stdio, logDriver none']) {
  const x = base / results['stdio, logDriver none'].median;
  console.log(`  fast path (logDriver none) vs docker run: ${x.toFixed(3)}x its throughput (target >= 2.5) ${x >= 2.5 ? 'met' : 'MISSED'}`);
}
if (process.env.BENCH_JSON) console.log(JSON.stringify({ bench: 'log-throughput', machine: machine(), engine: engineInfo, lines, rounds, warmup, results: rows }));
