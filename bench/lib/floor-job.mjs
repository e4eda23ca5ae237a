// The floor for any Node client built on dockerode: the same job as stream-job.mjs, with the bare
// minimum (create, attach, wait, start, read and discard every byte, remove), no demultiplexing,
// no sink, no checks. What stream-job.mjs costs beyond this is docker-job's own.
//
//   node bench/lib/floor-job.mjs '{"image":"...","lines":3000000,"logDriver":"none"}'
import { writeSync } from 'node:fs';
import Docker from 'dockerode';

const { image, lines = 3_000_000, logDriver } = JSON.parse(process.argv[2] ?? '{}');
const started = performance.now();
const docker = new Docker();
const container = await docker.createContainer({
  Image: image,
  Cmd: ['sh', '-c', `yes '${'x'.repeat(77)}' | head -n ${lines}`],
  HostConfig: { NetworkMode: 'none', ...(logDriver ? { LogConfig: { Type: logDriver, Config: {} } } : {}) },
});
const stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: false });
const exit = container.wait();
await container.start();
let bytes = 0;
for await (const chunk of stream) bytes += chunk.length;
const { StatusCode } = await exit;
await container.remove({ force: true, v: true });
if (StatusCode !== 0 || bytes < lines * 78) throw new Error(`exit ${StatusCode}, ${bytes} bytes`);
const figures = { ms: performance.now() - started, maxRssMB: process.resourceUsage().maxRSS / 1024, cpu: process.cpuUsage() };
try {
  writeSync(3, `${JSON.stringify(figures)}\n`);
} catch {
  // fd 3 not open: run by hand
}
