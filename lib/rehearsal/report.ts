/**
 * What the rehearsal saw, line by line: a check passed or failed, or moto could not show it (the
 * static template test covers those). Printed as it goes, so a hang shows where it stopped.
 */
export interface Report {
  pass(what: string): void;
  fail(what: string, detail: string): void;
  /** moto lacks the resource type or dropped the property: not a failure of the product. */
  notShown(what: string, why: string): void;
  /** A stand-in substitution the reader must know about (an endpoint, a rewritten URL). */
  note(what: string): void;
  /** Passes when `actual` equals `expected` (JSON), fails otherwise; `undefined` = not shown. */
  expectEqual(what: string, actual: unknown, expected: unknown, whyMissing?: string): void;
  readonly counts: { passed: number; failed: number; notShown: number };
  readonly failures: string[];
  readonly gaps: string[];
}

export const createReport = (print: (line: string) => void = console.log): Report => {
  const counts = { passed: 0, failed: 0, notShown: 0 };
  const failures: string[] = [];
  const gaps: string[] = [];
  const report: Report = {
    counts,
    failures,
    gaps,
    pass(what) {
      counts.passed += 1;
      print(`  ok      ${what}`);
    },
    fail(what, detail) {
      counts.failed += 1;
      failures.push(what);
      print(`  FAILED  ${what}: ${detail}`);
    },
    notShown(what, why) {
      counts.notShown += 1;
      gaps.push(what);
      print(`  moto    ${what}: not shown (${why}); the template test covers it`);
    },
    note(what) {
      print(`  note    ${what}`);
    },
    expectEqual(what, actual, expected, whyMissing) {
      if (actual === undefined && whyMissing) return report.notShown(what, whyMissing);
      const a = JSON.stringify(actual);
      const e = JSON.stringify(expected);
      if (a === e) report.pass(`${what} = ${e}`);
      else report.fail(what, `expected ${e}, got ${a}`);
    },
  };
  return report;
};
