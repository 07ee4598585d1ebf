// Reads a table of the repository's docs, for the tests that keep code and docs in step.
import { readFileSync } from 'node:fs';

/** The body rows of the table in `path` (from the repository root) whose first header cell is `first`, as cells without backticks. */
export function markdownTable(path: string, first: string): string[][] {
  const lines = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  if (start < 0) throw new Error(`${path} has no table headed "${first}"`);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start + 2, end < 0 ? undefined : end).map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll('`', '')),
  );
}
