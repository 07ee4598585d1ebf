// Writes the settings table of docs/configuration.md from src/config/settings.ts. Run after adding or
// changing a setting: `npm run gen:config-docs`.
import { readFile, writeFile } from 'node:fs/promises';
import { docsFile, withTable } from './config-docs.js';

await writeFile(docsFile, withTable(await readFile(docsFile, 'utf8')));
console.log('wrote the settings table of docs/configuration.md');
