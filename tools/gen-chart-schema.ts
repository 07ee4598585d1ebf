// Writes charts/remediation-orchestrator/values.schema.json from src/config.ts. Run after adding or
// changing a flag: `npm run gen:chart-schema`.
import { writeFile } from 'node:fs/promises';
import { renderSchema, schemaFile } from './chart-schema.js';

await writeFile(schemaFile, renderSchema());
console.log('wrote charts/remediation-orchestrator/values.schema.json');
