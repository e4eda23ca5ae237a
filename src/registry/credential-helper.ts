/**
 * Docker credential helpers: `docker-credential-<name> get` reads a server URL on stdin and
 * prints `{"ServerURL": ..., "Username": ..., "Secret": ...}` on stdout, or says
 * `credentials not found in native keychain` and exits non-zero.
 */
import { spawn } from 'node:child_process';

/** What a credential helper returned for a server. */
export interface HelperCredentials {
  readonly username: string;
  readonly secret: string;
}

/** How to run a credential helper. */
export interface CredentialHelperOptions {
  /**
   * The helper's environment. Its `PATH` is where `docker-credential-<name>` is looked up, and
   * helpers need `HOME` (and, for some, `DBUS_SESSION_BUS_ADDRESS`, `GNUPGHOME`, ...) to find their store.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Gives up on the helper (it is killed). */
  readonly signal?: AbortSignal;
  /** Kills a helper that has not answered after this many milliseconds. Default 30 s. */
  readonly timeoutMs?: number;
}

/** Why a credential helper could not answer. Its message never holds a credential. @internal */
export class CredentialHelperError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CredentialHelperError';
  }
}

const NOT_FOUND = /credentials not found/i;
const MAX_OUTPUT = 1024 * 1024;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Asks `docker-credential-<name>` for the credentials of `serverUrl`.
 * Resolves with `undefined` when the helper has none for it.
 * @throws {CredentialHelperError} when the helper is missing, fails, times out or answers garbage.
 */
export async function getHelperCredentials(name: string, serverUrl: string, options: CredentialHelperOptions): Promise<HelperCredentials | undefined> {
  if (!HELPER_NAME.test(name)) throw new CredentialHelperError(`"${name}" is not a credential helper name`);
  const program = `docker-credential-${name}`;
  const { stdout, stderr, code } = await run(program, serverUrl, options);
  if (code !== 0) {
    const said = firstLine(stdout) || firstLine(stderr);
    if (NOT_FOUND.test(said)) return undefined;
    throw new CredentialHelperError(`${program} get exited with code ${code}${said ? `: ${said}` : ''}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    // Never quote the output: it may be a credential in the wrong format.
    throw new CredentialHelperError(`${program} get printed something that is not JSON`);
  }
  const { Username: username, Secret: secret } = (answer ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof username !== 'string' || typeof secret !== 'string') {
    throw new CredentialHelperError(`${program} get answered JSON without string Username and Secret fields`);
  }
  if (secret === '') return undefined;
  return { username, secret };
}

/** After the helper exits, how long its output may take to arrive (a child it left behind may hold it open). */
const OUTPUT_AFTER_EXIT_MS = 1_000;

function run(program: string, input: string, options: CredentialHelperOptions): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined));
    // With `env` given, Node looks the program up on env.PATH, not on the launcher's own PATH.
    const child = spawn(program, ['get'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    let exitCode: number | null = null;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const release = () => {
      clearTimeout(deadline);
      clearTimeout(afterExit);
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      release();
      child.kill('SIGKILL');
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      release();
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: exitCode });
    };
    // A deadline of our own: the process's timeout option does not cover output held open by a
    // child the helper left behind.
    const deadline = setTimeout(() => fail(new CredentialHelperError(`${program} get did not answer within ${timeoutMs} ms`)), timeoutMs);
    let afterExit: NodeJS.Timeout | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) fail(new CredentialHelperError(`${program} get printed more than 1 MiB`));
      else into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.stdin.on('error', () => {}); // a helper that exits without reading: its exit code tells
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') fail(new CredentialHelperError(`${program} was not found on the PATH`, { cause: error }));
      else if (error.name === 'AbortError') fail(new CredentialHelperError(`${program} get was aborted`, { cause: error }));
      else fail(new CredentialHelperError(`${program} could not be run (${error.code ?? error.message})`, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      if (signal !== null && code === null) {
        fail(new CredentialHelperError(`${program} get was killed by ${signal}`));
        return;
      }
      exitCode = code;
      // Normally its output is closed with it; a child it left behind may keep it open.
      afterExit = setTimeout(finish, OUTPUT_AFTER_EXIT_MS);
    });
    child.on('close', finish);
    child.stdin.end(input);
  });
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
