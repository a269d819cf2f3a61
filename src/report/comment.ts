import {
  codeBlock,
  codeSpan,
  escapeHtml,
  escapeText,
  percent,
  plural,
  ratio,
  table,
} from './markdown.js';
import type { EdgeCase, FunctionReport, Report } from './types.js';

/** The hidden marker that identifies our sticky PR comment (a DESIGN.md contract). */
export const COMMENT_MARKER = '<!-- semcoder-action:review -->';

/** GitHub rejects issue comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** A budget GitHub accepts when it refuses the full comment as too long: summary and likely bugs. */
export const FALLBACK_COMMENT_CHARS = 20_000;

/**
 * The full report as a job summary, for review and publish mode alike. GitHub keeps at most
 * 1 MiB (bytes) per step: the renderer shortens in its order (test bodies first), and the byte
 * cap of writeJobSummary cuts what multi-byte text still makes too long.
 */
export const SUMMARY_CHARS = 1_000_000;

export interface CommentOptions {
  /** Link to the job summary holding the full report. */
  summaryUrl?: string;
  /** Character budget; detail is dropped, in a fixed order, until the body fits. */
  maxChars?: number;
  /** Start with COMMENT_MARKER (the PR comment) or not (the job summary). */
  marker?: boolean;
}

/**
 * How much detail a rendering keeps. Test bodies go first, then per-test details and the
 * other edge cases, then the per-function table; the summary line and the likely bugs stay.
 */
type Detail = 'full' | 'no-code' | 'brief' | 'minimal';
const DETAIL_LEVELS: Detail[] = ['full', 'no-code', 'brief', 'minimal'];

function functionLabel(fn: { file: string; qualname: string }): string {
  return `${codeSpan(fn.file)} ${codeSpan(fn.qualname)}`;
}

export function summaryLine(report: Report): string {
  const t = report.totals;
  const unreviewed = report.functions.filter((fn) => fn.skipped).length;
  const parts = [
    plural(t.functions, 'function') + (unreviewed > 0 ? ` (${unreviewed} not reviewed)` : ''),
    plural(t.generated, 'test'),
    `pass rate ${ratio(t.passed, t.valid)}`,
    `changed-line coverage ${ratio(t.changedLines.covered, t.changedLines.total)}`,
    plural(t.edgeCases, 'edge case'),
    plural(t.likelyBugs, 'likely bug'),
  ];
  return `**${parts.join(' · ')}**`;
}

function edgeCaseRows(
  cases: { fn: FunctionReport; edge: EdgeCase }[],
  withVerdict: boolean,
): string[][] {
  return cases.map(({ fn, edge }) => [
    functionLabel(fn),
    codeSpan(edge.call),
    codeSpan(edge.expected),
    edge.exception
      ? codeSpan(`${edge.exception.type}: ${edge.exception.message}`)
      : codeSpan(edge.actual),
    ...(withVerdict ? [edge.verdict] : []),
    escapeText(edge.rationale || '–'),
  ]);
}

function likelyBugsSection(report: Report, maxRows: number): string[] {
  const bugs = report.functions.flatMap((fn) =>
    fn.edgeCases.filter((e) => e.verdict === 'likely-bug').map((edge) => ({ fn, edge })),
  );
  if (bugs.length === 0) return [];
  const shown = bugs.slice(0, maxRows);
  const lines = [
    '#### Likely bugs',
    'The specification (name, signature, docstring) sides with the test against the code:',
    '',
    table(['Function', 'Call', 'Expected', 'Actual', 'Rationale'], edgeCaseRows(shown, false)),
  ];
  if (bugs.length > shown.length) {
    lines.push('', `…and ${bugs.length - shown.length} more likely bugs in the job summary.`);
  }
  return [...lines, ''];
}

function functionsSection(report: Report): string[] {
  if (report.functions.length === 0) return [];
  const rows = report.functions.map((fn) => [
    functionLabel(fn),
    fn.skipped ? 'skipped' : fn.status,
    `${fn.counts.passed}/${fn.counts.valid}`,
    percent(fn.counts.passed, fn.counts.valid),
    ratio(fn.coverage.lines.covered, fn.coverage.lines.total),
    ratio(fn.coverage.branches.covered, fn.coverage.branches.total),
    ratio(fn.coverage.changedLines.covered, fn.coverage.changedLines.total),
  ]);
  const untested = report.functions
    .filter((fn) => fn.noUsableTests && !fn.skipped)
    .map((fn) => `- ${functionLabel(fn)}: no usable tests: ${escapeText(fn.noUsableTests!, 300)}`);
  return [
    '#### Functions',
    table(
      ['Function', 'Status', 'Passed', 'Pass rate', 'Lines', 'Branches', 'Changed lines'],
      rows,
    ),
    '',
    ...(untested.length > 0 ? [...untested, ''] : []),
  ];
}

