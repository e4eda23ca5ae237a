/**
 * The docs' tables follow from the code: the field table, the variables, what each engine
 * supports. `npm run docs:tables` rewrites them; this test fails when a page and the code disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED, regenerate } from '../support/docs-tables.js';

const root = new URL('../../', import.meta.url);

describe('generated docs tables', () => {
  it.each(Object.keys(GENERATED))('%s says what the code says', (page) => {
    const path = new URL(page, root);
    const text = readFileSync(path, 'utf8');
    const expected = regenerate(page, text);
    if (process.env['UPDATE_DOCS'] === '1' && expected !== text) writeFileSync(path, expected);
    else expect(text, `run npm run docs:tables to update ${page}`).toBe(expected);
  });
});
