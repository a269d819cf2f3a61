import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { killVerdict, retarget, type KillOutcome } from '../src/bench/testgen/kill.js';
import { mergeTestgen } from '../src/bench/testgen/merge.js';
import { moduleName } from '../src/bench/testgen/repo.js';
import {
  countMutants,
  totalsOf,
  type MutantRecord,
  type TestgenResults,
  type TestgenTask,
} from '../src/bench/testgen/results.js';
import { renderTestgenSummary } from '../src/bench/testgen/summary.js';
import type { TestResult } from '../src/execute/types.js';
import { runCli } from './support/cli.js';

/** The test-generation track's pure parts: kill verdicts, totals, merging, the summary. */

function result(name: string, outcome: TestResult['outcome'], notRun = false): TestResult {
  return {
    functionId: 'm',
    file: 'test_m.py',
    name,
    nodeid: `test_m.py::${name}`,
    outcome,
    message: '',
    durationMs: 1,
    ...(notRun ? { notRun: true } : {}),
  };
}

describe('killVerdict', () => {
  const cases: [string, TestResult[], TestResult[], KillOutcome][] = [
    [
      'a baseline-passing test that fails kills',
      [result('test_a', 'passed'), result('test_b', 'passed')],
      [result('test_a', 'passed'), result('test_b', 'failed')],
      { verdict: 'killed', killedBy: ['test_b'] },
    ],
    [
      'errors and timeouts kill too',
      [result('test_a', 'passed'), result('test_b', 'passed')],
      [result('test_a', 'error'), result('test_b', 'timeout')],
      { verdict: 'killed', killedBy: ['test_a', 'test_b'] },
    ],
    [
      'a test that failed on the baseline cannot kill',
      [result('test_a', 'passed'), result('test_xfail', 'failed')],
      [result('test_a', 'passed'), result('test_xfail', 'passed')],
      { verdict: 'survived', killedBy: [] },
    ],
    [
      'no passing test on the baseline: nothing can kill',
      [result('test_a', 'failed')],
      [result('test_a', 'failed')],
      { verdict: 'survived', killedBy: [] },
    ],
    [
      'a mutant its tests never ran on is undecided',
      [result('test_a', 'passed')],
      [result('test_a', 'timeout', true)],
      { verdict: 'not-run', killedBy: [] },
    ],
    [
      'a baseline that never ran decides nothing',
      [result('test_a', 'timeout', true)],
      [result('test_a', 'passed')],
      { verdict: 'not-run', killedBy: [] },
    ],
    [
      'a test missing beside a failure broke at collection: killed',
      [result('test_a', 'passed')],
      [result('test_m.py', 'test-error')],
      { verdict: 'killed', killedBy: ['test_a'] },
    ],
    [
      'a test missing while the rest passed is undecided',
      [result('test_a', 'passed'), result('test_b', 'passed')],
      [result('test_a', 'passed')],
      { verdict: 'not-run', killedBy: [] },
    ],
  ];
  for (const [what, baseline, mutant, expected] of cases) {
    it(what, () => assert.deepEqual(killVerdict(baseline, mutant), expected));
  }
});

describe('retarget and module names', () => {
  it('points the import at the mutant and nothing else', () => {
    const code =
      'import pytest\nfrom humaneval_1 import f\nimport humaneval_1\n\n\ndef test_humaneval_1_x():\n    assert humaneval_1.f(1) == f(1)\n    assert humaneval_12 is None\n';
    assert.equal(
      retarget(code, 'humaneval_1', 'humaneval_1__m3'),
      'import pytest\nfrom humaneval_1__m3 import f\nimport humaneval_1__m3\n\n\ndef test_humaneval_1_x():\n    assert humaneval_1__m3.f(1) == f(1)\n    assert humaneval_12 is None\n',
    );
  });

  it('names modules after task ids, uniquely and importably', () => {
    const taken = new Set<string>();
    assert.deepEqual(
      ['HumanEval/12', 'humaneval-12', '7/x', 'HumanEval/12'].map((id) => moduleName(id, taken)),
      ['humaneval_12', 'humaneval_12_2', 'task_7_x', 'humaneval_12_3'],
    );
  });
});

