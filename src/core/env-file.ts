import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';

/** One problem in an env file, by line. */
export interface EnvFileIssue {
  /** 1-based line number. */
  readonly line: number;
  /** What was wrong; never contains the line's value. */
  readonly message: string;
  /** What would have been accepted. */
  readonly expected: string;
}

/** The variables of an env file in file order (a repeated name appears again, as docker keeps it), or every issue found. */
export type EnvFileParseResult =
  | {
      /** The file was understood. */
      readonly ok: true;
      /** Its variables as `[name, value]`, in file order. */
      readonly value: readonly (readonly [name: string, value: string])[];
    }
  | {
      /** The file was refused. */
      readonly ok: false;
      /** Every bad line. */
      readonly issues: readonly EnvFileIssue[];
    };

/** docker reads env files with Go's bufio.Scanner: a line (with its `\r`, without `\n`) may hold 65535 bytes. */
export const ENV_FILE_MAX_LINE_BYTES = 65_535;

/** Go's `unicode.IsSpace`, which docker uses to trim the start of each line (JavaScript's `\s` differs: it has U+FEFF, lacks U+0085). */
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BOM = '\uFEFF';

/**
 * Parses an env file in docker's `--env-file` format, exactly as the docker CLI reads it (checked
 * against it by the differential tests):
 *
 * - lines end at `\n`; one `\r` before it is dropped (other `\r` are part of the value);
 * - a UTF-8 byte order mark at the very start is dropped; a line that is not valid UTF-8 is an error;
 * - leading whitespace is dropped; trailing whitespace belongs to the value;
 * - blank lines and lines whose first non-blank character is `#` are skipped (a `#` later on is
 *   part of the value);
 * - `NAME=VALUE` sets NAME to everything after the first `=`, quotes included: no quote
 *   processing, no escapes, no `export`;
 * - a bare `NAME` takes its value from `env`, and is left out when `env` has no such variable;
 * - a name must not be empty or contain a space or tab;
 * - a line longer than 65535 bytes is an error.
 *
 * One difference: a NUL character is refused here, where docker accepts the file and the job then
 * fails to start. Every issue is reported with its line number; values are never quoted, so a
 * secret in a malformed line does not leak. Pure; never throws.
 *
 * @param input The file's bytes (checked for UTF-8 line by line, as docker does) or its text.
 * @param env Where a bare `NAME` line takes its value from.
 */
export function parseEnvFile(input: string | Uint8Array, env: Readonly<Record<string, string | undefined>> = {}): EnvFileParseResult {
  const lines = typeof input === 'string' ? splitText(input) : splitBytes(input);
  const vars: (readonly [string, string])[] = [];
  const issues: EnvFileIssue[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    const issue = (message: string, expected: string) => issues.push({ line, message, expected });
    if (raw.bytes > ENV_FILE_MAX_LINE_BYTES) return issue(`is ${raw.bytes} bytes long`, `lines of at most ${ENV_FILE_MAX_LINE_BYTES} bytes, as docker reads them`);
    if (raw.text === undefined) return issue('is not valid UTF-8', 'UTF-8 text');
    let text = raw.text.endsWith('\r') ? raw.text.slice(0, -1) : raw.text;
    if (line === 1 && text.startsWith(BOM)) text = text.slice(1);
    text = text.replace(LEADING_SPACE, '');
    if (text === '' || text.startsWith('#')) return;
    const eq = text.indexOf('=');
    const name = eq === -1 ? text : text.slice(0, eq);
    if (name === '') return issue('has no variable name before "="', 'NAME=VALUE, or NAME alone to pass on its value');
    if (/[ \t]/.test(name)) return issue('has a space or tab in its variable name', 'NAME=VALUE with no space before "=" (quotes and "export" are not understood)');
    if (text.includes('\0')) return issue('has a NUL character', 'no NUL characters (the engine cannot pass them to the job)');
    if (eq !== -1) vars.push([name, text.slice(eq + 1)]);
    else {
      const value = Object.hasOwn(env, name) ? env[name] : undefined;
      if (value !== undefined) vars.push([name, value]);
    }
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: vars };
}

/**
 * Formats variables as an env file that {@link parseEnvFile} reads back to the same variables.
 * Returns `undefined` when the format cannot say it: a name that is empty, starts with a blank or
 * `#`, or holds `=`, a space, a tab, a line break or NUL; a value with a line break or NUL, or
 * ending in `\r` (the format has no escapes); a line longer than docker reads. Pure.
 */
