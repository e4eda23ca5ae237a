/** The outcome of a pure parser: a value, or what was wrong with the input. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string; readonly expected: string };

const DOUBLE_QUOTE_ESCAPABLE = new Set(['\\', '"', '$', '`', '\n']);

/**
 * Splits a command line into an argv array the way a POSIX shell splits words, without running a
 * shell: whitespace separates words; single quotes keep everything literally; double quotes keep
 * everything but `\\`, `\"`, `\$`, `` \` `` escapes; a backslash outside quotes escapes the next
 * character. No expansion of any kind happens (`$HOME`, globs, `~` stay as they are), and the result
 * is never wrapped in `sh -c`: to use shell features, write `sh -c '...'` yourself.
 *
 * @example parseCommandString(`python -c 'print("hi")'`) // ['python', '-c', 'print("hi")']
 */
export function parseCommandString(input: string): ParseResult<string[]> {
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
 * same array. Words made only of safe characters stay bare; others are single-quoted.
 */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}
