/** The outcome of a pure parser: a value, or what was wrong with the input and what would be accepted. */
export type ParseResult<T> =
  | {
      /** The input was understood. */
      readonly ok: true;
      /** What it means. */
      readonly value: T;
    }
  | {
      /** The input was refused. */
      readonly ok: false;
      /** What was wrong, in words, e.g. `has an unterminated double quote opened at position 6`. */
      readonly message: string;
      /** What would have been accepted. */
      readonly expected: string;
    };

const DOUBLE_QUOTE_ESCAPABLE = new Set(['\\', '"', '$', '`', '\n']);

/** Characters a POSIX shell reads as operators when unquoted: refused, since no shell runs. */
const SHELL_OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);

/**
 * Splits a command line into an argv array the way a POSIX shell splits words, without running a
 * shell:
 *
 * - spaces, tabs, newlines (and carriage returns) separate words;
 * - single quotes keep everything literally;
 * - double quotes keep everything but the escapes `\\`, `\"`, `\$`, `` \` `` and backslash-newline;
 * - a backslash outside quotes escapes the next character; backslash-newline joins lines;
 * - nothing is expanded: `$HOME`, `*.txt` and `~` reach the program as written.
 *
 * Because no shell runs, characters a shell would read as operators are refused when unquoted
 * (`|`, `&`, `;`, `<`, `>`, `(`, `)`, `` ` ``, and `#` at the start of a word): `a && b` would
 * otherwise silently become the arguments `&&` and `b`. Quote them to pass them literally, or run
 * a shell yourself: `sh -c 'a && b'`. A NUL character is refused: no program argument can carry it.
 *
 * Pure; never throws.
 * @example parseCommandString(`python -c 'print("hi")'`) // { ok: true, value: ['python', '-c', 'print("hi")'] }
 */
export function parseCommandString(input: string): ParseResult<string[]> {
  const nul = input.indexOf('\0');
  if (nul !== -1) {
    return { ok: false, message: `has a NUL character at position ${nul + 1}`, expected: 'no NUL characters (no program argument can carry one)' };
  }
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  let quoteStart = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < input.length && DOUBLE_QUOTE_ESCAPABLE.has(input[i + 1] as string)) {
        const next = input[++i] as string;
        if (next !== '\n') word += next; // backslash-newline is a line continuation
      } else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      quoteStart = i;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= input.length) {
        return { ok: false, message: 'ends with a lone backslash', expected: 'a character after the backslash, or no backslash' };
      }
      const next = input[++i] as string;
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (SHELL_OPERATORS.has(c) || (c === '#' && !inWord)) {
      const what = c === '#' ? 'starts a comment' : c === '`' ? 'starts a command substitution' : 'is an operator';
      return {
        ok: false,
        message: `has an unquoted "${c}" at position ${i + 1}, which ${what} in a shell, and no shell runs here`,
        expected: `"${c}" quoted ('${c}') to pass it as text, or a shell run explicitly: sh -c '...'`,
      };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) {
    return {
      ok: false,
      message: `has an unterminated ${quote === "'" ? 'single' : 'double'} quote opened at position ${quoteStart + 1}`,
      expected: 'every quote closed',
    };
  }
  if (inWord) words.push(word);
  return { ok: true, value: words };
}

/**
 * Quotes an argv array back into a command string that {@link parseCommandString} splits into the
 * same array. Words made only of safe characters stay bare; others are single-quoted. Pure.
 *
 * @example formatCommand(['sh', '-c', 'echo $HOME']) // "sh -c 'echo $HOME'"
 */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
