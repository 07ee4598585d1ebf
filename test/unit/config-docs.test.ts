import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { configSettings } from '../../src/config.js';
import { docsFile, settingsTable, withTable } from '../../tools/config-docs.js';

describe('the settings table of docs/configuration.md', function () {
  it('matches what src/config/settings.ts generates (run `npm run gen:config-docs` after changing a setting)', async function () {
    const doc = await readFile(docsFile, 'utf8');
    expect(doc).to.equal(withTable(doc));
  });

  it('has a line with the variable, default, range and why of every flag', function () {
    const lines = settingsTable().split('\n');
    for (const s of configSettings()) {
      const line = lines.find((l) => l.startsWith(`| \`${s.flag}\` |`));
      expect(line, s.flag).to.include(s.env).and.include(s.default).and.include(s.accepts).and.include(s.why);
    }
  });

  it('refuses a document without the markers instead of losing its prose', function () {
    expect(() => withTable('# Configuration\n')).to.throw(/lacks the lines/);
  });
});
