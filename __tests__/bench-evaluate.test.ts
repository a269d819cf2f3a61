import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { SuiteResults } from '../src/bench/types.js';
import { runCli, type CliResult } from './support/cli.js';
import { HUMANEVAL, HUMANEVAL_PLUS } from './support/bench-fixture.js';
import { testPython } from './support/python.js';

/**
 * `bench evaluate` and `bench merge` end to end: the CLI, the Python evaluator and its batch
 * processes, on the shared HumanEval and HumanEval+ releases. HumanEval+ runs use a subset of
 * light tasks (the whole of it is `npm run test:acceptance`).
 */

interface Record {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  entry_point: string;
}

const readRecords = (file: string): Record[] =>
  gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record);

const plus = new Map(readRecords(HUMANEVAL_PLUS).map((r) => [r.task_id, r]));
const human = readRecords(HUMANEVAL);
const task = (id: string) => plus.get(id)!;
const canonical = (id: string) => task(id).prompt + task(id).canonical_solution;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'semcoder-bench-eval-'));
const cacheDir = path.join(tmp, 'cache');
after(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;

function samplesFile(lines: object[]): string {
  const file = path.join(tmp, `samples-${++counter}.jsonl`);
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
  return file;
}

interface Run extends CliResult {
  out: string;
  results: SuiteResults;
}

async function evaluate(
  suite: 'humaneval' | 'humanevalplus',
  samples: string,
  extra: string[] = [],
  options: { env?: NodeJS.ProcessEnv; bundled?: boolean } = {},
): Promise<Run> {
  const out = path.join(tmp, `out-${++counter}`);
  const dataset = suite === 'humaneval' ? HUMANEVAL : HUMANEVAL_PLUS;
  const args = ['bench', 'evaluate', '--suite', suite, '--dataset', dataset, '--samples', samples];
  const result = await runCli(
    [...args, '--out', out, '--python', testPython(), '--cache-dir', cacheDir, ...extra],
    options,
  );
  const file = path.join(out, 'results.json');
  const results = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as SuiteResults)
    : (null as never);
  return { ...result, out, results };
}

const statuses = (results: SuiteResults) =>
  Object.fromEntries(
    Object.entries(results.results).map(([id, outcomes]) => [
      id,
      outcomes.map((o) => [o.base, o.plus]),
    ]),
  );

/** Light HumanEval+ tasks, plus find_zero (special oracle) and sort_array (a contract-breaking input). */
const SUBSET = [
  ...Array.from({ length: 12 }, (_, i) => `HumanEval/${i}`),
  'HumanEval/32',
  'HumanEval/116',
];

