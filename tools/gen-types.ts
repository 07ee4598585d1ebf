// Writes src/api/generated/ from config/crd/. Run after every change to a CRD: `npm run gen:types`.
import { mkdir, writeFile } from 'node:fs/promises';
import { generateTypes, generatedDir, generatedFile } from './crd-types.js';

await mkdir(generatedDir, { recursive: true });
for (const [name, source] of await generateTypes()) {
  await writeFile(generatedFile(name), source);
  console.log(`wrote src/api/generated/${name}`);
}
