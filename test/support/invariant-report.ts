// Invariants checked at the end of a long test, all of them, each with its problems, so that one
// broken invariant does not hide the state of the others; printed as a list and asserted together.

export interface InvariantResult {
  name: string;
  problems: string[];
}

export class InvariantReport {
  readonly results: InvariantResult[] = [];

  /** Records `name` as holding when `problems` is empty. */
  check(name: string, problems: readonly string[]): void {
    this.results.push({ name, problems: [...problems] });
  }

  /** `name` holds when `ok`; otherwise `problem` says why. */
  expect(name: string, ok: boolean, problem: string): void {
    this.check(name, ok ? [] : [problem]);
  }

  /** The invariants that failed, each with its first problems. */
  failures(shown = 10): string[] {
    return this.results
      .filter((r) => r.problems.length > 0)
      .map(
        (r) =>
          `${r.name}: ${r.problems.length} problem(s)\n${r.problems
            .slice(0, shown)
            .map((p) => `    ${p}`)
            .join('\n')}`,
      );
  }

  /** One line per invariant, ok or FAIL, each failure followed by its first `shown` problems. */
  format(shown = 3): string {
    return this.results
      .map((r) =>
        r.problems.length === 0
          ? `ok    ${r.name}`
          : [
              `FAIL  ${r.name} (${r.problems.length})`,
              ...r.problems.slice(0, shown).map((p) => `        ${p}`),
            ].join('\n'),
      )
      .join('\n');
  }
}
