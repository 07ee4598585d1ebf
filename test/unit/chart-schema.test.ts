import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import {
  CHART_MANAGED_FLAGS,
  chartValuesSchema,
  renderSchema,
  schemaFile,
} from '../../tools/chart-schema.js';
import { configSettings } from '../../src/config.js';

describe("the Helm chart's values schema", function () {
  it('matches what src/config/settings.ts generates (run `npm run gen:chart-schema` after changing a flag)', async function () {
    expect(await readFile(schemaFile, 'utf8')).to.equal(renderSchema());
  });

  it('offers every flag under `config` except the ones the chart sets itself', function () {
    const config = (chartValuesSchema().properties as Record<string, { properties: Record<string, unknown> }>)
      .config!;
    const flags = configSettings().map((s) => s.flag.replace(/^--/, ''));
    expect(Object.keys(config.properties).sort()).to.deep.equal(
      flags.filter((f) => !CHART_MANAGED_FLAGS.includes(f)).sort(),
    );
    for (const managed of CHART_MANAGED_FLAGS) expect(flags, `${managed} is a flag`).to.include(managed);
  });
});
