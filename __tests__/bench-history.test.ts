import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  appendRun,
  checkGate,
  defaultRunId,
  emptyHistory,
  historyEntry,
  previousRun,
  readHistory,
  scopeOf,
  writeHistory,
  type HistoryEntry,
} from '../src/bench/history.js';
import { writeSuiteReport } from '../src/bench/report.js';
import {
  gateSection,
  missingShardsWarning,
  renderSummary,
  runLabels,
  trendChart,
  trendSection,
} from '../src/bench/summary.js';
import { UsageError } from '../src/errors.js';
import { MD5, outcome, suiteResults } from './support/bench-fixture.js';

function entry(
  runId: string,
  base: number,
  plus: number | null,
  overrides: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    runId,
    date: `2025-01-${runId.padStart(2, '0')}T00:00:00.000Z`,
    model: 'semcoder/semcoder_s_1030',
    suite: 'humanevalplus',
    datasetMd5: MD5,
    passAt1: { base, plus },
    samples: 164,
    tasks: 164,
    ...overrides,
  };
}

describe('history', () => {
  it('takes its headline figures from the results', () => {
    const results = suiteResults({
      'HumanEval/0': [outcome('pass')],
      'HumanEval/1': [outcome('pass', 'fail')],
    });
    assert.deepEqual(historyEntry(results, 'r1', '2025-01-01'), {
      runId: 'r1',
      date: '2025-01-01',
      model: 'semcoder/semcoder_s_1030',
      suite: 'humanevalplus',
      datasetMd5: MD5,
      passAt1: { base: 1, plus: 0.5 },
      samples: 2,
      tasks: 2,
      scope: scopeOf(['HumanEval/0', 'HumanEval/1']),
    });
  });

  it('names the scope by the task ids, whatever their order', () => {
    assert.equal(
      scopeOf(['HumanEval/10', 'HumanEval/2']),
      scopeOf(['HumanEval/2', 'HumanEval/10']),
    );
    assert.notEqual(scopeOf(['HumanEval/2']), scopeOf(['HumanEval/2', 'HumanEval/10']));
  });

  it('appends once per run id', () => {
    const first = appendRun(emptyHistory(), entry('1', 0.8, 0.7));
    assert.equal(first.appended, true);
    const again = appendRun(first.history, entry('1', 0.1, 0.1));
    assert.equal(again.appended, false);
    assert.deepEqual(again.history.runs, [entry('1', 0.8, 0.7)]);
  });

  it('compares with the last run of the same suite and dataset', () => {
    const history = {
      version: 1 as const,
      runs: [
        entry('1', 0.8, 0.7),
        entry('2', 0.5, null, { suite: 'humaneval' }),
        entry('3', 0.6, 0.6, { datasetMd5: 'other' }),
        entry('4', 0.9, 0.8),
      ],
    };
    assert.equal(previousRun(history, entry('5', 0, 0))?.runId, '4');
    assert.equal(previousRun(history, entry('4', 0, 0))?.runId, '1');
    assert.equal(previousRun(history, entry('6', 0, null, { suite: 'humaneval' }))?.runId, '2');
  });

  it('compares only runs over the same tasks (a --limit run is not judged against a whole one)', () => {
    const all = scopeOf(['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
    const first = scopeOf(['HumanEval/0']);
    const history = {
      version: 1 as const,
      runs: [
        entry('1', 0.8, 0.7),
        entry('2', 0.9, 0.8, { scope: all }),
        entry('3', 0.2, 0.1, { scope: first }),
        entry('4', 0.5, 0.5),
      ],
    };
    assert.equal(previousRun(history, entry('5', 0, 0, { scope: all }))?.runId, '2');
    assert.equal(previousRun(history, entry('5', 0, 0, { scope: first }))?.runId, '3');
    assert.equal(
      previousRun(history, entry('5', 0, 0, { scope: scopeOf(['HumanEval/9']) })),
      undefined,
    );
    // Entries from before scopes were recorded: their tasks are unknown, so only each other.
    assert.equal(previousRun(history, entry('5', 0, 0))?.runId, '4');
  });

  it('uses the Actions run id, else the time', () => {
    const now = new Date('2025-02-03T04:05:06.000Z');
    assert.equal(defaultRunId({ GITHUB_RUN_ID: '42' }, now), 'gh-42');
    assert.equal(defaultRunId({}, now), 'local-2025-02-03T04:05:06.000Z');
  });

  it('reads what it wrote, and treats a missing file as empty', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-history-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'nested', 'history.json');
    assert.deepEqual(await readHistory(file), emptyHistory());
    const history = appendRun(emptyHistory(), entry('1', 0.8, 0.7)).history;
    await writeHistory(file, history);
    assert.deepEqual(await readHistory(file), history);
  });

  it('refuses a damaged history instead of overwriting it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-history-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"version": 1, "runs": [');
    await assert.rejects(readHistory(broken), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /is not JSON .* left unchanged/);
      return true;
    });
    const foreign = path.join(dir, 'foreign.json');
    writeFileSync(foreign, '{"version": 1, "runs": [{"runId": 3}]}');
    await assert.rejects(readHistory(foreign), /is not a semcoder-action history \(runs\.0\.runId/);
  });
});