function mutant(index: number, verdict: MutantRecord['verdict']): MutantRecord {
  return {
    index,
    operator: 'comparison',
    line: 3,
    evaluation: verdict === null ? 'pass' : 'fail',
    verdict,
    killedBy: verdict === 'killed' ? ['test_a'] : [],
  };
}

function task(taskId: string, verdicts: MutantRecord['verdict'][], passed = 2): TestgenTask {
  const mutantDetails = verdicts.map((v, i) => mutant(i, v));
  const mutants = countMutants(mutantDetails);
  return {
    taskId,
    entryPoint: 'f',
    module: moduleName(taskId, new Set()),
    skipped: null,
    tests: { generated: 4, valid: 3, passed, failed: 3 - passed, errors: 0 },
    responses: { total: 2, parsed: 1 },
    coverage: { lines: { covered: 3, total: 4 }, branches: { covered: 1, total: 2 } },
    keptTests: passed,
    mutants,
    killRate: null,
    mutantDetails,
  };
}

function results(tasks: TestgenTask[], shard: TestgenResults['shard']): TestgenResults {
  return {
    version: 1,
    suite: 'testgen',
    dataset: { path: 'he+.jsonl.gz', md5: 'abc' },
    model: 'semcoder/semcoder_s_1030',
    createdAt: '2025-01-01T00:00:00.000Z',
    shard,
    merged: null,
    settings: {
      api: 'completions',
      endpoint: 'http://127.0.0.1:8000/v1',
      testsPerFunction: 8,
      maxRetries: 2,
      maxRounds: 2,
      testTimeout: 10,
      maxMutants: 20,
      limit: null,
    },
    totals: totalsOf(tasks),
    llm: { requests: 2, retries: 0, failures: 0, promptTokens: 10, completionTokens: 5 },
    timings: { totalMs: 100, reviewMs: 50, mutantsMs: 30, killMs: 20 },
    notes: [],
    tasks: Object.fromEntries(tasks.map((t) => [t.taskId, t])),
  };
}

describe('testgen totals', () => {
  it('are rates of sums, counting faulty mutants only', () => {
    const totals = totalsOf([
      task('HumanEval/0', ['killed', 'killed', null, 'survived']),
      task('HumanEval/1', ['survived', 'not-run'], 1),
    ]);
    assert.deepEqual(totals.mutants, {
      generated: 6,
      faulty: 5,
      killed: 2,
      survived: 2,
      notRun: 1,
    });
    assert.equal(totals.killRate, 0.5);
    assert.equal(totals.oracleAccuracy, 3 / 6);
    assert.equal(totals.syntaxValidity, 0.5);
    assert.equal(totals.lineCoverage, 0.75);
    assert.equal(totals.branchCoverage, 0.5);
    assert.equal(totalsOf([]).killRate, null);
  });
});

