import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import type { SweBenchRecord } from '../src/bench/datasets.js';
import { loadDataset } from '../src/bench/datasets.js';
import {
  appendRun,
  checkGate,
  previousRun,
  readHistory,
  writeHistory,
  type HistoryEntry,
} from '../src/bench/history.js';
import { benchRunSettingsSchema } from '../src/bench/run-settings.js';
import {
  defaultSetupCommand,
  environmentKey,
  setupEnv,
} from '../src/bench/swebench/environment.js';
import { cloneName } from '../src/bench/swebench/git.js';
import { lastLines, runStep } from '../src/bench/swebench/process.js';
import {
  buildSwebenchResults,
  mergeSwebenchResults,
  swebenchFigures,
} from '../src/bench/swebench/results.js';
import { parseInstanceIds, selectInstances } from '../src/bench/swebench/select.js';
import { renderSwebenchSummary } from '../src/bench/swebench/summary.js';
import { importRootOf, PATCH_TARGET, patchTargets } from '../src/bench/swebench/targets.js';
import type {
  InstanceResult,
  InstanceStatus,
  SwebenchResults,
} from '../src/bench/swebench/types.js';
import {
  countTransitions,
  judge,
  keptFiles,
  pairResults,
  sideAfter,
  sideBefore,
  transitionOf,
} from '../src/bench/swebench/verdict.js';
import { UsageError } from '../src/errors.js';
import type { Outcome, TestResult } from '../src/execute/types.js';
import type { FunctionReport } from '../src/report/types.js';
import { parseSettings } from '../src/settings.js';
import { registerBench } from '../src/commands/bench.js';
import { registerBenchRun } from '../src/commands/bench-run.js';
import { SWEBENCH_TEST } from './support/bench-fixture.js';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('fail-before and pass-after', () => {
  const table: [Outcome, boolean | undefined, string, string][] = [
    // outcome, notRun, before, after
    ['passed', undefined, 'pass', 'pass'],
    ['failed', undefined, 'fail', 'fail'],
    ['error', undefined, 'fail', 'fail'],
    ['test-error', undefined, 'fail', 'fail'], // e.g. importing a name the patch adds
    ['timeout', undefined, 'fail', 'fail'],
    ['timeout', true, 'unknown', 'unknown'], // the budget ran out before it started
    ['flaky', undefined, 'unknown', 'fail'],
    ['invalid', undefined, 'unknown', 'unknown'],
  ];
  for (const [outcome, notRun, before, afterSide] of table) {
    it(`${outcome}${notRun ? ' (not run)' : ''}: before ${before}, after ${afterSide}`, () => {
      assert.equal(sideBefore({ outcome, notRun }), before);
      assert.equal(sideAfter({ outcome, notRun }), afterSide);
    });
  }
  it('a missing result tells nothing', () => {
    assert.equal(sideBefore(undefined), 'unknown');
    assert.equal(sideAfter(undefined), 'unknown');
  });
  it('names transitions', () => {
    assert.equal(transitionOf('fail', 'pass'), 'fail-to-pass');
    assert.equal(transitionOf('pass', 'fail'), 'pass-to-fail');
    assert.equal(transitionOf('pass', 'pass'), 'pass-to-pass');
    assert.equal(transitionOf('fail', 'fail'), 'fail-to-fail');
    assert.equal(transitionOf('unknown', 'pass'), 'unknown');
    assert.equal(transitionOf('fail', 'unknown'), 'unknown');
  });
});

function result(file: string, name: string, outcome: Outcome): TestResult {
  return {
    functionId: 'f',
    file,
    name,
    nodeid: `${file}::${name}`,
    outcome,
    message: outcome === 'passed' ? 'passed' : `${outcome}: because`,
    durationMs: 1,
  };
}

