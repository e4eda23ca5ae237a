/**
 * The valibot building blocks every schema of the package shares (jobs, builds, pushes): strings
 * checked or converted by the core's pure parsers, argv, records that refuse the keys valibot
 * would drop silently, and the turning of valibot's issues into {@link ConfigIssue}s that never
 * repeat an input value. One copy of each, so a job and a build read `linux/amd64` alike. Pure.
 */
import * as v from 'valibot';
import type { ConfigIssue } from '../errors/config-error.js';
import { parseCommandString, type ParseResult } from './command.js';
import { parsePlatform } from './docker-options.js';
import { parseImageReference } from './image-reference.js';
import { maskSecrets } from './secrets.js';

/** A string checked and converted by one of the core's pure parsers; the parser's words become the issue. */
export function parsedString<T>(parse: (text: string) => ParseResult<T>, typeMessage = 'must be a string') {
  return v.pipe(
    v.string(typeMessage),
    v.rawTransform<string, T>(({ dataset, addIssue, NEVER }) => {
      const result = parse(dataset.value);
      if (result.ok) return result.value;
      addIssue({ message: result.message, expected: result.expected });
      return NEVER;
    }),
  );
}

/** A string checked (not converted) by one of the core's pure parsers. */
export function checkedString(parse: (text: string) => ParseResult<unknown>, typeMessage = 'must be a string') {
  return v.pipe(
    v.string(typeMessage),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const result = parse(dataset.value);
      if (!result.ok) addIssue({ message: result.message, expected: result.expected });
    }),
  );
}

/** A string without NUL; `what` says what cannot carry one. */
export const noNul = (what: string) => v.check<string, string>((s) => !s.includes('\0'), `must not contain a NUL character (${what} cannot carry one)`);

/** A non-empty string; `what` is what was expected. */
export const nonEmptyString = (what: string) => v.pipe(v.string('must be a string'), v.nonEmpty(`must not be empty (expected ${what})`));

/**
 * An argv array, or a command string split like a POSIX shell would (no shell runs); the parser's
 * own message says why a string could not be split. No argument may hold a NUL.
 */
export const Argv = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be a command string or an array of strings'),
  v.rawTransform<string | string[], string[]>(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') {
      const nul = dataset.value.findIndex((w) => w.includes('\0'));
      if (nul === -1) return dataset.value;
      addIssue({ message: `has a NUL character in item ${nul}`, expected: 'no NUL characters (no program argument can carry one)' });
      return NEVER;
    }
    const result = parseCommandString(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.message, expected: result.expected });
    return NEVER;
  }),
);

/** Keys that valibot's `record` drops silently (its prototype-pollution guard): refused aloud instead. */
const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A record of strings whose keys are checked by `key`; keys that would be dropped silently are refused by name. */
export function stringRecord<TKey extends v.GenericSchema<string, string>>(key: TKey, value: v.GenericSchema<string, string> = v.string('must be a string')) {
  return v.pipe(
    v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'must be an object of names to strings'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      for (const name of UNSAFE_KEYS) {
        if (Object.hasOwn(dataset.value, name)) {
          addIssue({
            message: `cannot be used as a name (${UNSAFE_KEYS.join(', ')} are refused)`,
            path: [{ type: 'object', origin: 'key', input: dataset.value, key: name, value: dataset.value[name] }],
          });
        }
      }
    }),
    v.record(key, value),
  );
}

/** A value given once or as a list, always a list after parsing. */
export function oneOrMany<T extends v.GenericSchema>(item: T, listMessage: string) {
  return v.lazy((input) => (Array.isArray(input) ? v.array(item, listMessage) : v.pipe(item, v.transform((one) => [one] as v.InferOutput<T>[]))));
}

/** A platform, `os[/arch[/variant]]`, as `docker run --platform` and `docker build --platform` take it. */
export const Platform = parsedString(parsePlatform);

/** An image reference the engine accepts; `digest: false` refuses `@sha256:` (a tag cannot be a digest). */
export function imageReference(options: { readonly digest: boolean; readonly typeMessage?: string }) {
  return v.pipe(
    v.string(options.typeMessage ?? 'must be a string'),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const ref = parseImageReference(dataset.value);
      if (!ref.ok) addIssue({ message: ref.message, expected: ref.expected });
      else if (!options.digest && ref.value.digest !== undefined) addIssue({ message: 'has a digest; a tag names an image by name and tag', expected: 'a reference such as team/app:1.2' });
    }),
  );
}

/** Turns a valibot issue into a {@link ConfigIssue} that never repeats the input value. */
export function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = formatPath(v.getDotPath(issue) ?? 'config');
  if (issue.type === 'strict_object') {
    // valibot reports three things under this type; its own messages would echo the input.
    if (issue.expected === 'never') return { path, message: `unknown field ${JSON.stringify(path.replace(/^.*[.\]]/, ''))}` };
    if (issue.received === 'undefined' && issue.expected?.startsWith('"')) return { path, message: 'is required', expected: `a value for ${path}` };
    if (!issue.message.startsWith('Invalid ')) return { path, message: issue.message };
    return { path, message: `must be an object (${describeType(issue.input)})`, expected: 'an object of job fields such as { image: "busybox" }' };
  }
  // valibot's default messages repeat the received value; ours never include input values, so a
  // secret in a malformed field is not echoed.
  if (issue.message.startsWith('Invalid ')) {
    const message = `has the wrong type (${issue.received === undefined ? 'unexpected value' : describeType(issue.input)})`;
    return issue.expected ? { path, message, expected: issue.expected } : { path, message };
  }
  // Our own checks say what they expected in words; valibot's built-in ones in symbols (`>=1`).
  const ours = issue.type === 'raw_check' || issue.type === 'raw_transform';
  return ours && issue.expected ? { path, message: issue.message, expected: issue.expected } : { path, message: issue.message };
}

/** An issue with every occurrence of the given secret values masked, in its path too. */
export function maskIssue(issue: ConfigIssue, secrets: readonly string[]): ConfigIssue {
  if (secrets.length === 0) return issue;
  const masked = { path: maskSecrets(issue.path, secrets), message: maskSecrets(issue.message, secrets) };
  return issue.expected === undefined ? masked : { ...masked, expected: maskSecrets(issue.expected, secrets) };
}

function describeType(input: unknown): string {
  if (input === null) return 'got null';
  if (Array.isArray(input)) return 'got an array';
  return `got ${typeof input}`;
}

/** `volumes.2` → `volumes[2]`, `env.DB_HOST` stays. */
function formatPath(dotPath: string): string {
  return dotPath.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}
