import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_FILE_MAX_LINE_BYTES, formatEnvFile, parseEnvFile, readEnvFiles, type EnvFileIssue } from '../../src/core/env-file.js';
import { ConfigError, isConfigError } from '../../src/errors/config-error.js';

type Vars = readonly (readonly [string, string])[];

function vars(input: string | Uint8Array, env: Record<string, string | undefined> = {}): Vars {
  const result = parseEnvFile(input, env);
  if (!result.ok) throw new Error(`expected the file to parse, got ${JSON.stringify(result.issues)}`);
  return result.value;
}

function issues(input: string | Uint8Array, env: Record<string, string | undefined> = {}): readonly EnvFileIssue[] {
  const result = parseEnvFile(input, env);
  if (result.ok) throw new Error(`expected the file to be refused, got ${JSON.stringify(result.value)}`);
  return result.issues;
}

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('parseEnvFile', () => {
  it('reads NAME=VALUE lines in order, the value being everything after the first =', () => {
    expect(vars('A=1\nB=has=equals\nC=\n')).toEqual([
      ['A', '1'],
      ['B', 'has=equals'],
      ['C', ''],
    ]);
  });

  it('does no quote processing, no escapes and no comment stripping after the value', () => {
    expect(vars(`Q="quoted"\nS='single'\nE=a\\nb\nG=val # not a comment\nD=$HOME\n`)).toEqual([
      ['Q', '"quoted"'],
      ['S', "'single'"],
      ['E', 'a\\nb'],
      ['G', 'val # not a comment'],
      ['D', '$HOME'],
    ]);
  });

  it('skips blank lines and lines whose first non-blank character is #', () => {
    expect(vars('\n   \n# comment\n  # indented comment\n#A=1\nB=2\n;C=3\n')).toEqual([
      ['B', '2'],
      [';C', '3'],
    ]);
  });

  it('drops leading whitespace, Go unicode.IsSpace included (NBSP, VT, NEL, ideographic space), and keeps trailing whitespace', () => {
    expect(vars('  \t A=indented\n\u00a0B=nbsp\n\u000bC=vt\n\u0085D=nel\n\u3000E=wide\nF=trail  \t\n')).toEqual([
      ['A', 'indented'],
      ['B', 'nbsp'],
      ['C', 'vt'],
      ['D', 'nel'],
      ['E', 'wide'],
      ['F', 'trail  \t'],
    ]);
  });

  it('does not treat a byte order mark after the first line, or U+FEFF, as blank', () => {
    expect(vars('A=1\n\uFEFFB=2\n')).toEqual([
      ['A', '1'],
      ['\uFEFFB', '2'],
    ]);
  });

  it('drops a UTF-8 byte order mark at the start of the file, from bytes or text', () => {
    expect(vars(bytes([0xef, 0xbb, 0xbf], 'A=bom\nB=2\n'))).toEqual([
      ['A', 'bom'],
      ['B', '2'],
    ]);
    expect(vars('\uFEFFA=bom')).toEqual([['A', 'bom']]);
  });

  it('drops one \\r before \\n (CRLF files) and keeps any other \\r in the value', () => {
    expect(vars('A=1\r\nB=2\r\r\nC=x\ry\n')).toEqual([
      ['A', '1'],
      ['B', '2\r'],
      ['C', 'x\ry'],
    ]);
  });

  it('reads a last line without a newline, and an empty file as no variables', () => {
    expect(vars('A=1')).toEqual([['A', '1']]);
    expect(vars('')).toEqual([]);
    expect(vars(new Uint8Array())).toEqual([]);
  });

  it('keeps unicode names and values', () => {
    expect(vars('ÜNÏ=ç ö\n日本=語 😀\n')).toEqual([
      ['ÜNÏ', 'ç ö'],
      ['日本', '語 😀'],
    ]);
  });

  it('keeps a repeated name twice, in file order, as docker hands both to the engine', () => {
    expect(vars('A=1\nB=x\nA=2\n')).toEqual([
      ['A', '1'],
      ['B', 'x'],
      ['A', '2'],
    ]);
  });

  it('takes the value of a bare NAME from the environment, empty values included, and leaves out unknown names', () => {
    expect(vars('SET\nEMPTY\nUNSET\n  INDENTED\n', { SET: 'from env', EMPTY: '', INDENTED: 'i', UNSET: undefined })).toEqual([
      ['SET', 'from env'],
      ['EMPTY', ''],
      ['INDENTED', 'i'],
    ]);
  });

  it('does not look names up on the prototype of the environment object', () => {
    expect(vars('constructor\ntoString\n', {})).toEqual([]);
  });

  it('accepts a very long value up to docker line limit, counted in UTF-8 bytes with the \\r', () => {
    const max = 'L=' + 'x'.repeat(ENV_FILE_MAX_LINE_BYTES - 2);
    expect(vars(`${max}\n`)[0]?.[1]).toHaveLength(ENV_FILE_MAX_LINE_BYTES - 2);
    expect(vars(max)[0]?.[1]).toHaveLength(ENV_FILE_MAX_LINE_BYTES - 2);
    expect(vars(`${max.slice(0, -1)}\r\n`)[0]?.[1]).toHaveLength(ENV_FILE_MAX_LINE_BYTES - 3);
  });

  describe('refused files', () => {
    it('refuses a line longer than docker reads, naming the line and its length', () => {
      const tooLong = 'L=' + 'x'.repeat(ENV_FILE_MAX_LINE_BYTES - 1);
      expect(issues(`A=1\n${tooLong}\n`)).toEqual([{ line: 2, message: `is ${ENV_FILE_MAX_LINE_BYTES + 1} bytes long`, expected: 'lines of at most 65535 bytes, as docker reads them' }]);
      expect(issues(tooLong)[0]?.line).toBe(1);
      expect(issues(`${tooLong.slice(0, -1)}\r\n`)[0]?.message).toBe(`is ${ENV_FILE_MAX_LINE_BYTES + 1} bytes long`);
      expect(issues('L=' + 'é'.repeat(32_767))[0]?.message).toBe('is 65536 bytes long');
    });

    it('refuses a line with no name before =', () => {
      expect(issues('=nokey\n')).toEqual([{ line: 1, message: 'has no variable name before "="', expected: 'NAME=VALUE, or NAME alone to pass on its value' }]);
      expect(issues('  =\n')[0]?.message).toBe('has no variable name before "="');
    });

    it('refuses a space or tab in a name, which also catches quoting and export', () => {
      for (const line of ['A B=1', 'A\t=1', 'export F=x', 'A =1']) expect(issues(line)[0]?.message, line).toBe('has a space or tab in its variable name');
    });

    it('refuses invalid UTF-8 bytes, and a lone surrogate in text, by line', () => {
      expect(issues(bytes('A=1\nB=', [0xff, 0xfe], '\n'))).toEqual([{ line: 2, message: 'is not valid UTF-8', expected: 'UTF-8 text' }]);
      expect(issues('A=\uD800x\n')[0]).toMatchObject({ line: 1, message: 'is not valid UTF-8' });
    });

    it('refuses a NUL character, which docker accepts and the engine then cannot start', () => {
      expect(issues('A=x\0y\n')[0]).toMatchObject({ line: 1, message: 'has a NUL character' });
    });

    it('reports every bad line at once, never quoting a value', () => {
      const secret = 's3cr3t-value';
      const found = issues(`=${secret}\nOK=1\nBAD NAME=${secret}\nX=\u0000${secret}\n`);
      expect(found.map((i) => i.line)).toEqual([1, 3, 4]);
      expect(JSON.stringify(found)).not.toContain(secret);
    });
  });
});