describe('bench evaluate: HumanEval+', () => {
  let evenOdd: Run;
  before(async () => {
    // Even tasks: canonical, alternately as a whole solution and as a completion; odd: None.
    const lines = SUBSET.map((id, i) => {
      const n = Number(id.split('/')[1]);
      if (n % 2 === 1) return { task_id: id, completion: '    return None\n' };
      return i % 4 === 0
        ? { task_id: id, solution: canonical(id) }
        : { task_id: id, completion: task(id).canonical_solution };
    });
    evenOdd = await evaluate('humanevalplus', samplesFile(lines));
  });

  it('passes the canonical solutions, and exactly them, on base and plus inputs', () => {
    assert.equal(evenOdd.code, 0, evenOdd.stderr);
    const expected = Object.fromEntries(
      SUBSET.map((id) => {
        const status = Number(id.split('/')[1]) % 2 === 0 ? 'pass' : 'fail';
        return [id, [[status, status]]];
      }),
    );
    assert.deepEqual(statuses(evenOdd.results), expected);
    assert.equal(evenOdd.results.passAtK.base['pass@1'], 8 / 14);
    assert.equal(evenOdd.results.passAtK.plus?.['pass@1'], 8 / 14);
    assert.match(evenOdd.stdout, /base pass@1: 57\.1%\n {2}plus pass@1: 57\.1%/);
  });

  it('writes results.json per the contract, and the summary', () => {
    const { results } = evenOdd;
    assert.equal(results.suite, 'humanevalplus');
    assert.deepEqual(results.dataset, {
      path: HUMANEVAL_PLUS,
      md5: 'fe585eb4df8c88d844eeb463ea4d0302',
    });
    assert.equal(results.tasks, 14);
    assert.equal(results.samples, 14);
    assert.equal(results.missingTasks.length, 150);
    assert.deepEqual(results.results['HumanEval/1'], [
      {
        base: 'fail',
        plus: 'fail',
        detail: "base input #0: expected ['(()())', '((()))', '()', '((())()())'], got None",
      },
    ]);
    assert.deepEqual(results.invalidInputs, {
      count: 63,
      dropped: false,
      tasks: ['HumanEval/32', 'HumanEval/116'],
    });
    const summary = readFileSync(path.join(evenOdd.out, 'summary.md'), 'utf8');
    assert.match(summary, /^## HumanEval\+ benchmark/);
    assert.match(summary, /63 inputs of HumanEval\/32, HumanEval/);
  });

  it('judges samples that hang, crash, raise, snoop or write outside their directory', async () => {
    const outside = path.join(tmp, 'outside.txt');
    const id = 'HumanEval/0';
    // In a PID namespace the parent's pid is the namespace's, and /proc the host's: a pid
    // that is not there is nothing to read, like one whose environment holds no secret.
    const snoop = [
      '    import os',
      '    seen = dict(os.environ)',
      '    for pid in ("self", str(os.getppid())):',
      '        try:',
      '            fd = os.open("/proc/%s/environ" % pid, os.O_RDONLY)',
      '            seen[pid] = os.read(fd, 1 << 20).decode("latin1")',
      '        except OSError:',
      '            continue',
      '    if any("sekrit" in value for value in seen.values()):',
      '        return None',
    ].join('\n');
    const lines = [
      { task_id: id, completion: '    while True:\n        pass\n' },
      { task_id: id, completion: '    import ctypes\n    return ctypes.string_at(0)\n' },
      { task_id: id, completion: '    raise ValueError("no")\n' },
      { task_id: id, completion: '    return not ' + JSON.stringify('x') + '\n' },
      { task_id: id, completion: `${snoop}\n${task(id).canonical_solution}` },
      {
        task_id: id,
        completion: `    open(${JSON.stringify(outside)}, "w").write("x")\n${task(id).canonical_solution}`,
      },
      { task_id: id, completion: `    print("noise" * 100)\n${task(id).canonical_solution}` },
      // A hang in C code, deaf to SIGALRM: the batch process kills the sample.
      { task_id: 'HumanEval/34', completion: '    return sum(range(10 ** 13))\n' },
    ];
    const env = { ...process.env, SEMCODER_API_KEY: 'sekrit', GITHUB_TOKEN: 'sekrit' };
    const run = await evaluate('humanevalplus', samplesFile(lines), ['--min-time-limit', '0.5'], {
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    const outcomes = run.results.results[id]!;
    assert.deepEqual(
      outcomes.map((o) => [o.base, o.plus]),
      [
        ['timeout', 'timeout'],
        ['error', 'error'],
        ['error', 'error'],
        ['fail', 'fail'],
        ['pass', 'pass'],
        ['error', 'error'],
        ['pass', 'pass'],
      ],
    );
    assert.equal(outcomes[0]!.detail, 'base input #0: took more than 0.50 s');
    assert.equal(outcomes[1]!.detail, 'base: crashed with signal 11');
    assert.equal(outcomes[2]!.detail, 'base input #0: ValueError: no');
    assert.match(outcomes[5]!.detail!, /TypeError: 'NoneType' object is not callable/);
    assert.equal(existsSync(outside), false);
    assert.deepEqual(run.results.results['HumanEval/34'], [
      { base: 'timeout', plus: 'timeout', detail: 'base: killed after its deadline' },
    ]);
  });

  it('does not let a sample forge its verdict', async () => {
    const id = 'HumanEval/0';
    // The audit's forgery: "pass" report lines written to every descriptor the sample might
    // have inherited, then an exit before anything else is judged.
    const forgeReports = [
      '    import os',
      '    for fd in range(3, 64):',
      '        for phase in ("base", "plus"):',
      `            line = '{"phase": "%s", "status": "pass", "detail": null}\\n' % phase`,
      '            try:',
      '                os.write(fd, line.encode())',
      '            except OSError:',
      '                pass',
      '    os._exit(0)',
    ].join('\n');
    // The answer key looked up in the sample's own memory.
    const findAnswers = [
      '    import gc',
      '    for o in gc.get_objects():',
      '        if isinstance(o, dict) and "expected" in o and "inputs" in o:',
      '            for inp, exp in zip(o["inputs"], o["expected"]):',
      '                if list(inp) == [numbers, threshold]:',
      '                    return exp',
      '    return None',
    ].join('\n');
    const lines = [
      { task_id: id, completion: `${forgeReports}\n` },
      { task_id: id, completion: `${findAnswers}\n` },
      { task_id: id, completion: task(id).canonical_solution },
    ];
    const run = await evaluate('humanevalplus', samplesFile(lines));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(statuses(run.results)[id], [
      ['error', 'error'],
      ['fail', 'fail'],
      ['pass', 'pass'],
    ]);
  });

  it('keeps the inputs that break their contract, unless asked to drop them', async () => {
    // Differs from the canonical solution only on negative numbers, which HumanEval/116's
    // contract rejects (one of its base inputs, from the original HumanEval test, has them).
    const id = 'HumanEval/116';
    const body = `    if any(x < 0 for x in arr):\n        return []\n${task(id).canonical_solution}`;
    const samples = samplesFile([{ task_id: id, completion: body }]);
    const kept = await evaluate('humanevalplus', samples);
    const dropped = await evaluate('humanevalplus', samples, ['--drop-invalid-inputs']);
    assert.equal(kept.results.results[id]![0]!.base, 'fail');
    assert.deepEqual(dropped.results.results[id], [{ base: 'pass', plus: 'pass', detail: null }]);
    assert.deepEqual(dropped.results.invalidInputs, { count: 1, dropped: true, tasks: [id] });
  });

  it('computes pass@k over several samples per task, keeping their order', async () => {
    const none = { completion: '    return None\n' };
    const lines = [
      ...Array.from({ length: 10 }, (_, i) =>
        i % 3 === 0
          ? { task_id: 'HumanEval/2', solution: canonical('HumanEval/2') }
          : { task_id: 'HumanEval/2', ...none },
      ),
      ...Array.from({ length: 10 }, () => ({
        task_id: 'HumanEval/4',
        solution: canonical('HumanEval/4'),
      })),
    ];
    const run = await evaluate('humanevalplus', samplesFile(lines), ['--jobs', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.results.results['HumanEval/2']!.map((o) => o.base),
      Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? 'pass' : 'fail')),
    );
    assert.equal(run.results.samples, 20);
    assert.ok(Math.abs(run.results.passAtK.base['pass@1']! - (0.4 + 1) / 2) < 1e-12);
    assert.deepEqual(Object.keys(run.results.passAtK.plus!), ['pass@1', 'pass@10']);
    assert.equal(run.results.passAtK.plus!['pass@10'], 1);
  });

  it('gives the same results in shards merged as in one run', async () => {
    const lines = SUBSET.slice(0, 12).map((id, i) =>
      i % 3 === 1
        ? { task_id: id, completion: '    return None\n' }
        : { task_id: id, solution: canonical(id) },
    );
    const samples = samplesFile(lines);
    const whole = await evaluate('humanevalplus', samples);
    const shards = await Promise.all(
      [1, 2, 3].map((k) =>
        evaluate('humanevalplus', samples, ['--shard', `${k}/3`, '--jobs', '1']),
      ),
    );
    for (const shard of shards) assert.equal(shard.code, 0, shard.stderr);
    assert.deepEqual(
      shards.map((s) => s.results.shard),
      [1, 2, 3].map((index) => ({ index, count: 3 })),
    );
    const out = path.join(tmp, 'merged');
    const merge = await runCli(['bench', 'merge', '--out', out, ...shards.map((s) => s.out)]);
    assert.equal(merge.code, 0, merge.stderr);
    const merged = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as SuiteResults;
    for (const key of [
      'results',
      'passAtK',
      'counts',
      'tasks',
      'samples',
      'missingTasks',
      'dataset',
    ] as const) {
      assert.deepEqual(merged[key], whole.results[key], key);
    }
    assert.deepEqual(merged.merged, { shards: [1, 2, 3], count: 3 });
    // The samples cover 12 of 164 tasks: each run and the merge say so on stderr.
    assert.match(
      whole.stderr,
      /152 of 164 tasks had no sample and are not counted: pass@k is over 12 tasks\./,
    );
    assert.match(merge.stderr, /152 of 164 tasks had no sample/);
    const lacking = await runCli([
      'bench',
      'merge',
      '--out',
      path.join(tmp, 'merged-lacking'),
      shards[0]!.out,
      shards[2]!.out,
    ]);
    assert.equal(lacking.code, 0, lacking.stderr);
    assert.match(lacking.stderr, /shard 2\/3 missing: figures are over shards 1\/3, 3\/3\./);
    const overlap = await runCli(['bench', 'merge', '--out', out, shards[0]!.out, shards[0]!.out]);
    assert.equal(overlap.code, 2);
    assert.match(overlap.stderr, /are both shard 1\/3/);
  });
});

describe('bench evaluate: HumanEval', () => {
  it('passes all 164 canonical solutions with the task checks', async () => {
    const lines = human.map((r) => ({ task_id: r.task_id, completion: r.canonical_solution }));
    const run = await evaluate('humaneval', samplesFile(lines));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.results.tasks, 164);
    assert.deepEqual(run.results.passAtK, { base: { 'pass@1': 1 }, plus: null });
    assert.deepEqual(run.results.counts.base, { pass: 164, fail: 0, timeout: 0, error: 0 });
  });

  it('scores exactly the even tasks when odd ones return None, through the bundle', async () => {
    const lines = human.map((r, i) => ({
      task_id: r.task_id,
      completion: i % 2 === 0 ? r.canonical_solution : '    return None\n',
    }));
    const run = await evaluate('humaneval', samplesFile(lines), [], { bundled: true });
    assert.equal(run.code, 0, run.stderr);
    const passed = Object.entries(run.results.results)
      .filter(([, outcomes]) => outcomes[0]!.base === 'pass')
      .map(([id]) => Number(id.split('/')[1]));
    assert.deepEqual(
      passed,
      Array.from({ length: 82 }, (_, i) => 2 * i),
    );
    assert.ok(Object.values(run.results.results).every((outcomes) => outcomes[0]!.plus === null));
  });
});

describe('bench evaluate: history and regression gate', () => {
  it('appends the history and exits 1 with the numbers when the gate fails', async () => {
    const history = path.join(tmp, 'history.json');
    const good = samplesFile(
      SUBSET.slice(0, 4).map((id) => ({ task_id: id, solution: canonical(id) })),
    );
    const worse = samplesFile(
      SUBSET.slice(0, 4).map((id, i) =>
        i === 0
          ? { task_id: id, completion: '    return None\n' }
          : { task_id: id, solution: canonical(id) },
      ),
    );
    const first = await evaluate('humanevalplus', good, [
      '--history',
      history,
      '--run-id',
      'r1',
      '--max-drop',
      '10',
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /--max-drop 10: not checked, no earlier comparable run/);
    assert.match(
      first.stderr,
      /160 of 164 tasks had no sample and are not counted: pass@k is over 4 tasks\./,
    );
    assert.match(
      readFileSync(path.join(first.out, 'summary.md'), 'utf8'),
      /^## HumanEval\+ benchmark\n\n.*\n\n\*\*Partial: 160 of 164 tasks had no sample and are not counted: pass@k is over 4 tasks\.\*\*\n\n\| +\| pass@1 \|/,
    );
    const second = await evaluate('humanevalplus', worse, [
      '--history',
      history,
      '--run-id',
      'r2',
      '--max-drop',
      '10',
    ]);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      /HumanEval\+ pass@1 dropped 25\.0 points, from 100\.0% \(run r1, [^)]+\) to 75\.0%: more than --max-drop 10\./,
    );
    assert.equal(second.results.passAtK.plus?.['pass@1'], 0.75);
    const runs = (JSON.parse(readFileSync(history, 'utf8')) as { runs: { runId: string }[] }).runs;
    assert.deepEqual(
      runs.map((run) => run.runId),
      ['r1', 'r2'],
    );
    const summary = readFileSync(path.join(second.out, 'summary.md'), 'utf8');
    assert.match(
      summary,
      /xychart-beta[\s\S]*line \[100, 75\]\n {4}line \[100, 75\]\n {4}line \[79\.3, 79\.3\]/,
    );
    const floor = await evaluate('humanevalplus', worse, ['--fail-below', '80']);
    assert.equal(floor.code, 1);
    assert.match(floor.stderr, /HumanEval\+ pass@1 is 75\.0%, below --fail-below 80\.0%\./);
  });
});

