import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_SETTINGS, RUNTIME_ENV_NAMES } from '../../src/core/env.js';
import { JobConfigSchema } from '../../src/core/job-config.js';
import { DANGEROUS_OPTIONS } from '../../src/core/policy.js';

const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('documents every JobConfig field in its fields table', () => {
    const fields = Object.keys(JobConfigSchema.pipe[0].entries);
    expect(fields.length).toBeGreaterThan(30);
    // The first cell of each table row, e.g. "`capAdd`, `capDrop`".
    const firstCells = docs.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|')[1] ?? '');
    for (const field of fields) expect(firstCells.some((cell) => cell.includes(`\`${field}\``)), field).toBe(true);
  });

  it('documents every variable configFromEnv reads, and every runtime name it keeps from the child', () => {
    for (const s of ENV_SETTINGS) expect(docs, s.variable).toMatch(new RegExp(`^\\| \`${s.variable}\` \\|`, 'm'));
    for (const name of RUNTIME_ENV_NAMES) expect(docs, name).toContain(`\`${name}\``);
  });

  it('documents every dangerous option a policy can allow', () => {
    for (const option of DANGEROUS_OPTIONS) expect(docs, option).toMatch(new RegExp(`^\\| \`${option}\` \\|`, 'm'));
  });
});

describe('README conventions table', () => {
  it('names the variables of the proxy conventions and the runtime rule', () => {
    for (const name of ['IMAGE', 'COMMAND', 'VOLUMES', '*_ENV', 'DOCKER_JOB_*']) expect(readme).toContain(`| \`${name}\` |`);
    expect(readme).toContain('NODE_ENV');
  });
});
