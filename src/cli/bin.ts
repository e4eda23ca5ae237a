#!/usr/bin/env -S node --
/**
 * The `docker-job` command's entry: the one file of the package that touches `process` (its
 * arguments, environment, streams, signals and exit code). Everything else is in ./main.ts.
 *
 * Node reads `--env-file` anywhere on its command line, even after the script, as its own option
 * (and exits 9 when the file is missing): the `--` in the shebang ends Node's options, so that
 * `docker-job --env-file job.env` reaches this CLI.
 */
import { enableCompileCache } from 'node:module';
import { deferHeavyDockerodeModules } from './defer-heavy-modules.js';
import { VERSION } from './version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The fast path: no engine client, no schema, nothing else is loaded.
  process.stdout.write(`${VERSION}\n`);
} else {
  // Node keeps the compiled code of the modules it loads (dockerode and its dependencies are most of
  // a job's start-up time) in its cache directory for the next start: about 100 ms less each time.
  enableCompileCache();
  deferHeavyDockerodeModules();
  const { main } = await import('./main.js');
  process.exitCode = await main({
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    onSignal(listener) {
      // Handling the signals also makes them work when the CLI is PID 1 in the proxy image, where
      // a signal without a handler is ignored.
      const onInt = () => listener('SIGINT');
      const onTerm = () => listener('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  });
}
