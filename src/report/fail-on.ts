import type { Totals } from './types.js';

/** When a finished run should fail: `none`, `edge-cases`, `likely-bugs`, `pass-rate-below:<0..1>`. */
export type FailOn =
  | { kind: 'none' }
  | { kind: 'edge-cases' }
  | { kind: 'likely-bugs' }
  | { kind: 'pass-rate-below'; threshold: number };

export const FAIL_ON_FORMS =
  'one of none, edge-cases, likely-bugs, pass-rate-below:<0..1> (e.g. pass-rate-below:0.8)';

/** Parses a fail-on value; null when it is not one of the accepted forms. */
export function parseFailOn(text: string): FailOn | null {
  const value = text.trim();
  if (value === '' || value === 'none') return { kind: 'none' };
  if (value === 'edge-cases' || value === 'likely-bugs') return { kind: value };
  const match = /^pass-rate-below:(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/.exec(value);
  return match ? { kind: 'pass-rate-below', threshold: Number(match[1]) } : null;
}

/** A review's headline figures: the action's outputs and what fail-on looks at. Pure. */
export interface Headline {
  passRate: number;
  edgeCases: number;
  likelyBugs: number;
  /** Functions reviewed: those skipped (no model answer, module not importable) not counted. */
  functions: number;
  /** Valid tests. */
  tests: number;
  /** Covered / total changed lines, 0..1 (0 when no changed line is measurable). */
  changedLinesCoverage: number;
}

type ReportFigures = {
  totals: Pick<Totals, 'passRate' | 'edgeCases' | 'likelyBugs' | 'valid' | 'changedLines'>;
  functions: { skipped?: string | null }[];
};

/** Four decimals: the outputs' precision (fail-on compares the exact figures). */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * From the report's totals, which summarize() derives from the functions (also for a report
 * read from an artifact: report-schema.ts derives them again).
 */
export function headline(report: ReportFigures): Headline {
  const { covered, total } = report.totals.changedLines;
  return {
    passRate: report.totals.passRate,
    edgeCases: report.totals.edgeCases,
    likelyBugs: report.totals.likelyBugs,
    functions: report.functions.filter((fn) => !fn.skipped).length,
    tests: report.totals.valid,
    changedLinesCoverage: total === 0 ? 0 : round4(covered / total),
  };
}

/**
 * The reason the run fails, with the numbers; null when the condition is not met. A pass-rate
 * condition needs at least one valid test: no evidence is not a failing pass rate.
 */
export function failOnReason(failOn: FailOn, figures: Headline): string | null {
  switch (failOn.kind) {
    case 'none':
      return null;
    case 'edge-cases':
      return figures.edgeCases > 0
        ? `fail-on edge-cases: ${figures.edgeCases} edge case(s) found`
        : null;
    case 'likely-bugs':
      return figures.likelyBugs > 0
        ? `fail-on likely-bugs: ${figures.likelyBugs} likely bug(s) found`
        : null;
    case 'pass-rate-below':
      return figures.tests > 0 && figures.passRate < failOn.threshold
        ? `fail-on pass-rate-below:${failOn.threshold}: the pass rate is ${figures.passRate.toFixed(3)} over ${figures.tests} valid test(s)`
        : null;
  }
}
