// A custom sink next to the CLI's stdio sink: the child's output goes to our stdout and stderr as
// it comes, while our own sink counts lines per stream and keeps the ones that look like errors.
// The child prints its database password; masking (on by default) hides it from every sink.
//
//   npm run build && node examples/custom-sink.mjs
import { runDockerJob, StdioSink } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';

/** A sink is an object with write(line); open, event and close are optional. */
class ErrorDigestSink {
  name = 'ErrorDigestSink';
  counts = { stdout: 0, stderr: 0 };
  errors = [];

  open(job) {
    this.job = job.name;
  }

  // Synchronous: costs no promise per line. Return a promise instead to slow the job down
  // while you catch up (backpressure).
  write(line) {
    this.counts[line.stream]++;
    if (/error|failed/i.test(line.text)) this.errors.push(`${line.stream}: ${line.text}`);
  }

  event(event) {
    if (event.type === 'exited') this.exitCode = event.exitCode;
  }

  close() {
    // Flush or release here: runDockerJob waits for it before it settles.
  }
}

const image = await ensureBusyboxImage();
const digest = new ErrorDigestSink();

const result = await runDockerJob(
  {
    image,
    name: `docker-job-custom-sink-${process.pid}`,
    network: 'none',
    env: { DB_PWD_ENV: 'correct-horse-battery' },
    command: [
      'sh',
      '-c',
      `echo "connecting with password $DB_PWD_ENV"
       for t in users orders payments; do echo "loading $t"; done
       echo "error: payments: 3 rows failed validation" >&2
       exit 2`,
    ],
  },
  { sinks: [new StdioSink(), digest] },
);

console.log(`\n${digest.job}: ${digest.counts.stdout} lines on stdout, ${digest.counts.stderr} on stderr, ${digest.errors.length} look like errors:`);
for (const e of digest.errors) console.log(`  ${e}`);
console.log(`\n${result.message}`);