describe('bench: usage errors exit 2 with a message', () => {
  const samples = path.join(tmp, 'usage.jsonl');
  before(() => writeFileSync(samples, ''));
  const cases: [string, string[], RegExp][] = [
    ['an unknown suite', ['--suite', 'mbpp'], /--suite: must be one of humaneval, humanevalplus/],
    [
      'a bad shard',
      ['--suite', 'humaneval', '--shard', '4/3'],
      /--shard: expected K\/N with 1 <= K <= N/,
    ],
    [
      '--max-drop without history',
      ['--suite', 'humaneval', '--max-drop', '3'],
      /--max-drop: compares with the previous run/,
    ],
    [
      'a history for a shard',
      ['--suite', 'humaneval', '--shard', '1/2', '--history', 'h.json'],
      /--history: a shard is only part of a run/,
    ],
    [
      'a missing dataset',
      ['--suite', 'humaneval', '--dataset', path.join(tmp, 'none.jsonl')],
      /Cannot read the dataset/,
    ],
    ['a percent out of range', ['--suite', 'humaneval', '--fail-below', '120'], /--fail-below: /],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const result = await runCli([
        'bench',
        'evaluate',
        '--samples',
        samples,
        '--out',
        path.join(tmp, 'usage'),
        ...args,
      ]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  it('a merge of something that is not a shard result', async () => {
    const result = await runCli(['bench', 'merge', '--out', path.join(tmp, 'm'), tmp]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /results\.json: .*Pass the --out directories of `bench evaluate\|run --shard K\/N` runs/,
    );
  });
});
