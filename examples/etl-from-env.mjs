// The proxy's own example, as an orchestrator deploys it: the job is configured entirely by
// environment variables, which configFromEnv turns into a job.
//
//   IMAGE        the image to run
//   VOLUMES      docker run -v specs, here a JSON list
//   DB_*_ENV     every variable ending in _ENV reaches the job unchanged
//
// Run it with `npm run build && node examples/etl-from-env.mjs`. Variables already set in the
// environment win over the sample values below (set DB_PWD_ENV to try your own password: it is
// never printed, the job prints only its SHA-256).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, describeJob, isConfigError, runDockerJob, STRICT_POLICY } from 'docker-job';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';

// The data the job reads: a directory on the host, mounted read-only.
const dataDir = await mkdtemp(join(tmpdir(), 'etl-from-env-'));
await writeFile(join(dataDir, 'orders.csv'), 'id,amount\n1,9.99\n2,25.00\n');

// What the job does: report what it sees, without ever printing the password. The variables are
// read from /proc/1/environ, the environment the engine handed the job (the shell adds PWD, SHLVL).
const script = [
  `echo "variables: $(tr '\\0' '\\n' < /proc/1/environ | cut -d= -f1 | sort | tr '\\n' ' ')"`,
  'echo "DB_NAME_ENV=$DB_NAME_ENV"; echo "DB_USER_ENV=$DB_USER_ENV"; echo "DB_HOST_ENV=$DB_HOST_ENV"; echo "DB_PORT_ENV=$DB_PORT_ENV"',
  `echo "DB_PWD_ENV sha256=$(printf %s "$DB_PWD_ENV" | sha256sum | cut -d' ' -f1)"`,
  'echo "--- /data/orders.csv"',
  'cat /data/orders.csv',
].join('\n');

// The deployment's settings, as an orchestrator would set them for the proxy's process.
const deployment = {
  IMAGE: await ensureBusyboxImage(),
  VOLUMES: JSON.stringify([`${dataDir}:/data:ro`]),
  COMMAND: JSON.stringify(['sh', '-c', script]),
  DB_NAME_ENV: 'analytics',
  DB_USER_ENV: 'etl',
  DB_PWD_ENV: 'sample-password-change-me',
  DB_HOST_ENV: 'warehouse.internal',
  DB_PORT_ENV: '5432',
  DOCKER_JOB_NETWORK: 'none', // this demo job needs no network
};

try {
  // The proxy reads its whole environment: NODE_ENV, PATH, HOME and the rest of the launcher's own
  // variables stay out of the job. The strict policy refuses privileged jobs, host namespaces and
  // the engine socket, for configuration written by other people.
  const job = configFromEnv({ ...deployment, ...process.env }, { policy: STRICT_POLICY });

  console.log('The job (secrets masked):');
  console.log(describeJob(job).text.replace(/^/gm, '  '));
  console.log();

  const result = await runDockerJob(job, {
    sinks: [{ write: (line) => console.log(`${line.stream === 'stderr' ? 'job!' : 'job>'} ${line.text}`) }],
  });
  console.log(`\nexit code ${result.exitCode} in ${result.durationMs} ms`);
  process.exitCode = result.exitCode;
} catch (error) {
  if (!isConfigError(error)) throw error;
  console.error(error.message); // every problem at once, secret values masked
  process.exitCode = 2;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