describe('formatEnvFile', () => {
  it('writes NAME=VALUE lines', () => {
    expect(
      formatEnvFile([
        ['A', '1'],
        ['B', ' spaced "quoted" '],
      ]),
    ).toBe('A=1\nB= spaced "quoted" \n');
  });

  it('says undefined for what the format cannot carry', () => {
    for (const v of [[['', 'x']], [['A B', 'x']], [['#A', 'x']], [[' A', 'x']], [['A=B', 'x']], [['A', 'x\ny']], [['A', 'x\r']], [['A', 'x\0']]] as const) {
      expect(formatEnvFile(v), JSON.stringify(v)).toBeUndefined();
    }
  });

  const name = fc.string({ minLength: 1, maxLength: 12 });
  const value = fc.string({ maxLength: 40 });
  const unicodeValue = fc.string({ unit: 'grapheme', maxLength: 20 });

  it('writes any variables it can carry so that parseEnvFile reads them back', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.oneof(value, unicodeValue)), { maxLength: 8 }), (list) => {
        const text = formatEnvFile(list);
        if (text === undefined) return;
        expect(vars(text)).toEqual(list);
        expect(vars(new TextEncoder().encode(text))).toEqual(list);
      }),
      { numRuns: 500 },
    );
  });
});

describe('readEnvFiles', () => {
  const files: Record<string, string> = {
    '/cfg/a.env': 'A=from-a\nSHARED=a\nBARE\n',
    '/cfg/b.env': 'SHARED=b\nB=from-b\n',
    '/cfg/bad.env': 'OK=1\n=secret-value\nBAD NAME=secret-too\n',
  };
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return new TextEncoder().encode(text);
  };
  const thrown = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('returns the variables of every file in order, bare names from lookupEnv', () => {
    expect(readEnvFiles(['/cfg/a.env', '/cfg/b.env'], { label: '--env-file', readFile, lookupEnv: { BARE: 'looked-up' } })).toEqual([
      ['A', 'from-a'],
      ['SHARED', 'a'],
      ['BARE', 'looked-up'],
      ['SHARED', 'b'],
      ['B', 'from-b'],
    ]);
    expect(readEnvFiles([], { label: '--env-file', readFile })).toEqual([]);
  });

  it('throws one ConfigError with every issue of every file under the label, naming file and line, never a value', () => {
    const error = thrown(() => readEnvFiles(['/cfg/bad.env', '/cfg/a.env', '/cfg/missing.env'], { label: '--env-file', readFile }));
    expect(error.issues).toEqual([
      { path: '--env-file', message: '/cfg/bad.env line 2 has no variable name before "="', expected: 'NAME=VALUE, or NAME alone to pass on its value' },
      { path: '--env-file', message: '/cfg/bad.env line 3 has a space or tab in its variable name', expected: expect.any(String) },
      { path: '--env-file', message: '/cfg/missing.env cannot be read (ENOENT)', expected: 'a readable env file' },
    ]);
    expect(error.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(error.issues) + error.message).not.toMatch(/secret/);
  });

  it('numbers issue paths by file when asked', () => {
    const error = thrown(() => readEnvFiles(['/cfg/a.env', '/cfg/missing.env'], { label: 'envFile', indexed: true, readFile }));
    expect(error.issues.map((i) => i.path)).toEqual(['envFile[1]']);
  });

  it('reads the local file system by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docker-job-read-env-files-'));
    try {
      await writeFile(join(dir, 'job.env'), '\uFEFFGREETING=hello\r\n');
      expect(readEnvFiles([join(dir, 'job.env')], { label: '--env-file' })).toEqual([['GREETING', 'hello']]);
      expect(thrown(() => readEnvFiles([join(dir, 'absent.env')], { label: '--env-file' })).issues[0]?.message).toBe(`${join(dir, 'absent.env')} cannot be read (ENOENT)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseEnvFile properties', () => {
  it('never throws, for any bytes or text, and files every issue under a line of the input', () => {
    const lineish = fc.string({ unit: fc.constantFrom('A', '=', ' ', '\t', '\n', '\r', '#', '\0', '\uFEFF', '\u00a0', 'é', '\uD800') });
    fc.assert(
      fc.property(fc.oneof(lineish, fc.string(), fc.uint8Array({ maxLength: 200 })), (input) => {
        const result = parseEnvFile(input, { A: 'a' });
        const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
        const lines = text.split('\n').length;
        if (!result.ok) for (const i of result.issues) expect(i.line >= 1 && i.line <= lines, `line ${i.line} of ${lines}`).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never quotes a line in an issue: no message or expected holds its content', () => {
    // Every line carries a value between § marks, a character no message uses; each kind of bad line is generated.
    const value = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', '7', '-', '.', ' ', '"', "'", '=') }).map((v) => `§${v}§`);
    const line = fc.oneof(
      value.map((v) => Buffer.from(`GOOD=${v}`)),
      value.map((v) => Buffer.from(`=${v}`)),
      value.map((v) => Buffer.from(`BAD ${v}=x`)),
      value.map((v) => Buffer.from(`export X=${v}`)),
      value.map((v) => Buffer.from(`${v}=x`)),
      value.map((v) => Buffer.from(`NUL=${v}\0${v}`)),
      value.map((v) => Buffer.concat([Buffer.from(`BYTES=${v}`), Buffer.from([0xff, 0xfe])])),
      value.map((v) => Buffer.from(`LONG=${v}${'x'.repeat(ENV_FILE_MAX_LINE_BYTES)}`)),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        const result = parseEnvFile(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
        const found = result.ok ? [] : result.issues;
        for (const issue of found) {
          const content = (lines[issue.line - 1] ?? Buffer.alloc(0)).toString('utf8');
          for (const said of [issue.message, issue.expected]) {
            expect(said).not.toContain('§');
            expect(said).not.toContain(content.slice(0, 200));
          }
        }
      }),
      { numRuns: 300 },
    );
    // The generator does reach the refusals.
    expect(issues(Buffer.from('=§x§\nBAD §y§=1\n')).map((i) => i.line)).toEqual([1, 2]);
  });

  it('reads bytes and their decoded text the same way', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('A', 'b', '=', ' ', '\n', '\r', '#', 'é', '\u00a0') }), (text) => {
        expect(parseEnvFile(new TextEncoder().encode(text))).toEqual(parseEnvFile(text));
      }),
      { numRuns: 500 },
    );
  });
});
