// One job of the log-throughput benchmark, run as its own process so that its time includes
// startup (as `docker run`'s does) and its peak RSS is its own. The child prints `lines` lines of
// 78 bytes; the chosen sink writes to this process's stdout (the benchmark points it at /dev/null).
//
//   node bench/lib/stream-job.mjs '{"image":"...","lines":3000000,"sink":"stdio","logDriver":"none","mask":"miss"}'
//
// On exit it writes one JSON line of figures to file descriptor 3 when that is open.
import { writeSync } from 'node:fs';
import { JsonLinesSink, StdioSink, TslogSink, runDockerJob } from 'docker-job';

const spec = JSON.parse(process.argv[2] ?? '{}');
const { image, lines = 3_000_000, sink = 'stdio', logDriver, mask = 'off' } = spec;

const SECRET = 's3cr3t-t0ken-0123456789';
/** 77 characters and a newline; with mask=hit every line carries the secret. */
function benchLine(hit) {
  const head = hit ? `token=${SECRET} ` : 'x';
  return head + 'x'.repeat(77 - head.length);
}

const sinks = {
  stdio: () => new StdioSink(),
  tslog: () => new TslogSink(), // as users get it: pretty, to our stdout
  jsonl: () => new JsonLinesSink(process.stdout),
  none: () => ({ write() {} }),
  discard: () => ({ write() {}, writeBytes() {} }),
};

const started = performance.now();
const result = await runDockerJob(
  {
    image,
    network: 'none',
    command: ['sh', '-c', `yes '${benchLine(mask === 'hit')}' | head -n ${lines}`],
    env: mask === 'off' ? {} : { API_TOKEN: SECRET },
    ...(logDriver ? { logDriver } : {}),
  },
  { sinks: [sinks[sink]()], maskSecrets: mask !== 'off' },
);
if (result.exitCode !== 0 || result.sinkFailures.length > 0) {
  process.stderr.write(`${result.message}\n`);
  process.exit(1);
}
const figures = { ms: performance.now() - started, maxRssMB: process.resourceUsage().maxRSS / 1024, cpu: process.cpuUsage() };
try {
  writeSync(3, `${JSON.stringify(figures)}\n`);
} catch {
  // fd 3 not open: run by hand
}