describe('checkGate', () => {
  const cases: [
    string,
    HistoryEntry,
    HistoryEntry | undefined,
    { failBelow?: number; maxDrop?: number },
    string[],
  ][] = [
    ['passes above the floor', entry('2', 0.9, 0.75), undefined, { failBelow: 70 }, []],
    [
      'fails below the floor, judged by plus for HumanEval+',
      entry('2', 0.9, 0.655),
      undefined,
      { failBelow: 70 },
      ['HumanEval+ pass@1 is 65.5%, below --fail-below 70.0%.'],
    ],
    [
      'judges HumanEval by base',
      entry('2', 0.6, null, { suite: 'humaneval' }),
      undefined,
      { failBelow: 70 },
      ['HumanEval pass@1 is 60.0%, below --fail-below 70.0%.'],
    ],
    ['allows a small drop', entry('2', 0.9, 0.78), entry('1', 0.9, 0.8), { maxDrop: 3 }, []],
    [
      'fails a large drop, with both runs in the message',
      entry('2', 0.9, 0.74),
      entry('1', 0.9, 0.8),
      { maxDrop: 3 },
      [
        'HumanEval+ pass@1 dropped 6.0 points, from 80.0% (run 1, 2025-01-01T00:00:00.000Z) to 74.0%: more than --max-drop 3.',
      ],
    ],
    ['has nothing to compare on a first run', entry('1', 0.1, 0.1), undefined, { maxDrop: 3 }, []],
    [
      'fails when nothing was evaluated',
      entry('1', null as unknown as number, null),
      undefined,
      { failBelow: 10 },
      ['HumanEval+ pass@1 could not be computed (no task was evaluated): the gate fails.'],
    ],
  ];
  for (const [what, current, previous, options, messages] of cases) {
    it(what, () => {
      const gate = checkGate(current, previous, options);
      assert.deepEqual(
        { failed: gate.failed, messages: gate.messages },
        { failed: messages.length > 0, messages },
      );
    });
  }

  it('says what it checked, and that a drop had nothing to be compared with', () => {
    const first = checkGate(entry('1', 0.9, 0.755), undefined, { failBelow: 70, maxDrop: 3 });
    assert.deepEqual(first, {
      failed: false,
      messages: [],
      passed: ['HumanEval+ pass@1 is 75.5%, not below --fail-below 70.0%.'],
      skipped: [
        '--max-drop 3: not checked, no earlier comparable run (same suite, dataset md5 and tasks) in the history.',
      ],
    });
    assert.equal(
      gateSection(first),
      [
        '### Regression gate: passed',
        '',
        '- HumanEval+ pass@1 is 75.5%, not below --fail-below 70.0%.',
        '- --max-drop 3: not checked, no earlier comparable run (same suite, dataset md5 and tasks) in the history.',
      ].join('\n'),
    );
    const dropOnly = checkGate(entry('1', 0.9, 0.755), undefined, { maxDrop: 3 });
    assert.match(
      gateSection(dropOnly)!,
      /^### Regression gate: no earlier comparable run\n\n- --max-drop 3: not checked/,
    );
    const unmeasured = checkGate(entry('2', 0.9, 0.755), entry('1', 0.9, null), { maxDrop: 3 });
    assert.deepEqual(unmeasured.skipped, [
      '--max-drop 3: not checked, the earlier comparable run 1 has no HumanEval+ pass@1.',
    ]);
    const within = checkGate(entry('2', 0.9, 0.75), entry('1', 0.9, 0.76), { maxDrop: 3 });
    assert.deepEqual(within.passed, [
      'HumanEval+ pass@1 went from 76.0% (run 1, 2025-01-01T00:00:00.000Z) to 75.0%: within --max-drop 3.',
    ]);
    assert.match(gateSection(within)!, /^### Regression gate: passed\n/);
  });
});

describe('summary', () => {
  it('charts the suite runs with the published SemCoder-S figure as a reference line', () => {
    const runs = [
      entry('1', 0.8, 0.7),
      entry('2', 0.5, null, { suite: 'humaneval' }),
      entry('3', 0.823, 0.755),
    ];
    assert.equal(
      trendChart(runs, 'humanevalplus'),
      [
        '```mermaid',
        'xychart-beta',
        '    title "HumanEval+ pass@1 (%)"',
        '    x-axis ["01-01", "01-03"]',
        '    y-axis "pass@1 (%)" 0 --> 100',
        '    line [80, 82.3]',
        '    line [70, 75.5]',
        '    line [79.3, 79.3]',
        '```',
      ].join('\n'),
    );
    assert.match(trendChart(runs, 'humaneval')!, /line \[50\]\n {4}line \[79\.3\]/);
    assert.equal(trendChart([], 'humaneval'), null);
  });

  it('gives every run a distinct label, even several on one day or across years', () => {
    const day = (runId: string, date: string) => entry(runId, 0.5, 0.5, { date });
    assert.deepEqual(
      runLabels([
        day('a', '2026-11-20T23:00:00.000Z'),
        day('b', '2026-11-21T01:00:00.000Z'),
        day('c', '2026-11-21T02:00:00.000Z'),
        day('d', '2026-11-21T03:00:00.000Z'),
      ]),
      ['11-20', '11-21 #1', '11-21 #2', '11-21 #3'],
    );
    assert.deepEqual(
      runLabels([day('a', '2025-11-21T00:00:00.000Z'), day('b', '2026-11-21T00:00:00.000Z')]),
      ['25-11-21', '26-11-21'],
    );
    const chart = trendChart(
      ['b', 'c', 'd'].map((id) => day(id, '2026-11-21T10:00:00.000Z')),
      'humanevalplus',
    );
    assert.match(chart!, /x-axis \["11-21 #1", "11-21 #2", "11-21 #3"\]/);
  });

  it('charts only the runs comparable with the latest one, and says what it left out', () => {
    const all = scopeOf(['HumanEval/0', 'HumanEval/1']);
    const runs = [
      entry('1', 0.8, 0.7, { scope: all }),
      entry('2', 0.1, 0.1, { scope: all, datasetMd5: 'other' }),
      entry('3', 0.2, 0.2, { scope: scopeOf(['HumanEval/0']) }),
      entry('4', 0.9, null, { scope: all }),
      entry('5', 0.5, null, { suite: 'humaneval', scope: all }),
      entry('6', 0.85, 0.75, { scope: all }),
    ];
    const section = trendSection(runs, 'humanevalplus')!;
    assert.match(section, /x-axis \["01-01", "01-06"\]/);
    assert.match(section, /line \[80, 85\]\n {4}line \[70, 75\]\n {4}line \[79\.3, 79\.3\]/);
    assert.match(
      section,
      /1 run of this suite on other dataset content \(another md5\) left out\./,
    );
    assert.match(section, /1 run of this suite over other tasks .* left out\./);
    assert.match(section, /Left out, a figure not measured .*: 4 \(2025-01-04\)\./);
    assert.match(section, /2 runs from 2025-01-01 to 2025-01-06/);
    // A run that measured nothing: no chart, and the section says why.
    const empty = trendSection([entry('7', null as unknown as number, null)], 'humanevalplus')!;
    assert.doesNotMatch(empty, /mermaid/);
    assert.match(empty, /No run to chart/);
  });

  it('renders figures, failures, notes, the trend and the gate, escaping what came from outside', () => {
    const results = suiteResults(
      { 'HumanEval/0': [outcome('pass')], 'HumanEval/1': [outcome('fail')] },
      {
        model: 'evil`model <img>',
        skipped: [{ taskId: '<b>x</b>', line: 4, reason: 'the task is not in the dataset' }],
        scopeTasks: ['HumanEval/0', 'HumanEval/1', 'HumanEval/2'],
      },
    );
    const markdown = renderSummary(results, {
      history: [entry('1', 0.8, 0.7)],
      gate: {
        failed: true,
        messages: ['HumanEval+ pass@1 is 50.0%, below --fail-below 70.0%.'],
        passed: [],
        skipped: [],
      },
    });
    assert.match(markdown, /^## HumanEval\+ benchmark/);
    assert.match(markdown, /Model: ``evil`model <img>``/);
    assert.match(markdown, /\| base \| 50\.0% \|\n\| plus \| 50\.0% \|/);
    assert.match(markdown, /\| fail \| 1 \| 1 \|/);
    assert.match(markdown, /1 task without a passing sample \(plus\)<\/summary>\n\nHumanEval\/1\n/);
    assert.match(
      markdown,
      /\n\n\*\*Partial: 1 of 3 tasks had no sample and is not counted: pass@k is over 2 tasks\.\*\*\n\n\| +\| pass@1/,
    );
    assert.match(markdown, /line 4: the task is not in the dataset/);
    assert.match(markdown, /```mermaid/);
    assert.match(markdown, /79\.3 \(SemCoder README\), 81\.1 \(SemCoder paper's first version\)/);
    assert.match(markdown, /### Regression gate: failed\n\n- HumanEval\+ pass@1 is 50\.0%/);
    assert.doesNotMatch(markdown, /<b>/);
  });
});

describe('partial runs', () => {
  it('name the missing shards and what the figures are over', () => {
    assert.equal(missingShardsWarning(null), null);
    assert.equal(missingShardsWarning({ shards: [1, 2], count: 2 }), null);
    assert.equal(
      missingShardsWarning({ shards: [1, 3], count: 3 }),
      'shard 2/3 missing: figures are over shards 1/3, 3/3.',
    );
    assert.equal(
      missingShardsWarning({ shards: [4], count: 4 }),
      'shards 1/4, 2/4, 3/4 missing: figures are over shard 4/4.',
    );
  });

  it('are recorded in the history, but never compared with a whole run', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-partial-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const historyFile = path.join(dir, 'history.json');
    const scopeTasks = ['HumanEval/0', 'HumanEval/1', 'HumanEval/2'];
    const whole = suiteResults(
      Object.fromEntries(scopeTasks.map((id) => [id, [outcome('pass')]])),
      { scopeTasks },
    );
    const partial = suiteResults({ 'HumanEval/0': [outcome('fail')] }, { scopeTasks });
    const options = (runId: string) => ({
      historyFile,
      runId,
      now: new Date('2025-01-01T00:00:00Z'),
      gate: { maxDrop: 1 },
    });
    await writeSuiteReport(path.join(dir, 'a'), whole, options('whole'));
    const second = await writeSuiteReport(path.join(dir, 'b'), partial, options('partial'));
    // 100% then 0%: a drop, were the runs comparable; they are not (other tasks).
    assert.equal(second.gate?.failed, false);
    assert.match(second.gate!.skipped[0]!, /no earlier comparable run/);
    assert.match(second.summary, /2 of 3 tasks had no sample and are not counted/);
    assert.match(second.summary, /1 run of this suite over other tasks .* left out/);
    const runs = (await readHistory(historyFile)).runs;
    assert.deepEqual(
      runs.map((run) => [run.runId, run.tasks]),
      [
        ['whole', 3],
        ['partial', 1],
      ],
    );
    assert.notEqual(runs[0]!.scope, runs[1]!.scope);
  });
});

describe('writeSuiteReport', () => {
  it('writes results, appends the history, gates on the previous run and charts the trend', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-report-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const historyFile = path.join(dir, 'history.json');
    const good = suiteResults({
      'HumanEval/0': [outcome('pass')],
      'HumanEval/1': [outcome('pass')],
    });
    const bad = suiteResults({
      'HumanEval/0': [outcome('pass')],
      'HumanEval/1': [outcome('fail')],
    });
    const first = await writeSuiteReport(path.join(dir, 'a'), good, {
      historyFile,
      runId: 'run-1',
      now: new Date('2025-01-01T00:00:00Z'),
      gate: { maxDrop: 10 },
    });
    assert.equal(first.gate?.failed, false);
    assert.match(first.gate!.skipped[0]!, /--max-drop 10: not checked, no earlier comparable run/);
    assert.match(first.summary, /### Regression gate: no earlier comparable run/);
    assert.equal(first.appended, true);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'a', 'results.json'), 'utf8')), good);
    const second = await writeSuiteReport(path.join(dir, 'b'), bad, {
      historyFile,
      runId: 'run-2',
      now: new Date('2025-01-02T00:00:00Z'),
      gate: { maxDrop: 10 },
    });
    assert.equal(second.gate?.failed, true);
    assert.match(second.gate!.messages[0]!, /dropped 50\.0 points, from 100\.0% \(run run-1/);
    const history = await readHistory(historyFile);
    assert.deepEqual(
      history.runs.map((run) => run.runId),
      ['run-1', 'run-2'],
    );
    assert.match(
      readFileSync(second.summaryFile, 'utf8'),
      /line \[100, 50\]\n {4}line \[100, 50\]\n {4}line \[79\.3, 79\.3\]/,
    );
    const third = await writeSuiteReport(path.join(dir, 'c'), good, {
      now: new Date(),
      runId: 'x',
      gate: {},
    });
    assert.equal(third.gate, null);
    assert.equal(third.appended, false);
    assert.doesNotMatch(third.summary, /mermaid|Regression gate/);
  });
});