export function formatEnvFile(vars: readonly (readonly [string, string])[]): string | undefined {
  let text = '';
  for (const [name, value] of vars) {
    if (name === '' || LEADING_SPACE.test(name) || name.startsWith('#') || name.startsWith(BOM) || /[= \t\n\r\0]/.test(name)) return undefined;
    if (/[\n\0]/.test(value) || value.endsWith('\r') || LONE_SURROGATE.test(name + value)) return undefined;
    const line = `${name}=${value}`;
    if (byteLength(line) > ENV_FILE_MAX_LINE_BYTES) return undefined;
    text += `${line}\n`;
  }
  return text;
}

/** Reads a named env file: the one piece of I/O in the configuration core. */
export type ReadFile = (path: string) => Uint8Array;

/** Reads a file from the local file system. */
export const readLocalFile: ReadFile = (path) => readFileSync(path);

/** Options of {@link readEnvFiles}. */
export interface ReadEnvFilesOptions {
  /**
   * What issues are filed under, e.g. `envFile` or `--env-file`: with `indexed`, the path of an
   * issue in the second file is `envFile[1]`; without, it is the label alone. The message always
   * names the file (and the line).
   */
  readonly label: string;
  /** Number issue paths by file (`label[i]`). Default `false`. */
  readonly indexed?: boolean;
  /** Where a bare `NAME` line takes its value from. Default: nowhere (such lines are left out). */
  readonly lookupEnv?: Readonly<Record<string, string | undefined>>;
  /** Reads a file. Default: the local file system ({@link readLocalFile}). */
  readonly readFile?: ReadFile;
}

/**
 * Reads env files in docker's `--env-file` format ({@link parseEnvFile}), as `parseJobConfig`
 * reads a job's `envFile` and the CLI its `--env-file`: each file read with `readFile`, as named
 * (resolve relative paths first), and parsed. Returns every variable of every file, in order (a
 * later one wins when they are merged into a record).
 *
 * @throws {ConfigError} with one issue per unreadable file and per bad line, across all the files:
 *   `{ path: label, message: '/cfg/job.env line 3 has no variable name before "="', expected }`,
 *   never a value from a file; its `cause` is the first read error, if any.
 */
export function readEnvFiles(paths: readonly string[], options: ReadEnvFilesOptions): (readonly [name: string, value: string])[] {
  const result = collectEnvFiles(paths, options);
  if (result.issues.length > 0) throw new ConfigError(result.issues, result.readError === undefined ? {} : { cause: result.readError });
  return result.vars;
}

/** {@link readEnvFiles}, returning the issues instead of throwing them. @internal */
export function collectEnvFiles(paths: readonly string[], options: ReadEnvFilesOptions): { vars: (readonly [string, string])[]; issues: ConfigIssue[]; readError?: unknown } {
  const vars: (readonly [string, string])[] = [];
  const issues: ConfigIssue[] = [];
  let readError: unknown;
  const read = options.readFile ?? readLocalFile;
  paths.forEach((path, i) => {
    const at = options.indexed ? `${options.label}[${i}]` : options.label;
    let bytes: Uint8Array;
    try {
      bytes = read(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      readError ??= error;
      issues.push({ path: at, message: `${path} cannot be read${code ? ` (${code})` : ''}`, expected: 'a readable env file' });
      return;
    }
    const parsed = parseEnvFile(bytes, options.lookupEnv ?? {});
    if (!parsed.ok) {
      for (const problem of parsed.issues) issues.push({ path: at, message: `${path} line ${problem.line} ${problem.message}`, expected: problem.expected });
      return;
    }
    vars.push(...parsed.value);
  });
  return readError === undefined ? { vars, issues } : { vars, issues, readError };
}

interface RawLine {
  /** The line's text, or `undefined` when its bytes are not valid UTF-8. */
  readonly text: string | undefined;
  /** Its length in UTF-8 bytes, `\r` included, `\n` excluded. */
  readonly bytes: number;
}

const encoder = new TextEncoder();

function splitText(text: string): RawLine[] {
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((part) => (LONE_SURROGATE.test(part) ? { text: undefined, bytes: byteLength(part) } : { text: part, bytes: byteLength(part) }));
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

function splitBytes(bytes: Uint8Array): RawLine[] {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lines: RawLine[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const last = end === -1;
    if (last) end = bytes.length;
    const slice = bytes.subarray(start, end);
    let text: string | undefined;
    try {
      text = decoder.decode(slice);
    } catch {
      text = undefined;
    }
    lines.push({ text, bytes: slice.length });
    start = end + 1;
  }
  return lines;
}
