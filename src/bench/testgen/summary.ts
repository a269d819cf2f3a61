import { escapeText, plural, ratio, table } from '../../report/markdown.js';
import type { GateResult, HistoryEntry } from '../history.js';
import { gateSection, missingShardsNote, summaryHeader, trendSection } from '../summary.js';
import type { TestgenResults, TestgenTask } from './results.js';

/** The markdown summary of a test-generation run (summary.md, the job summary). Pure. */

const MAX_TASK_ROWS = 200;

const pct = (value: number | null) => (value === null ? '–' : `${(100 * value).toFixed(1)}%`);

function figuresTable(results: TestgenResults): string {
  const t = results.totals;
  const m = t.mutants;
  return table(
    ['figure', 'value', 'counted'],
    [
      [
        'kill rate',
        pct(t.killRate),
        `${m.killed} of ${m.killed + m.survived} faulty mutants killed`,
      ],
      [
        'oracle accuracy',
        pct(t.oracleAccuracy),
        `${t.tests.passed} of ${t.tests.valid} valid tests pass on the canonical solution`,
      ],
      ['line coverage', pct(t.lineCoverage), `${t.lines.covered} of ${t.lines.total} lines`],
      [
        'branch coverage',
        pct(t.branchCoverage),
        `${t.branches.covered} of ${t.branches.total} branches`,
      ],
      [
        'syntax validity',
        pct(t.syntaxValidity),
        `${t.responses.parsed} of ${t.responses.total} model responses held parsable Python`,
      ],
    ],
  );
}

function mutantLine(results: TestgenResults): string {
  const m = results.totals.mutants;
  const notRun = m.notRun > 0 ? `, ${m.notRun} not run (the time budget ran out; not counted)` : '';
  const others = m.generated - m.faulty;
  const uncounted =
    others > 0 ? `; the other ${others} behave alike there and are not counted` : '';
  return (
    `Mutants: ${m.generated} made by AST mutation of the entry points; ${m.faulty} faulty ` +
    `(the HumanEval+ inputs tell them apart from the canonical solution${uncounted}); ` +
    `${m.killed} killed, ${m.survived} survived${notRun}. A mutant is killed when a kept test that passes on the canonical solution does not pass on it.`
  );
}

function taskRow(task: TestgenTask): string[] {
  return [
    escapeText(task.taskId),
    task.skipped ? escapeText(task.skipped, 80) : `${task.tests.valid}/${task.tests.generated}`,
    ratio(task.tests.passed, task.tests.valid),
    ratio(task.coverage.lines.covered, task.coverage.lines.total),
    ratio(task.coverage.branches.covered, task.coverage.branches.total),
    String(task.keptTests),
    ratio(task.mutants.killed, task.mutants.killed + task.mutants.survived),
  ];
}

function taskTable(results: TestgenResults): string {
  const tasks = Object.values(results.tasks);
  const rows = tasks.slice(0, MAX_TASK_ROWS).map(taskRow);
  const more =
    tasks.length > MAX_TASK_ROWS
      ? `\n\n(${tasks.length - MAX_TASK_ROWS} more in results.json)`
      : '';
  const header = [
    'task',
    'valid/generated tests',
    'oracle accuracy',
    'lines',
    'branches',
    'kept tests',
    'killed',
  ];
  return `<details><summary>Per task (${plural(tasks.length, 'task')})</summary>\n\n${table(header, rows)}${more}\n\n</details>`;
}

export function renderTestgenSummary(
  results: TestgenResults,
  options: { history?: readonly HistoryEntry[]; gate?: GateResult | null } = {},
): string {
  const parts = [
    ...summaryHeader(
      'Test generation benchmark (HumanEval+)',
      results,
      `${plural(results.totals.tasks, 'task')}, ${results.totals.reviewed} reviewed`,
    ),
    figuresTable(results),
    mutantLine(results),
    taskTable(results),
  ];
  const missing = missingShardsNote(results.merged);
  if (missing) parts.push(`- ${missing}`);
  if (results.notes.length > 0) {
    const shown = results.notes.slice(0, 10).map((note) => `- ${escapeText(note, 200)}`);
    if (results.notes.length > 10)
      shown.push(`- and ${results.notes.length - 10} more in results.json`);
    parts.push(shown.join('\n'));
  }
  const trend = trendSection(options.history, 'testgen');
  if (trend) parts.push(trend);
  const gate = gateSection(options.gate);
  if (gate) parts.push(gate);
  return `${parts.join('\n\n')}\n`;
}

/** One line per figure, for the terminal. */
export function testgenLines(results: TestgenResults): string[] {
  const t = results.totals;
  return [
    `Test generation: ${plural(t.tasks, 'task')}, ${plural(t.mutants.faulty, 'faulty mutant')}`,
    `  kill rate: ${pct(t.killRate)} (${t.mutants.killed}/${t.mutants.killed + t.mutants.survived})`,
    `  oracle accuracy: ${pct(t.oracleAccuracy)} (${t.tests.passed}/${t.tests.valid})`,
    `  line coverage: ${pct(t.lineCoverage)}, branch coverage: ${pct(t.branchCoverage)}`,
    `  syntax validity: ${pct(t.syntaxValidity)}`,
  ];
}
