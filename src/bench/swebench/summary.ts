import {
  codeBlock,
  codeSpan,
  escapeHtml,
  escapeText,
  plural,
  ratio,
  table,
} from '../../report/markdown.js';
import type { GateResult, HistoryEntry } from '../history.js';
import type { TrackReport } from '../report.js';
import { gateSection, missingShardsNote, summaryHeader, trendSection } from '../summary.js';
import { swebenchFigures } from './results.js';
import { INSTANCE_STATUSES, type InstanceResult, type SwebenchResults } from './types.js';

/**
 * The markdown summary of a SWE-bench run (`DIR/summary.md`, also the job summary). Instance
 * ids, reasons and set-up logs come from the dataset and from builds: all escaped. Pure.
 */

const TABLE_LIMIT = 100;
const ENV_DETAILS_LIMIT = 10;

const pct = (value: number | null) => (value === null ? '–' : `${(100 * value).toFixed(1)}%`);

function headline(results: SwebenchResults): string {
  const t = results.tests;
  return table(
    ['figure', 'value'],
    [
      [
        'success rate (fail-to-pass)',
        `${pct(results.successRate)} (${results.counts.success}/${results.evaluated} evaluated)`,
      ],
      [
        "gold patch's changed lines covered",
        ratio(results.patchCoverage.covered, results.patchCoverage.total),
      ],
      ['kept tests', String(t.kept)],
      ['fail → pass (model oracle)', String(t.failToPass)],
      ['fail → pass (observed oracle, not counted)', String(t.failToPassObserved)],
      ['pass → fail', String(t.passToFail)],
      ['pass → pass / fail → fail / unknown', `${t.passToPass} / ${t.failToFail} / ${t.unknown}`],
    ],
  );
}

function coverageCell(result: InstanceResult): string {
  const c = result.patchCoverage;
  return c ? ratio(c.covered, c.total) : '–';
}

function instanceTable(results: SwebenchResults): string {
  const all = Object.values(results.results);
  if (all.length === 0) return '_No instance was in scope._';
  const rows = all
    .slice(0, TABLE_LIMIT)
    .map((r) => [
      codeSpan(r.instanceId),
      r.status,
      String(r.counts.failToPass),
      String(r.counts.passToFail),
      coverageCell(r),
      r.reason ? escapeText(r.reason) : '',
    ]);
  const more =
    all.length > TABLE_LIMIT ? `\n\n… and ${all.length - TABLE_LIMIT} more in results.json.` : '';
  return table(['instance', 'status', 'F→P', 'P→F', 'patch lines covered', 'why'], rows) + more;
}

function environmentErrors(results: SwebenchResults): string | null {
  const failed = Object.values(results.results).filter(
    (r) => r.status === 'environment-error' && r.environment?.logTail,
  );
  if (failed.length === 0) return null;
  const shown = failed.slice(0, ENV_DETAILS_LIMIT).map((r) => {
    const summary = `${escapeHtml(r.instanceId)}: ${escapeHtml(r.reason)}`;
    return `<details><summary>${summary}</summary>\n\n${codeBlock(r.environment!.logTail!)}\n\n</details>`;
  });
  return `### Environments that could not be set up\n\n${shown.join('\n\n')}`;
}

function notes(results: SwebenchResults): string[] {
  const out = [
    'Reading: the gold patch is reviewed as a pull request (base_commit → base_commit + gold patch, the issue text as background); the kept tests then run at base and with the patch. A test fails before when it failed, errored (an import of a name the patch adds included) or timed out at base, and passes after when it passed every run with the patch.',
    'Tests whose expected value the review replaced by the value observed on the patched code prove nothing about the issue: they are listed but never make an instance a success.',
    'Environment errors and other errors are not failures: the success rate is over the evaluated instances.',
  ];
  const missing = missingShardsNote(results.merged);
  if (missing) out.push(missing);
  if (results.skipped.length > 0) {
    const first = results.skipped
      .slice(0, 5)
      .map((s) => `${s.instanceId ? `${escapeText(s.instanceId)}: ` : ''}${escapeText(s.reason)}`);
    out.push(
      `${plural(results.skipped.length, 'item')} skipped (${first.join('; ')}${results.skipped.length > 5 ? '; …' : ''}).`,
    );
  }
  if (results.setup.command) out.push(`Set-up command: ${codeSpan(results.setup.command)}.`);
  return out;
}

export interface SwebenchSummaryOptions {
  /** The history's runs (every suite's: the trend picks this suite's). */
  history?: readonly HistoryEntry[];
  gate?: GateResult | null;
}

export function renderSwebenchSummary(
  results: SwebenchResults,
  options: SwebenchSummaryOptions = {},
): string {
  const parts = [
    ...summaryHeader(
      'SWE-bench fail-to-pass benchmark',
      results,
      plural(results.instances, 'instance'),
    ),
    headline(results),
    table(
      ['status', 'instances'],
      INSTANCE_STATUSES.map((s) => [s, String(results.counts[s])]),
    ),
    instanceTable(results),
  ];
  const env = environmentErrors(results);
  if (env) parts.push(env);
  parts.push(
    notes(results)
      .map((line) => `- ${line}`)
      .join('\n'),
  );
  const trend = trendSection(options.history, 'swebench');
  if (trend) parts.push(trend);
  const gate = gateSection(options.gate);
  if (gate) parts.push(gate);
  return `${parts.join('\n\n')}\n`;
}

/** One line per figure, for the terminal. */
export function swebenchSummaryLines(results: SwebenchResults): string[] {
  const c = results.counts;
  return [
    `SWE-bench fail-to-pass: ${plural(results.instances, 'instance')} (${c.success} success, ${c['no-success']} no success, ${c['environment-error']} environment errors, ${c.error} errors)`,
    `  success rate: ${pct(results.successRate)} of ${results.evaluated} evaluated`,
    `  gold patch lines covered: ${ratio(results.patchCoverage.covered, results.patchCoverage.total)}`,
  ];
}

/** What writeBenchReport writes for a run or a merge: results.json, history figures, summary. */
export function swebenchReport(results: SwebenchResults): TrackReport {
  return {
    results,
    figures: swebenchFigures(results),
    render: (history, gate) => renderSwebenchSummary(results, { history, gate }),
  };
}
