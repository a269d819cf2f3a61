import { codeSpan, escapeText, plural, table } from '../report/markdown.js';
import { renderGeneration } from './generation.js';
import type { GateResult, HistoryEntry } from './history.js';
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
  /** One line per figure, oldest run first; a run without the figure is drawn at 0. */
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
 * A Mermaid xychart of the suite's headline figures over its runs (oldest first), with
 * SemCoder-S's published HumanEval figure as a flat reference line for the code-generation
 * suites; null when there is no run yet (or no chart for the suite).
 */
export function trendChart(runs: readonly HistoryEntry[], suite: BenchSuite): string | null {
  const spec = CHARTS[suite];
  const shown = runs.filter((run) => run.suite === suite).slice(-CHART_RUNS);
  if (!spec || shown.length === 0) return null;
  const labels = shown.map((run) => `"${chartLabel(run.date.slice(0, 10))}"`);
  const series = (pick: (run: HistoryEntry) => number | null) =>
    `[${shown.map((run) => round1(100 * (pick(run) ?? 0))).join(', ')}]`;
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

/** The trend section of a summary: the chart and its legend, or nothing without a history. */
export function trendSection(
  history: readonly HistoryEntry[] | undefined,
  suite: BenchSuite,
): string | null {
  const chart = history ? trendChart(history, suite) : null;
  return chart ? `### Trend\n\n${chart}\n\n${CHARTS[suite]!.legend}` : null;
}

/** The regression gate's section, or nothing when no gate was asked for. */
export function gateSection(gate: GateResult | null | undefined): string | null {
  if (!gate) return null;
  return gate.failed
    ? `### Regression gate: failed\n\n${gate.messages.map((m) => `- ${m}`).join('\n')}`
    : '### Regression gate: passed';
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

/** The note naming the shards a merge lacks, or null when it has them all. */
export function missingShardsNote(merged: RunIdentity['merged']): string | null {
  if (!merged || merged.shards.length >= merged.count) return null;
  const missing = Array.from({ length: merged.count }, (_, i) => i + 1).filter(
    (index) => !merged.shards.includes(index),
  );
  return `Shards missing from this merge: ${missing.map((i) => `${i}/${merged.count}`).join(', ')}.`;
}

function notes(results: SuiteResults): string[] {
  const out: string[] = [];
  const missing = missingShardsNote(results.merged);
  if (missing) out.push(missing);
  if (results.missingTasks.length > 0) {
    out.push(
      `${plural(results.missingTasks.length, 'task')} of the dataset had no sample and are not counted.`,
    );
  }
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
    passTable(results),
    statusTable(results),
  ];
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