describe('mergeTestgen', () => {
  const one = results([task('HumanEval/0', ['killed', 'survived'])], { index: 1, count: 2 });
  const two = results([task('HumanEval/1', ['killed', 'killed'])], { index: 2, count: 2 });

  it('combines shards into the totals of the whole', () => {
    const merged = mergeTestgen(
      [
        { label: 'a', results: one },
        { label: 'b', results: two },
      ],
      '2025-01-02T00:00:00.000Z',
    );
    assert.deepEqual(Object.keys(merged.tasks), ['HumanEval/0', 'HumanEval/1']);
    assert.equal(merged.totals.killRate, 0.75);
    assert.deepEqual(merged.merged, { shards: [1, 2], count: 2 });
    assert.equal(merged.llm.requests, 4);
    assert.equal(merged.shard, null);
  });

  it('refuses shards of different runs, twice the same shard, and overlaps', () => {
    const other = { ...two, settings: { ...two.settings, maxMutants: 5 } };
    assert.throws(
      () =>
        mergeTestgen(
          [
            { label: 'a', results: one },
            { label: 'b', results: other },
          ],
          '',
        ),
      /b has settings .*"maxMutants":5.* these are not shards of one run/,
    );
    assert.throws(
      () =>
        mergeTestgen(
          [
            { label: 'a', results: one },
            { label: 'b', results: one },
          ],
          '',
        ),
      /b and a are both shard 1\/2\./,
    );
    const overlapping = results([task('HumanEval/0', [])], { index: 2, count: 2 });
    assert.throws(
      () =>
        mergeTestgen(
          [
            { label: 'a', results: one },
            { label: 'b', results: overlapping },
          ],
          '',
        ),
      /both cover task HumanEval\/0/,
    );
  });

  it('merges through the CLI, and refuses shards of different suites', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-testgen-merge-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, value: object) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'results.json'), JSON.stringify(value));
      return path.join(dir, name);
    };
    const a = write('a', one);
    const b = write('b', two);
    const out = path.join(dir, 'out');
    const merged = await runCli(['bench', 'merge', '--out', out, a, b, '--fail-below', '80']);
    assert.equal(merged.code, 1, merged.stderr);
    assert.match(merged.stdout, /kill rate: 75\.0% \(3\/4\)/);
    assert.match(merged.stderr, /Test generation kill rate is 75\.0%, below --fail-below 80\.0%/);
    const written = JSON.parse(
      readFileSync(path.join(out, 'results.json'), 'utf8'),
    ) as TestgenResults;
    assert.equal(written.totals.mutants.killed, 3);
    const foreign = write('c', { ...two, suite: 'humanevalplus' });
    const mixed = await runCli(['bench', 'merge', '--out', out, a, foreign]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /is suite humanevalplus, but .* is suite testgen/);
  });
});

describe('renderTestgenSummary', () => {
  it('shows the figures with their counts, escapes task text, and charts the trend', () => {
    const skipped = { ...task('HumanEval/9', ['survived']), skipped: 'not reviewed: <b>@x</b>' };
    const run = results([task('HumanEval/0', ['killed', null]), skipped], null);
    const markdown = renderTestgenSummary(run, {
      history: [
        {
          runId: '1',
          date: '2025-01-01T00:00:00.000Z',
          model: null,
          suite: 'testgen',
          datasetMd5: 'abc',
          passAt1: { base: null, plus: null },
          samples: 2,
          tasks: 2,
          metrics: {
            killRate: 0.5,
            oracleAccuracy: 0.666,
            lineCoverage: 0.75,
            branchCoverage: 0.5,
          },
        },
      ],
      gate: { failed: false, messages: [], passed: [], skipped: [] },
    });
    assert.match(markdown, /\| kill rate \| 50\.0% \| 1 of 2 faulty mutants killed \|/);
    assert.match(
      markdown,
      /2 faulty \(the HumanEval\+ inputs tell them apart from the canonical solution; the other 1 behave alike there/,
    );
    assert.match(
      markdown,
      /line \[50\]\n {4}line \[66\.6\]\n {4}line \[75\]\n {4}line \[50\]\n```/,
    );
    assert.doesNotMatch(markdown, /<b>|@x/);
    assert.match(markdown, /### Regression gate: passed/);
  });

  it('says which shards a merge lacks', () => {
    const run = {
      ...results([task('HumanEval/0', ['killed'])], null),
      merged: { shards: [1, 3], count: 3 },
    };
    const markdown = renderTestgenSummary(run);
    assert.match(markdown, /merged from 2 shards/);
    assert.match(markdown, /Shards missing from this merge: 2\/3\./);
  });
});
