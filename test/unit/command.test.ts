import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatCommand, parseCommandString, type ParseResult } from '../../src/core/command.js';

/** The argv of a successful parse; fails the test with the parser's message otherwise. */
function argv(input: string): string[] {
  const result = parseCommandString(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.message}`);
  return result.value;
}

/** The failure of a parse; fails the test if the input parsed. */
function failure(input: string): Extract<ParseResult<string[]>, { ok: false }> {
  const result = parseCommandString(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${JSON.stringify(result.value)}`);
  return result;
}

/** Any UTF-16 code unit, lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
/** Characters the parser treats specially, so generated strings hit them often. */
const special = fc.constantFrom(' ', '\t', '\n', '\r', "'", '"', '\\', '$', '`', '=', '#', '*', '~');
const trickyString = fc.string({ unit: fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), anyCodeUnit) });
/** Argument words: anything but NUL, which no argument can carry. */
const word = (s: fc.Arbitrary<string>) => s.map((w) => w.replaceAll('\0', ''));

describe('parseCommandString', () => {
  describe('whitespace', () => {
    it('returns an empty argv for an empty string', () => {
      expect(argv('')).toEqual([]);
    });

    it('returns an empty argv for whitespace only', () => {
      expect(argv(' \t\r\n  ')).toEqual([]);
    });

    it('splits words on spaces, tabs, carriage returns and newlines', () => {
      expect(argv('a b\tc\nd\re')).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('ignores leading, trailing and repeated whitespace', () => {
      expect(argv('   python \t\t main.py   --x  ')).toEqual(['python', 'main.py', '--x']);
    });
  });

  describe('single quotes', () => {
    it('keeps everything inside single quotes literally, whitespace included', () => {
      expect(argv(`echo 'hello   world'`)).toEqual(['echo', 'hello   world']);
    });

    it('does not treat backslashes, double quotes or $ specially inside single quotes', () => {
      expect(argv(String.raw`'a\b "c" $HOME \'`)).toEqual(['a\\b "c" $HOME \\']);
    });

    it('keeps a newline inside single quotes', () => {
      expect(argv("'line1\nline2'")).toEqual(['line1\nline2']);
    });

    it('produces an empty word for an empty pair of quotes', () => {
      expect(argv(`a '' b ""`)).toEqual(['a', '', 'b', '']);
    });

    it('joins quoted and unquoted parts without whitespace between them into one word', () => {
      expect(argv(`--name='John Smith'x"y z"`)).toEqual(['--name=John Smithxy z']);
    });

    it('splits the documented python example', () => {
      expect(argv(`python -c 'print("hi")'`)).toEqual(['python', '-c', 'print("hi")']);
    });
  });

  describe('double quotes', () => {
    it('keeps whitespace and single quotes inside double quotes', () => {
      expect(argv(`echo "it's   here"`)).toEqual(['echo', "it's   here"]);
    });

    it('unescapes \\\\, \\", \\$ and \\` inside double quotes', () => {
      expect(argv(String.raw`"a\\b\"c\$d\`e"`)).toEqual(['a\\b"c$d`e']);
    });

    it('keeps a backslash before any other character inside double quotes', () => {
      expect(argv(String.raw`"C:\data\n\t"`)).toEqual([String.raw`C:\data\n\t`]);
    });

    it('drops a backslash-newline inside double quotes (line continuation)', () => {
      expect(argv('"abc\\\ndef"')).toEqual(['abcdef']);
    });

    it('does not expand $VARIABLES, globs or ~', () => {
      expect(argv(`echo "$HOME" $PATH *.txt ~/x`)).toEqual(['echo', '$HOME', '$PATH', '*.txt', '~/x']);
    });
  });

  describe('backslash outside quotes', () => {
    it('escapes the next character outside quotes', () => {
      expect(argv(String.raw`a\ b \'c\' \"d\" \\e`)).toEqual(['a b', "'c'", '"d"', '\\e']);
    });

    it('escapes an ordinary character to itself', () => {
      expect(argv(String.raw`\a\b\c`)).toEqual(['abc']);
    });

    it('joins two parts of a word across a backslash-newline', () => {
      expect(argv('ab\\\ncd')).toEqual(['abcd']);
    });

    it('treats a backslash-newline between words as nothing, not as an empty word', () => {
      expect(argv('a \\\n b')).toEqual(['a', 'b']);
      expect(argv('\\\n')).toEqual([]);
    });

    it('refuses a lone trailing backslash', () => {
      const result = failure('echo abc\\');
      expect(result.message).toBe('ends with a lone backslash');
      expect(result.expected).toMatch(/backslash/);
    });

    it('accepts an escaped backslash at the end', () => {
      expect(argv('echo abc\\\\')).toEqual(['echo', 'abc\\']);
    });
  });

  describe('unterminated quotes', () => {
    it('refuses an unterminated single quote and names where it was opened (1-based)', () => {
      const result = failure(`echo 'abc`);
      expect(result.message).toBe('has an unterminated single quote opened at position 6');
      expect(result.expected).toBe('every quote closed');
    });

    it('refuses an unterminated double quote and names where it was opened (1-based)', () => {
      const result = failure(`a "b`);
      expect(result.message).toBe('has an unterminated double quote opened at position 3');
    });

    it('names the position of the last, unclosed quote when earlier ones were closed', () => {
      const result = failure(`'x' "y" 'z`);
      expect(result.message).toContain('single quote opened at position 9');
    });

    it('treats a trailing backslash inside double quotes as part of an unterminated quote', () => {
      expect(failure('"abc\\').message).toContain('unterminated double quote opened at position 1');
    });

    it('treats an escaped quote as literal, so it does not open a quote', () => {
      expect(argv(String.raw`it\'s`)).toEqual(["it's"]);
    });
  });

  describe('other characters', () => {
    it('keeps non-ASCII characters, including astral ones, intact', () => {
      expect(argv(`échò "日本語 テキスト" '😀 x' 🚀`)).toEqual(['échò', '日本語 テキスト', '😀 x', '🚀']);
    });

    it('keeps = inside words', () => {
      expect(argv(`env A=1 B="two words" --opt==x`)).toEqual(['env', 'A=1', 'B=two words', '--opt==x']);
    });

    it('refuses unquoted shell operators, saying where and why, since no shell runs', () => {
      for (const [input, c, at] of [
        ['a | b', '|', 3],
        ['a && b', '&', 3],
        ['a; b', ';', 2],
        ['python etl.py > /tmp/out', '>', 15],
        ['a < in', '<', 3],
        ['echo $(date)', '(', 7],
        ['echo `date`', '`', 6],
        ['curl http://x?a=1&b=2', '&', 18],
      ] as const) {
        const result = failure(input);
        expect(result.message, input).toBe(
          `has an unquoted "${c}" at position ${at}, which ${c === '`' ? 'starts a command substitution' : 'is an operator'} in a shell, and no shell runs here`,
        );
        expect(result.expected).toContain("sh -c '...'");
      }
    });

    it('refuses an unquoted # that starts a word (a comment in a shell), but keeps one inside a word', () => {
      expect(failure('python main.py # nightly').message).toContain('"#" at position 16, which starts a comment');
      expect(argv('--color=#fff a#b')).toEqual(['--color=#fff', 'a#b']);
    });

    it('passes shell operators that are quoted or escaped as text', () => {
      expect(argv(String.raw`sh -c 'a | b && c; d > e' "x|y" \& \# '#'`)).toEqual(['sh', '-c', 'a | b && c; d > e', 'x|y', '&', '#', '#']);
    });

    it('refuses a NUL character, which no program argument can carry', () => {
      expect(failure('echo a\u0000b').message).toBe('has a NUL character at position 7');
      expect(failure("'\u0000'").expected).toContain('no NUL');
    });

    it('splits a very long input into every word', () => {
      const words = Array.from({ length: 50_000 }, (_, i) => `w${i}`);
      const long = 'x'.repeat(200_000);
      expect(argv(`${words.join(' ')} '${long}'`)).toEqual([...words, long]);
    });
  });

  describe('properties', () => {
    it('gives back any argv formatted by formatCommand', () => {
      fc.assert(
        fc.property(fc.array(word(fc.string())), (words) => {
          expect(argv(formatCommand(words))).toEqual(words);
        }),
        { numRuns: 300 },
      );
    });

    it('gives back any argv of arbitrary code units (quotes, backslashes, newlines, lone surrogates) formatted by formatCommand', () => {
      fc.assert(
        fc.property(fc.array(word(trickyString)), (words) => {
          expect(argv(formatCommand(words))).toEqual(words);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws, for any string', () => {
      const isResult = (r: ParseResult<string[]>): boolean =>
        r.ok ? Array.isArray(r.value) && r.value.every((w) => typeof w === 'string') : typeof r.message === 'string' && r.message.length > 0;
      fc.assert(fc.property(fc.string(), (s) => isResult(parseCommandString(s))), { numRuns: 300 });
      fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => isResult(parseCommandString(s))), { numRuns: 300 });
      fc.assert(fc.property(trickyString, (s) => isResult(parseCommandString(s))), { numRuns: 300 });
    });

    it('splits plain words joined by single spaces back into the same words', () => {
      const plainWord = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-./=:@%+,'), minLength: 1 });
      fc.assert(
        fc.property(fc.array(plainWord), (words) => {
          expect(argv(words.join(' '))).toEqual(words);
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('formatCommand', () => {
  it('leaves words of safe characters bare', () => {
    expect(formatCommand(['python', '-m', 'http.server', '--bind=0.0.0.0:8080', 'a/b,c@d%e+f'])).toBe('python -m http.server --bind=0.0.0.0:8080 a/b,c@d%e+f');
  });

  it('single-quotes words with spaces or shell characters, and the empty word', () => {
    expect(formatCommand(['echo', 'a b', '$HOME', ''])).toBe(`echo 'a b' '$HOME' ''`);
  });

  it("escapes a single quote as '\\''", () => {
    expect(formatCommand(["it's"])).toBe(`'it'\\''s'`);
  });

  it('formats an empty argv as an empty string', () => {
    expect(formatCommand([])).toBe('');
  });
});
