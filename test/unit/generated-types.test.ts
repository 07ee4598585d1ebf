import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { generateTypes, generatedFile } from '../../tools/crd-types.js';

describe('the TypeScript types of the CRDs', function () {
  it('match what config/crd/ generates (run `npm run gen:types` after changing a CRD)', async function () {
    this.timeout(30_000);
    const generated = await generateTypes();
    expect([...generated.keys()]).to.have.length(6);
    for (const [name, source] of generated) {
      const committed = await readFile(generatedFile(name), 'utf8').catch(() => '(missing)');
      expect(committed, `src/api/generated/${name} is stale`).to.equal(source);
    }
  });
});
