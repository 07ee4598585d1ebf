// docs/requirements.md maps every business requirement and edge-case category of the plan to where it
// is implemented and which test proves it. This keeps the map true: every file it names exists, and
// every test it names is an it(...) of that test file, word for word.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';

const ROOT = new URL('../../', import.meta.url);
const DOC = 'docs/requirements.md';

const BUSINESS_REQUIREMENTS = (
  'BR-REM-001 BR-REM-005 BR-REM-010 BR-REM-015 BR-REM-020 BR-REM-025 BR-REM-026 BR-REM-030 BR-REM-035 ' +
  'BR-REM-040 BR-REM-041 BR-REM-045 BR-REM-050 BR-REM-055 BR-REM-056 BR-REM-060 BR-REM-063 BR-REM-067 ' +
  'BR-ORCH-001 BR-AI-059 BR-AI-060'
).split(' ');
const EDGE_CASES = [
  'concurrency and races',
  'resource exhaustion',
  'failure cascades',
  'timing and latency',
  'state inconsistencies',
  'data integrity',
];

interface Row {
  /** The first cell: requirement IDs, or an edge-case category. */
  key: string;
  cells: string[];
}

const MATRIX_HEADER = '| met | implemented in | proven by |';

/** The rows of every table of `markdown` whose header ends with MATRIX_HEADER. */
function matrixRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let inMatrix = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) inMatrix = false;
    else if (line.endsWith(MATRIX_HEADER)) inMatrix = true;
    else if (inMatrix && !/^[-:| ]+$/.test(line)) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      rows.push({ key: cells[0] ?? '', cells });
    }
  }
  return rows;
}

/** The literal titles of the it(...) calls of a test file (template literals with placeholders left out). */
function itTitles(source: string): Set<string> {
  const titles = new Set<string>();
  for (const m of source.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) {
    if (m[1] === '`' && m[2]!.includes('${')) continue;
    titles.add(m[2]!.replace(/\\(.)/g, '$1'));
  }
  return titles;
}

/** What is wrong with the matrix in `markdown`: files that do not exist, tests that are not there. */
function matrixProblems(markdown: string, exists: (path: string) => boolean, read: (path: string) => string) {
  const problems: string[] = [];
  const titlesOf = new Map<string, Set<string>>();
  for (const row of matrixRows(markdown)) {
    const where = `row ${row.key}`;
    if (row.cells.length !== 5) {
      problems.push(`${where}: has ${row.cells.length} cells, not 5`);
      continue;
    }
    const [, , met, implementedIn, provenBy] = row.cells as [string, string, string, string, string];
    if (!/^(yes|partly|no)\b/.test(met)) problems.push(`${where}: "met" must start with yes, partly or no`);
    const files = [...implementedIn.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    if (files.length === 0) problems.push(`${where}: names no file it is implemented in`);
    for (const file of files) if (!exists(file)) problems.push(`${where}: ${file} does not exist`);
    const proofs = provenBy.split('<br>').map((p) => p.trim());
    for (const proof of proofs) {
      const m = /^`([^`]+\.test\.ts)` "(.+)"$/.exec(proof);
      if (!m) {
        problems.push(`${where}: "${proof}" is not \`test file\` "it title"`);
        continue;
      }
      const [, file, title] = m as unknown as [string, string, string];
      if (!exists(file)) {
        problems.push(`${where}: ${file} does not exist`);
        continue;
      }
      if (!titlesOf.has(file)) titlesOf.set(file, itTitles(read(file)));
      if (!titlesOf.get(file)!.has(title)) problems.push(`${where}: ${file} has no it("${title}")`);
    }
  }
  return problems;
}

const exists = (path: string) => existsSync(new URL(path, ROOT));
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('docs/requirements.md, the requirements matrix', function () {
  const markdown = read(DOC);
  const rows = matrixRows(markdown);

  it('names only files that exist and tests that exist, word for word, in the files it names', function () {
    expect(rows.length).to.be.greaterThan(0);
    expect(matrixProblems(markdown, exists, read)).to.deep.equal([]);
  });

  it('has a row for every business requirement the plan names', function () {
    const ids = new Set(rows.flatMap((r) => r.key.split(/,\s*/)));
    expect(BUSINESS_REQUIREMENTS.filter((id) => !ids.has(id))).to.deep.equal([]);
  });

  it("has a row for each of the plan's six edge-case categories", function () {
    const keys = new Set(rows.map((r) => r.key.toLowerCase()));
    expect(EDGE_CASES.filter((c) => !keys.has(c))).to.deep.equal([]);
  });

  it('reports a row that names a test the file does not have, or a file that does not exist', function () {
    const doc = [
      '| ID | requirement | met | implemented in | proven by |',
      '|---|---|---|---|---|',
      '| BR-X-1 | x | yes | `src/actors/machine.ts`<br>`src/gone.ts` | `test/unit/plan.test.ts` "names a duplicate step"<br>`test/unit/plan.test.ts` "does everything" |',
      '| BR-X-2 | x | mostly | `src/actors/plan.ts` | `test/unit/gone.test.ts` "x"<br>test/unit/plan.test.ts: names a duplicate step |',
    ].join('\n');
    expect(matrixProblems(doc, exists, read)).to.deep.equal([
      'row BR-X-1: src/gone.ts does not exist',
      'row BR-X-1: test/unit/plan.test.ts has no it("does everything")',
      'row BR-X-2: "met" must start with yes, partly or no',
      'row BR-X-2: test/unit/gone.test.ts does not exist',
      'row BR-X-2: "test/unit/plan.test.ts: names a duplicate step" is not `test file` "it title"',
    ]);
  });

  it('reads it(...) titles in any quotes, across lines, with escapes, and leaves out templated ones', function () {
    const source = [
      "it('one', () => {});",
      'it(\n  "two \\"quoted\\"",\n  () => {});',
      "it(`three`, () => {}); it(`four ${n}`, () => {}); it('it\\'s five', () => {});",
    ].join('\n');
    expect([...itTitles(source)]).to.deep.equal(['one', 'two "quoted"', 'three', "it's five"]);
  });
});