function fnReport(extra: Partial<FunctionReport>): FunctionReport {
  const zero = { covered: 0, total: 0 };
  return {
    file: 'pkg/mod.py',
    qualname: 'f',
    status: 'modified',
    module: 'pkg.mod',
    start: 1,
    end: 3,
    changedLines: [2],
    tests: [],
    counts: { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
    passRate: 0,
    coverage: { lines: zero, branches: zero, changedLines: zero },
    edgeCases: [],
    responses: { total: 1, parsed: 1 },
    testFile: 'tests/test_pkg_mod__f.py',
    testCode: 'def test_a(): pass\n',
    skipped: null,
    ...extra,
  };
}

describe('pairing results and judging an instance', () => {
  const kept = keptFiles({
    functions: [
      fnReport({
        tests: [
          { name: 'test_a', outcome: 'passed', message: '' },
          { name: 'test_p[1]', outcome: 'passed', message: '', regression: true },
        ],
      }),
      fnReport({ qualname: 'g', testFile: null, testCode: null }),
    ],
  });

  it('keeps the files the review kept, with the tests whose oracle was observed', () => {
    assert.equal(kept.length, 1);
    assert.deepEqual(
      { name: kept[0]!.name, function: kept[0]!.function, observed: [...kept[0]!.observed] },
      { name: 'test_pkg_mod__f.py', function: 'pkg/mod.py::f', observed: ['test_p'] },
    );
  });

  it('pairs base and head results by file and name', () => {
    const file = 'test_pkg_mod__f.py';
    const paired = pairResults(
      kept,
      [
        result(file, 'test_a', 'failed'),
        result(file, 'test_p[1]', 'error'),
        result(file, 'test_gone', 'passed'),
      ],
      [
        result(file, 'test_a', 'passed'),
        result(file, 'test_p[1]', 'passed'),
        result(file, 'test_new', 'passed'),
      ],
    );
    assert.deepEqual(
      paired.map((t) => [t.name, t.before, t.after, t.transition, t.oracle, t.function]),
      [
        ['test_a', 'failed', 'passed', 'fail-to-pass', 'model', 'pkg/mod.py::f'],
        ['test_p[1]', 'error', 'passed', 'fail-to-pass', 'observed', 'pkg/mod.py::f'],
        ['test_new', 'missing', 'passed', 'unknown', 'model', 'pkg/mod.py::f'],
        ['test_gone', 'passed', 'missing', 'unknown', 'model', 'pkg/mod.py::f'],
      ],
    );
    assert.equal(paired[0]!.beforeMessage, 'failed: because');
    assert.deepEqual(countTransitions(paired), {
      failToPass: 1,
      failToPassObserved: 1,
      passToPass: 0,
      passToFail: 0,
      failToFail: 0,
      unknown: 2,
    });
  });

  const counts = (extra: Partial<ReturnType<typeof countTransitions>>) => ({
    ...countTransitions([]),
    ...extra,
  });
  const judged: [string, ReturnType<typeof counts>, number, InstanceStatus, RegExp][] = [
    ['one fail-to-pass', counts({ failToPass: 1, passToPass: 3 }), 4, 'success', /^$/],
    [
      'a pass-to-fail spoils it',
      counts({ failToPass: 2, passToFail: 1 }),
      3,
      'no-success',
      /1 test\(s\) that passed before/,
    ],
    ['nothing kept', counts({}), 0, 'no-success', /kept no test/],
    [
      'observed oracles only',
      counts({ failToPassObserved: 2 }),
      2,
      'no-success',
      /observed on the patched code/,
    ],
    [
      'nothing changes',
      counts({ passToPass: 2, failToFail: 1 }),
      3,
      'no-success',
      /no kept test fails before/,
    ],
  ];
  for (const [title, c, keptCount, status, reason] of judged) {
    it(`judges: ${title}`, () => {
      const verdict = judge(c, keptCount);
      assert.equal(verdict.status, status);
      assert.match(verdict.reason, reason);
    });
  }
});

function record(id: string): SweBenchRecord {
  return {
    repo: 'o/r',
    instance_id: id,
    base_commit: 'b',
    patch: '',
    test_patch: '',
    problem_statement: '',
    hints_text: '',
    created_at: '',
    version: '1',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
    environment_setup_commit: 'e',
  };
}

describe('selecting instances', () => {
  const records = ['o__r-10', 'o__r-2', 'a__b-1', 'o__r-1'].map(record);
  const ids = (picked: { records: SweBenchRecord[] }) => picked.records.map((r) => r.instance_id);

  it('parses ids separated by commas or spaces', () => {
    assert.deepEqual(parseInstanceIds(' a,b  c,,a '), ['a', 'b', 'c']);
  });
  it('orders naturally, then limits, then shards the selection', () => {
    const none = { instances: null, limit: null };
    assert.deepEqual(ids(selectInstances(records, none, null)), [
      'a__b-1',
      'o__r-1',
      'o__r-2',
      'o__r-10',
    ]);
    const limited = { instances: null, limit: 3 };
    assert.deepEqual(ids(selectInstances(records, limited, null)), ['a__b-1', 'o__r-1', 'o__r-2']);
    assert.deepEqual(ids(selectInstances(records, limited, { index: 1, count: 2 })), [
      'a__b-1',
      'o__r-2',
    ]);
    assert.deepEqual(ids(selectInstances(records, limited, { index: 2, count: 2 })), ['o__r-1']);
  });
  it('takes --instances in id order and names the unknown ones', () => {
    const picked = selectInstances(
      records,
      { instances: ['o__r-10', 'x-1', 'a__b-1'], limit: 1 },
      null,
    );
    assert.deepEqual(ids(picked), ['a__b-1']);
    assert.deepEqual(picked.unknown, ['x-1']);
  });
  it('refuses a selection the dataset has none of', () => {
    assert.throws(
      () => selectInstances(records, { instances: ['x-1'], limit: null }, null),
      (error: unknown) =>
        error instanceof UsageError && /none of x-1 is in the dataset/.test(error.message),
    );
  });
  it('selects from the SWE-bench Lite test split', async () => {
    const cacheDir = tempDir('semcoder-swebench-lite-');
    const dataset = await loadDataset('swebench', SWEBENCH_TEST, { cacheDir });
    const picked = selectInstances(
      dataset.records,
      { instances: null, limit: 4 },
      { index: 2, count: 2 },
    );
    assert.deepEqual(ids(picked), ['astropy__astropy-7746', 'astropy__astropy-14182']);
    assert.equal(picked.records[0]!.repo, 'astropy/astropy');
  });
});

describe('targets of the executor', () => {
  const cases: [string, string, string][] = [
    ['pkg/mod.py', 'pkg.mod', ''],
    ['src/pkg/mod.py', 'pkg.mod', 'src'],
    ['pkg/__init__.py', 'pkg', ''],
    ['lib/src/pkg/sub/__init__.py', 'pkg.sub', 'lib/src'],
    ['scripts/tool.py', 'tool', 'scripts'],
    ['setup.py', 'setup', ''],
  ];
  for (const [file, module, root] of cases) {
    it(`import root of ${file} (${module}) is '${root}'`, () => {
      assert.equal(importRootOf(file, module), root);
    });
  }

  it("makes one target per patched source file, spanning the file, with the patch's lines", () => {
    const functions = [
      {
        id: 'src/pkg/a.py::f',
        file: 'src/pkg/a.py',
        qualname: 'f',
        start: 3,
        end: 9,
        changedLines: [4],
        importRoot: 'src',
      },
    ];
    const targets = patchTargets(
      [
        { file: 'src/pkg/a.py', lines: [4, 20], length: 30 },
        { file: 'src/pkg/b.py', lines: [1], length: 2 },
        { file: 'tests/test_a.py', lines: [1], length: 5 },
        { file: 'src/pkg/c.py', lines: [], length: 5 },
      ],
      functions,
      { include: [], exclude: [], defaultExcludes: true },
    );
    assert.deepEqual(targets, [
      {
        id: 'patch:src/pkg/a.py',
        file: 'src/pkg/a.py',
        qualname: PATCH_TARGET,
        start: 1,
        end: 30,
        changedLines: [4, 20],
        importRoot: 'src',
      },
      {
        id: 'patch:src/pkg/b.py',
        file: 'src/pkg/b.py',
        qualname: PATCH_TARGET,
        start: 1,
        end: 2,
        changedLines: [1],
        importRoot: 'src',
      },
    ]);
  });
});

function instanceResult(
  id: string,
  status: InstanceStatus,
  extra: Partial<InstanceResult> = {},
): InstanceResult {
  return {
    instanceId: id,
    repo: 'o/r',
    baseCommit: 'b',
    headCommit: 'h',
    status,
    reason: status === 'success' ? '' : `why ${id}`,
    environment: null,
    functions: [],
    tests: [],
    counts: countTransitions([]),
    patchCoverage:
      status === 'success' || status === 'no-success'
        ? { covered: 1, total: 2, missing: [] }
        : null,
    reviewDir: null,
    llm: { requests: 2, retries: 0, failures: 0, promptTokens: 10, completionTokens: 5 },
    timings: { totalMs: 10, setupMs: 1, reviewMs: 5, executeMs: 4 },
    ...extra,
  };
}

function swebenchResults(
  results: InstanceResult[],
  extra: Partial<Parameters<typeof buildSwebenchResults>[0]> = {},
): SwebenchResults {
  return buildSwebenchResults({
    dataset: { path: 'lite.jsonl', md5: 'abc' },
    model: 'm',
    createdAt: '2025-01-01T00:00:00.000Z',
    selection: { instances: null, limit: null },
    shard: null,
    results,
    skipped: [],
    setup: { command: null, timeoutSec: 1800 },
    timings: { totalMs: 100 },
    ...extra,
  });
}

describe('results and merge', () => {
  it('scores over the evaluated instances only, and pools the coverage', () => {
    const results = swebenchResults([
      instanceResult('o__r-2', 'no-success'),
      instanceResult('o__r-10', 'environment-error'),
      instanceResult('o__r-1', 'success'),
      instanceResult('o__r-3', 'error'),
    ]);
    assert.deepEqual(Object.keys(results.results), ['o__r-1', 'o__r-2', 'o__r-3', 'o__r-10']);
    assert.deepEqual(results.counts, {
      success: 1,
      'no-success': 1,
      'environment-error': 1,
      error: 1,
    });
    assert.equal(results.evaluated, 2);
    assert.equal(results.successRate, 0.5);
    assert.deepEqual(results.patchCoverage, { covered: 2, total: 4, share: 0.5 });
    assert.equal(results.llm.requests, 8);
  });

  it('has no success rate when nothing was evaluated', () => {
    const results = swebenchResults([instanceResult('o__r-1', 'environment-error')]);
    assert.equal(results.successRate, null);
    assert.deepEqual(results.patchCoverage, { covered: 0, total: 0, share: null });
  });

  const shard = (index: number, results: InstanceResult[], extra = {}) =>
    swebenchResults(results, { shard: { index, count: 3 }, ...extra });

  it('merges shards, and records the missing ones', () => {
    const merged = mergeSwebenchResults(
      [
        {
          label: 'a',
          results: shard(3, [instanceResult('o__r-2', 'success')], { timings: { totalMs: 7 } }),
        },
        {
          label: 'b',
          results: shard(1, [instanceResult('o__r-1', 'no-success')], { timings: { totalMs: 9 } }),
        },
      ],
      '2025-02-02T00:00:00.000Z',
    );
    assert.deepEqual(merged.merged, { shards: [1, 3], count: 3 });
    assert.equal(merged.shard, null);
    assert.deepEqual(Object.keys(merged.results), ['o__r-1', 'o__r-2']);
    assert.equal(merged.successRate, 0.5);
    assert.deepEqual(merged.timings, { totalMs: 9 });
    assert.match(renderSwebenchSummary(merged), /Shards missing from this merge: 2\/3\./);
  });

  const refusals: [string, SwebenchResults, RegExp][] = [
    [
      'another dataset',
      shard(2, [], { dataset: { path: 'x', md5: 'other' } }),
      /has dataset md5 "other"/,
    ],
    ['another model', shard(2, [], { model: 'n' }), /has model "n"/],
    ['another selection', shard(2, [], { selection: { instances: null, limit: 5 } }), /selects/],
    [
      'another setup command',
      shard(2, [], { setup: { command: 'make', timeoutSec: 1800 } }),
      /has setup command "make"/,
    ],
    [
      'another shard count',
      swebenchResults([], { shard: { index: 2, count: 4 } }),
      /is a shard of 4/,
    ],
    ['the same shard', shard(1, []), /both shard 1\/3/],
    [
      'an overlap',
      shard(2, [instanceResult('o__r-1', 'success')]),
      /both cover instance o__r-1: the shards overlap/,
    ],
    ['a whole run', swebenchResults([]), /is not a shard/],
  ];
  for (const [title, other, message] of refusals) {
    it(`refuses ${title}`, () => {
      const first = { label: 'first', results: shard(1, [instanceResult('o__r-1', 'success')]) };
      assert.throws(
        () => mergeSwebenchResults([first, { label: 'second', results: other }], 'now'),
        message,
      );
    });
  }
  it('refuses nothing to merge', () => {
    assert.throws(() => mergeSwebenchResults([], 'now'), /nothing to merge/);
  });
});

/** A SWE-bench run's entry in the common history. */
function swebenchEntry(results: SwebenchResults, runId: string, date: string): HistoryEntry {
  return { runId, date, ...swebenchFigures(results) };
}

describe('history and gate (the common history)', () => {
  const entry = (runId: string, rate: number | null, extra: Partial<SwebenchResults> = {}) =>
    swebenchEntry(
      {
        ...swebenchResults([
          instanceResult('o__r-1', 'success'),
          instanceResult('o__r-2', 'no-success'),
        ]),
        successRate: rate,
        ...extra,
      },
      runId,
      '2025-01-01T00:00:00.000Z',
    );

  it('records the success rate, the patch coverage, and the evaluated instances as tasks', () => {
    const figures = swebenchFigures(
      swebenchResults([
        instanceResult('o__r-1', 'success'),
        instanceResult('o__r-2', 'no-success'),
        instanceResult('o__r-3', 'environment-error'),
      ]),
    );
    assert.deepEqual(figures, {
      model: 'm',
      suite: 'swebench',
      datasetMd5: 'abc',
      passAt1: { base: null, plus: null },
      samples: 3,
      tasks: 2,
      metrics: { successRate: 0.5, patchCoverage: 0.5 },
      // md5 of "o__r-1\no__r-2\no__r-3": the scope the track recorded before it was common.
      scope: createHash('md5').update('o__r-1\no__r-2\no__r-3').digest('hex'),
    });
  });

  it('compares with the last run over the same dataset and instances', () => {
    const old = entry('r1', 0.5);
    const otherScope = swebenchEntry(
      swebenchResults([instanceResult('o__r-9', 'success')]),
      'r2',
      'd',
    );
    const current = entry('r3', 0.5);
    const history = { version: 1 as const, runs: [old, otherScope, current] };
    assert.equal(previousRun(history, current)?.runId, 'r1');
  });

  const gates: [string, number | null, number | null, object, boolean, RegExp | null][] = [
    ['above the floor', 0.8, null, { failBelow: 50 }, false, null],
    ['below the floor', 0.4, null, { failBelow: 50 }, true, /is 40\.0%, below --fail-below 50\.0%/],
    ['a small drop', 0.7, 0.75, { maxDrop: 10 }, false, null],
    [
      'a large drop',
      0.5,
      0.75,
      { maxDrop: 10 },
      true,
      /success rate dropped 25\.0 points, from 75\.0% \(run prev/,
    ],
    ['nothing evaluated', null, 0.75, { failBelow: 1 }, true, /could not be computed/],
    ['nothing evaluated, no gate', null, 0.75, {}, false, null],
  ];
  for (const [title, rate, before, options, failed, message] of gates) {
    it(`gate: ${title}`, () => {
      const previous = before === null ? undefined : entry('prev', before);
      const gate = checkGate(entry('now', rate), previous, options);
      assert.equal(gate.failed, failed);
      if (message) assert.match(gate.messages.join('\n'), message);
      else assert.deepEqual(gate.messages, []);
    });
  }

  it("shares a history file with the other suites' runs", async () => {
    const file = path.join(tempDir('semcoder-swebench-hist-'), 'history.json');
    const humaneval: HistoryEntry = {
      runId: 'h1',
      suite: 'humaneval',
      date: 'd',
      model: null,
      datasetMd5: 'x',
      passAt1: { base: 0.8, plus: null },
      samples: 1,
      tasks: 1,
    };
    await writeHistory(file, { version: 1, runs: [humaneval] });
    const next = appendRun(await readHistory(file), entry('s1', 0.5));
    await writeHistory(file, next.history);
    const read = await readHistory(file);
    assert.deepEqual(
      read.runs.map((r) => r.runId),
      ['h1', 's1'],
    );
    assert.deepEqual(read.runs[0], humaneval);
    assert.equal(read.runs[1]?.metrics?.successRate, 0.5);
  });

  it('reads the entries the track wrote in its own shape before, and compares with them', async () => {
    const file = path.join(tempDir('semcoder-swebench-hist-'), 'history.json');
    const current = entry('s2', 0.25);
    const legacy = {
      runId: 's1',
      date: '2025-01-01T00:00:00.000Z',
      model: 'm',
      suite: 'swebench',
      datasetMd5: 'abc',
      scope: current.scope,
      instances: 2,
      evaluated: 2,
      successRate: 0.5,
      patchCoverage: 0.5,
    };
    writeFileSync(file, JSON.stringify({ version: 1, runs: [legacy] }));
    const history = await readHistory(file);
    assert.deepEqual(history.runs, [
      {
        runId: 's1',
        date: '2025-01-01T00:00:00.000Z',
        model: 'm',
        suite: 'swebench',
        datasetMd5: 'abc',
        passAt1: { base: null, plus: null },
        samples: 2,
        tasks: 2,
        metrics: { successRate: 0.5, patchCoverage: 0.5 },
        scope: current.scope,
      },
    ]);
    const gate = checkGate(current, previousRun(history, current), { maxDrop: 10 });
    assert.match(gate.messages.join(''), /dropped 25\.0 points, from 50\.0% \(run s1/);
  });

  it('refuses a damaged entry and leaves the file alone', async () => {
    const file = path.join(tempDir('semcoder-swebench-hist-'), 'history.json');
    writeFileSync(file, '{"version": 1, "runs": [{"runId": "x", "suite": "swebench"}]}');
    await assert.rejects(
      readHistory(file),
      (error: unknown) => error instanceof UsageError && /runs\.0/.test(error.message),
    );
    assert.equal(
      readFileSync(file, 'utf8'),
      '{"version": 1, "runs": [{"runId": "x", "suite": "swebench"}]}',
    );
  });
});

describe('summary', () => {
  it('escapes what came from the dataset and the build logs', () => {
    const results = swebenchResults([
      instanceResult('evil__x-1', 'environment-error', {
        reason: 'pip failed <script>alert(1)</script> @maintainer',
        environment: {
          key: 'k',
          cached: false,
          setupCommand: 'pip',
          logTail: 'boom\n```\n# heading',
          log: null,
        },
      }),
      instanceResult('ok__x-1', 'no-success', { reason: 'a | pipe *and* [link](http://x)' }),
    ]);
    const summary = renderSwebenchSummary(results);
    assert.ok(!summary.includes('<script>'));
    assert.ok(!summary.includes('@maintainer'));
    assert.match(summary, /a \\| pipe \\*and\\* \\[link\\]\(http:\/\/x\)/);
    // The log's own fence cannot close the block it is shown in.
    assert.match(summary, /````\nboom\n```\n# heading\n````/);
    assert.match(summary, /\| success rate \(fail-to-pass\) \| 0\.0% \(0\/1 evaluated\) \|/);
  });

  it("charts this suite's runs of the history and shows the gate", () => {
    const results = swebenchResults([instanceResult('o__r-1', 'success')]);
    const history: HistoryEntry[] = [
      swebenchEntry(results, 'r1', '2025-01-01T00:00:00.000Z'),
      {
        runId: 'h',
        date: '2025-01-01T12:00:00.000Z',
        model: null,
        suite: 'humaneval',
        datasetMd5: 'x',
        passAt1: { base: 0.9, plus: null },
        samples: 1,
        tasks: 1,
      },
      swebenchEntry({ ...results, successRate: 0.25 }, 'r2', '2025-01-02T00:00:00.000Z'),
    ];
    const summary = renderSwebenchSummary(results, {
      history,
      gate: { failed: true, messages: ['dropped'], passed: [], skipped: [] },
    });
    assert.match(summary, /title "SWE-bench fail-to-pass \(%\)"/);
    assert.match(summary, /x-axis \["01-01", "01-02"\]/);
    assert.match(summary, /line \[100, 25\]\n {4}line \[50, 50\]\n```/);
    assert.match(summary, /Lines: success rate, and the share of the gold patches/);
    assert.match(summary, /### Regression gate: failed\n\n- dropped/);
    assert.doesNotMatch(renderSwebenchSummary(results), /mermaid|Regression gate/);
  });
});

/** Dead: no such process, or a zombie waiting for a parent that does not reap it. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

describe('environments and set-up steps', () => {
  it('installs with pip -e when the project is packaged, else nothing', () => {
    assert.equal(
      defaultSetupCommand({ setupPy: true, pyproject: false }),
      'python -m pip install -e .',
    );
    assert.equal(
      defaultSetupCommand({ setupPy: false, pyproject: true }),
      'python -m pip install -e .',
    );
    assert.equal(defaultSetupCommand({ setupPy: false, pyproject: false }), null);
  });

  it('keys environments by repository, set-up commit, command and interpreter', () => {
    const key = environmentKey('django/django', '0123456789abcdef', null, 'python3');
    assert.match(key, /^django__django-0123456789ab-[0-9a-f]{16}$/);
    assert.notEqual(key, environmentKey('django/django', '0123456789abcdef', 'make', 'python3'));
    assert.notEqual(
      key,
      environmentKey('django/django', '0123456789abcdef', null, '/usr/bin/python3.9'),
    );
    assert.equal(cloneName('django/django'), 'django__django');
  });

  it('runs set-up steps without secrets, with the venv first on PATH', () => {
    const env = setupEnv(
      {
        PATH: '/usr/bin',
        HOME: '/root',
        GITHUB_TOKEN: 'ghp_x',
        SEMCODER_API_KEY: 'k',
        PYTHONPATH: '/x',
        HTTPS_PROXY: 'http://proxy',
      },
      '/venv',
    );
    assert.deepEqual(env, {
      PATH: `/venv/bin${path.delimiter}/usr/bin`,
      HOME: '/root',
      HTTPS_PROXY: 'http://proxy',
      VIRTUAL_ENV: '/venv',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
    });
  });

  it('logs a step, keeps its tail, and kills its process group on time-out', async () => {
    const dir = tempDir('semcoder-swebench-step-');
    const logFile = path.join(dir, 'logs', 'setup.log');
    const options = { cwd: dir, env: { PATH: process.env.PATH }, timeoutSec: 30, logFile };
    const ok = await runStep('say', ['sh', '-c', 'echo one; echo two >&2'], options);
    assert.deepEqual(ok, { ok: true, status: 'exit code 0', tail: 'one\ntwo' });
    const failed = await runStep('fail', ['sh', '-c', 'exit 3'], options);
    assert.deepEqual([failed.ok, failed.status], [false, 'exit code 3']);
    // The child keeps the pipe open: only killing the group ends the step.
    const pidFile = path.join(dir, 'child.pid');
    const hung = await runStep('hang', ['sh', '-c', `sleep 60 & echo $! > ${pidFile}; wait`], {
      ...options,
      timeoutSec: 0.5,
    });
    assert.deepEqual([hung.ok, hung.status], [false, 'killed after 0.5 s']);
    const child = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(gone(child), `the step's child ${child} was killed`);
    const missing = await runStep('nothing', ['/nonexistent/program'], options);
    assert.equal(missing.ok, false);
    assert.match(missing.status, /could not start/);
    assert.equal(
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('$ '))
        .join(','),
      '$ say,$ fail,$ hang,$ nothing',
    );
    assert.equal(lastLines('a\nb\nc\n', 2), 'b\nc');
  });
});

describe('CLI flags (bench run, for every suite)', () => {
  /** The registered `bench run` command, its flags parsed without running its action. */
  function runFlags(argv: string[]): Record<string, unknown> {
    const program = new Command('semcoder-action').exitOverride();
    registerBenchRun(registerBench(program));
    const run = program.commands
      .find((c) => c.name() === 'bench')!
      .commands.find((c) => c.name() === 'run')!;
    run.parseOptions(argv);
    return run.opts();
  }

  it("declares the track's flags, saying which suite they are for", () => {
    const program = new Command('semcoder-action');
    registerBenchRun(registerBench(program));
    const run = program.commands[0]!.commands.find((c) => c.name() === 'run')!;
    for (const flag of [
      '--instances',
      '--repos-dir',
      '--clone-base',
      '--setup-command',
      '--setup-timeout',
      '--max-functions',
    ]) {
      const option = run.options.find((o) => o.long === flag);
      assert.match(option?.description ?? '', /^swebench: /, flag);
    }
  });

  it('reads them into the settings of a swebench run', () => {
    const raw = runFlags([
      '--suite',
      'swebench',
      '--out',
      'o',
      '--endpoint',
      'http://127.0.0.1:8000/v1',
      '--instances',
      'a__b-1,c__d-2',
      '--repos-dir',
      'r',
      '--setup-command',
      'make install',
      '--setup-timeout',
      '60',
      '--shard',
      '1/2',
      '--limit',
      '3',
      '--budget',
      '90',
    ]);
    const settings = parseSettings(benchRunSettingsSchema, raw);
    assert.deepEqual(settings.swebench, {
      instances: ['a__b-1', 'c__d-2'],
      reposDir: 'r',
      cloneBase: 'https://github.com',
      setupCommand: 'make install',
      setupTimeout: 60,
      maxFunctions: 20,
    });
    assert.deepEqual(
      [settings.shard, settings.limit, settings.budget],
      [{ index: 1, count: 2 }, 3, 90],
    );
  });

  const base = { suite: 'swebench', out: 'o', endpoint: 'http://127.0.0.1:8000/v1' };
  it('names the flag that is wrong', () => {
    const bad = (raw: Record<string, unknown>, message: RegExp) =>
      assert.throws(
        () => parseSettings(benchRunSettingsSchema, { ...base, ...raw }),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    bad({ shard: '3/2' }, /--shard: expected K\/N/);
    bad({ limit: '0' }, /--limit/);
    bad({ instances: ' , ' }, /--instances: give instance ids/);
    bad({ setupTimeout: '-1' }, /--setup-timeout/);
    bad({ shard: '1/2', history: 'h.json' }, /--history: a shard is only part of a run/);
  });

  it('leaves them to swebench: another suite neither validates nor keeps them', () => {
    const settings = parseSettings(benchRunSettingsSchema, {
      ...base,
      suite: 'humaneval',
      instances: ' , ',
      setupTimeout: '-1',
    });
    assert.equal(settings.swebench, null);
    assert.ok(!('instances' in settings));
  });
});
