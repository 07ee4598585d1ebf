// The error catalog and docs/errors.md, both ways: every category, code and request reason of the
// catalog is a row of its table with the same attributes, and every row there is in the catalog.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, ERROR_CODES, REQUEST_CONDITIONS, REQUEST_REASONS } from '../../src/api/index.js';
import { markdownTable } from '../support/markdown-table.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const byFirstCell = (rows: string[][]): Map<string, string[]> => new Map(rows.map((r) => [r[0]!, r]));
const yesNo = (b: boolean | 'original'): string => (b === 'original' ? 'original' : b ? 'yes' : 'no');
const orDash = (s: string | null | undefined): string => s ?? '—';

describe('the error catalog and docs/errors.md', function () {
  it('lists every category with its name, and no other', function () {
    const rows = byFirstCell(markdownTable('docs/errors.md', 'category'));
    expect([...rows.keys()]).to.have.members(Object.keys(CATEGORIES));
    for (const [letter, category] of Object.entries(CATEGORIES))
      expect(rows.get(letter)?.[1], letter).to.equal(category.name);
  });

  it('lists every code with its category and retryability, and no other', function () {
    const rows = byFirstCell(markdownTable('docs/errors.md', 'code'));
    expect([...rows.keys()]).to.have.members(Object.keys(ERROR_CODES));
    for (const [code, row] of Object.entries(ERROR_CODES))
      expect(rows.get(code)?.slice(1, 3), code).to.deep.equal([orDash(row.category), yesNo(row.retryable)]);
  });

  it('lists every request reason with its phase, success, category and code, and no other', function () {
    const rows = byFirstCell(markdownTable('docs/errors.md', 'reason'));
    expect([...rows.keys()]).to.have.members(Object.keys(REQUEST_REASONS));
    for (const [reason, row] of Object.entries(REQUEST_REASONS))
      expect(rows.get(reason)?.slice(1, 5), reason).to.deep.equal([
        row.phase,
        yesNo(row.success),
        orDash(row.category),
        orDash('code' in row ? row.code : undefined),
      ]);
  });

  it('lists every condition with what it means, and no other', function () {
    const rows = byFirstCell(markdownTable('docs/errors.md', 'condition'));
    expect([...rows.keys()]).to.have.members(Object.keys(REQUEST_CONDITIONS));
    for (const [condition, means] of Object.entries(REQUEST_CONDITIONS))
      expect(rows.get(condition)?.[1], condition).to.equal(means);
  });

  it('links each reason with a code to that code’s category', function () {
    for (const [reason, row] of Object.entries(REQUEST_REASONS))
      if ('code' in row) expect(ERROR_CODES[row.code].category, reason).to.equal(row.category);
  });

  it('has no code that nothing in src raises', function () {
    const text = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.ts') && path !== join('api', 'error-catalog.ts'))
      .map((path) => read(join('src', path)))
      .join('\n');
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    expect(unused).to.deep.equal([]);
  });
});
