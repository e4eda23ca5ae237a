// Runs one job that prints `total` bytes in 100-byte lines into a deliberately slow sink, in a
// process of its own, and reports on stdout (JSON) what arrived and how this process's RSS grew:
// the baseline is taken after a warm-up job, so modules, the engine connection and the JIT are
// already loaded. Used by test/integration/log-streaming.test.ts; imports the built package.
import { runDockerJob } from 'docker-job';

const { image, labels, total } = JSON.parse(process.argv[2]);
const job = (command) => ({ image, labels, network: 'none', logDriver: 'none', command: ['sh', '-c', command] });

await runDockerJob(job('seq 1 1000'), { sinks: [{ write() {} }] });

let bytes = 0;
let lines = 0;
let lastLine = '';
const slow = {
  write(line) {
    bytes += line.text.length + (line.continued ? 0 : 1);
    lastLine = line.text;
    // Every 1,000th line waits 2 ms: far slower than the engine delivers without a log driver.
    if (++lines % 1000 === 0) return new Promise((resolve) => setTimeout(resolve, 2));
  },
};
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const result = await runDockerJob(job(`yes ${'y'.repeat(99)} | head -c ${total}`), { sinks: [slow] });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  JSON.stringify({ exitCode: result.exitCode, bytes, lines, lastLine, baselineMB: baseline / 2 ** 20, peakMB: peak / 2 ** 20, seconds: (performance.now() - started) / 1000 }),
);