function otherEdgeCasesSection(report: Report): string[] {
  const cases = report.functions.flatMap((fn) =>
    fn.edgeCases.filter((e) => e.verdict !== 'likely-bug').map((edge) => ({ fn, edge })),
  );
  if (cases.length === 0) return [];
  return [
    '#### Edge cases',
    table(
      ['Function', 'Call', 'Expected', 'Actual', 'Verdict', 'Rationale'],
      edgeCaseRows(cases, true),
    ),
    '',
  ];
}

function testsSection(report: Report, withCode: boolean): string[] {
  const reviewed = report.functions.filter((fn) => fn.tests.length > 0);
  if (reviewed.length === 0) return [];
  const lines = ['#### Generated tests'];
  for (const fn of reviewed) {
    const summary = `<code>${escapeHtml(fn.file)}</code> <code>${escapeHtml(fn.qualname)}</code>: ${plural(fn.counts.generated, 'test')}, ${fn.counts.passed} passed`;
    lines.push('<details>', `<summary>${summary}</summary>`, '');
    const notPassing = fn.tests.filter((t) => t.outcome !== 'passed');
    for (const test of notPassing) {
      lines.push(
        `- ${codeSpan(test.name)} **${test.outcome}**: ${escapeText(test.message || '–', 300)}`,
      );
    }
    const regressions = fn.tests.filter((t) => t.regression).length;
    if (regressions > 0) {
      lines.push(
        `- ${plural(regressions, 'test')} keep the observed value as a regression oracle (verdict wrong-oracle).`,
      );
    }
    if (notPassing.length > 0 || regressions > 0) lines.push('');
    if (withCode && fn.testCode) {
      lines.push(codeBlock(fn.testCode, 'python'), '');
    } else if (fn.testCode) {
      lines.push(
        `Test code left out for size: see ${codeSpan(fn.testFile ?? 'tests/')} in the report artifact.`,
        '',
      );
    }
    lines.push('</details>', '');
  }
  return lines;
}

function skippedSection(report: Report): string[] {
  const items = [
    ...report.skipped,
    ...report.functions.filter((fn) => fn.skipped).map((fn) => ({ ...fn, reason: fn.skipped! })),
  ];
  if (items.length === 0) return [];
  return [
    '#### Skipped',
    ...items.map(
      (item) =>
        `- ${codeSpan(item.file)}${item.qualname ? ` ${codeSpan(item.qualname)}` : ''}: ${escapeText(item.reason, 300)}`,
    ),
    '',
  ];
}

function footer(report: Report, summaryUrl?: string): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts = [
    `model ${codeSpan(report.model)} via ${codeSpan(report.endpoint)} (${report.api})`,
    `${plural(report.llm.requests, 'request')}, ${plural(report.llm.retries, 'retry', 'retries')}`,
    `${seconds(report.timings.totalMs)} (model ${seconds(report.timings.llmMs)}, tests ${seconds(report.timings.executeMs)})`,
    `head ${codeSpan(report.head.slice(0, 12))}`,
  ];
  if (summaryUrl) parts.push(`[full report](${encodeURI(summaryUrl)})`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

function render(report: Report, detail: Detail, options: CommentOptions): string {
  const level = DETAIL_LEVELS.indexOf(detail);
  const lines: string[] = [];
  if (options.marker !== false) lines.push(COMMENT_MARKER);
  lines.push('### SemCoder test review', '', summaryLine(report), '');
  if (report.functions.length === 0 && report.skipped.length === 0) {
    lines.push('No changed Python functions to review.', '');
  }
  if (report.incomplete)
    lines.push(`> [!WARNING]`, `> Incomplete: ${escapeText(report.incomplete, 300)}`, '');
  lines.push(...likelyBugsSection(report, detail === 'minimal' ? 50 : Infinity));
  if (level <= DETAIL_LEVELS.indexOf('brief')) lines.push(...functionsSection(report));
  if (level <= DETAIL_LEVELS.indexOf('no-code')) {
    lines.push(...otherEdgeCasesSection(report));
    lines.push(...testsSection(report, detail === 'full'));
  }
  if (level <= DETAIL_LEVELS.indexOf('brief')) lines.push(...skippedSection(report));
  if (detail !== 'full') {
    lines.push(
      '_Some details were left out to fit in a comment; the job summary has the full report._',
      '',
    );
  }
  lines.push(footer(report, options.summaryUrl));
  return `${lines.join('\n')}\n`;
}

/**
 * The PR comment (or, with `marker: false`, the job summary) for a report. Returns the most
 * detailed rendering that fits `maxChars`; the last resort is cut to the budget.
 */
export function renderComment(report: Report, options: CommentOptions = {}): string {
  const maxChars = options.maxChars ?? GITHUB_COMMENT_LIMIT;
  let body = '';
  for (const detail of DETAIL_LEVELS) {
    body = render(report, detail, options);
    if (body.length <= maxChars) return body;
  }
  const note = '\n\n_(cut to fit; see the job summary)_\n';
  return body.slice(0, Math.max(0, maxChars - note.length)) + note;
}
