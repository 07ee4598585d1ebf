import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import {
  CHART_MANAGED_FLAGS,
  chartValuesSchema,
  renderSchema,
  schemaFile,
} from '../../tools/chart-schema.js';
import { configSettings } from '../../src/config.js';

type Schema = Record<string, unknown>;

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

  it('gives every whole-number and number flag the range the parser enforces', function () {
    const config = (chartValuesSchema().properties as Record<string, { properties: Record<string, Schema> }>)
      .config!;
    const numeric = configSettings().filter((s) => s.kind === 'integer' || s.kind === 'number');
    expect(numeric.length).to.be.greaterThan(5);
    for (const s of numeric) {
      const schema = config.properties[s.flag.replace(/^--/, '')]!;
      expect(schema.maximum, s.flag).to.equal(s.max);
      if (s.kind === 'integer') expect(schema.minimum, s.flag).to.equal(s.min);
      else expect(schema.exclusiveMinimum, s.flag).to.equal(0);
    }
  });
});
