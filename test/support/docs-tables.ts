/**
 * The tables of the docs that follow from the code: the job fields (docs/configuration.md), the
 * variables (docs/configuration.md) and what each engine supports (docs/engines.md). The pages
 * hold them between `<!-- generated: NAME -->` and `<!-- end generated -->`;
 * test/unit/docs-tables.test.ts holds the pages to them (`npm run docs:tables` rewrites them).
 */
import { BUILTIN_ENGINES, type BuiltinEngine } from '../../src/engine/builtin-engines.js';
import { ENV_SETTINGS, type EnvSetting } from '../../src/core/env.js';
import { JOB_FIELD_NAMES, JOB_FIELDS, type JobField, type OptionalField } from '../../src/core/job-fields.js';

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const code = (text: string) => `\`${text}\``;

/** The fields table of docs/configuration.md. */
export function fieldsTable(): string {
  const rows = JOB_FIELD_NAMES.map((name) => {
    const { doc } = JOB_FIELDS[name];
    return row([code(name), doc.type, doc.default, doc.meaning]);
  });
  return [row(['Field', 'Type', 'Default', 'Meaning (`docker run` flag)']), row(['---', '---', '---', '---']), ...rows].join('\n');
}

const KIND_SYNTAX: Record<EnvSetting['kind'], string> = {
  text: '',
  command: ' (a JSON array, or a string split like a shell)',
  list: ' (a JSON list, or items separated by commas or newlines)',
  volumes: ' (a JSON list, or specs separated by commas or newlines)',
  integer: ' (digits)',
  boolean: ' (`true`/`false`, `1`/`0`, `yes`/`no`)',
  labels: ' (a JSON object, or `key=value` items separated by commas or newlines)',
  gpus: ' (one `--gpus` value, or a JSON list of them)',
};

/** The variables table of docs/configuration.md. */
export function variablesTable(): string {
  const rows = ENV_SETTINGS.map((s) => row([code(s.variable), `${code(s.field)}${KIND_SYNTAX[s.kind]}. ${s.description}`]));
  return [row(['Variable', 'Becomes']), row(['---', '---']), ...rows].join('\n');
}

function cell(name: JobField, engine: BuiltinEngine): string {
  const { honour } = JOB_FIELDS[name];
  const { capabilities } = engine;
  if (name === 'pull') return capabilities.images === 'local' ? 'docker-job pulls' : `the nodes pull (${(capabilities.pullPolicies ?? ['always', 'missing', 'never']).join(', ')})`;
  if (honour === 'runner') return 'docker-job';
  if (honour === 'engine') return 'yes';
  const support = capabilities.fields[name as OptionalField];
  if (support === undefined) return 'refused';
  return support === true ? 'yes' : support;
}

/** The support matrix of docs/engines.md: every field, and what each engine does with it. */
export function supportMatrix(): string {
  const header = row(['Field', 'Honoured by', ...BUILTIN_ENGINES.map((e) => e.title)]);
  const honouredBy = { runner: 'docker-job, on every engine', engine: 'every engine', optional: 'the engines that say so' } as const;
  const rows = JOB_FIELD_NAMES.map((name) => row([code(name), honouredBy[JOB_FIELDS[name].honour], ...BUILTIN_ENGINES.map((e) => cell(name, e))]));
  return [header, row(['---', '---', ...BUILTIN_ENGINES.map(() => '---')]), ...rows].join('\n');
}

/** The capabilities table of docs/engines.md. */
export function capabilitiesTable(): string {
  const rows: [string, (e: BuiltinEngine) => string][] = [
    ['made by', (e) => code(`${e.factory}()`)],
    ['`streams`', (e) => (e.capabilities.streams === 'separate' ? '`separate`: stdout and stderr apart (`merged` for a TTY)' : '`merged`: one stream, `merged`')],
    ['`output`', (e) => (e.capabilities.output === 'attach' ? '`attach`: attached before the start' : '`log`: replayed from the engine\'s log')],
    ['`oomKill`', (e) => (e.capabilities.oomKill === 'reported' ? '`reported`' : '`unknown`: `oomKilled` may be undefined')],
    ['`images`', (e) => (e.capabilities.images === 'local' ? '`local`: docker-job pulls' : '`nodes`: the nodes pull, as `JobSpec.pull` says')],
  ];
  return [row(['Capability', ...BUILTIN_ENGINES.map((e) => e.title)]), row(['---', ...BUILTIN_ENGINES.map(() => '---')]), ...rows.map(([name, value]) => row([name, ...BUILTIN_ENGINES.map(value)]))].join('\n');
}

/** Every generated block, by page and name. */
export const GENERATED: Readonly<Record<string, Readonly<Record<string, () => string>>>> = {
  'docs/configuration.md': { fields: fieldsTable, variables: variablesTable },
  'docs/engines.md': { capabilities: capabilitiesTable, support: supportMatrix },
};

/** A page with its generated blocks replaced by what the code says now. */
export function regenerate(page: string, text: string): string {
  let out = text;
  for (const [name, make] of Object.entries(GENERATED[page] ?? {})) {
    const start = `<!-- generated: ${name} -->`;
    const end = '<!-- end generated -->';
    const at = out.indexOf(start);
    const stop = at === -1 ? -1 : out.indexOf(end, at);
    if (at === -1 || stop === -1) throw new Error(`${page} has no ${start} ... ${end} block`);
    out = `${out.slice(0, at + start.length)}\n${make()}\n${out.slice(stop)}`;
  }
  return out;
}
