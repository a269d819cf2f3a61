import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/bench/evaluate.js';
import { mergeResults, suiteResultsSchema } from '../src/bench/results.js';
import { MD5, outcome, suiteResults } from './support/bench-fixture.js';

describe('buildResults', () => {
  it('scores per task, in natural task order, with pass@k and status counts', () => {
    const results = suiteResults({
      'HumanEval/10': [outcome('pass'), outcome('pass', 'fail')],
      'HumanEval/2': [outcome('fail'), outcome('timeout')],
    });
    assert.deepEqual(Object.keys(results.results), ['HumanEval/2', 'HumanEval/10']);
    assert.equal(results.tasks, 2);
    assert.equal(results.samples, 4);
    assert.deepEqual(results.passAtK, { base: { 'pass@1': 0.5 }, plus: { 'pass@1': 0.25 } });
    assert.deepEqual(results.counts.base, { pass: 2, fail: 1, timeout: 1, error: 0 });
    assert.deepEqual(results.counts.plus, { pass: 1, fail: 2, timeout: 1, error: 0 });
    assert.ok(suiteResultsSchema.safeParse(results).success);
  });

  it('has no plus figures for HumanEval', () => {
    const results = suiteResults(
      { 'HumanEval/0': [outcome('pass', null)] },
      { suite: 'humaneval' },
    );
    assert.equal(results.passAtK.plus, null);
    assert.equal(results.counts.plus, null);
  });

  it('leaves tasks that could not be evaluated out of the figures, and says why', () => {
    const results = suiteResults(
      { 'HumanEval/0': [outcome('pass')], 'HumanEval/1': [outcome('error')] },
      {
        taskErrors: { 'HumanEval/1': 'computing the ground truth failed: boom' },
        scopeTasks: ['HumanEval/0', 'HumanEval/1', 'HumanEval/2'],
      },
    );
    assert.deepEqual(Object.keys(results.results), ['HumanEval/0']);
    assert.equal(results.passAtK.base['pass@1'], 1);
    assert.deepEqual(results.missingTasks, ['HumanEval/2']);
    assert.deepEqual(results.skipped, [
      {
        taskId: 'HumanEval/1',
        line: null,
        reason: 'not evaluated: computing the ground truth failed: boom',
      },
    ]);
  });

  it('counts contract-breaking inputs and says whether they were dropped', () => {
    const note = { taskId: 'HumanEval/32', phase: 'plus' as const, index: 3, reason: 'contract' };
    const results = suiteResults(
      { 'HumanEval/32': [outcome('pass')] },
      { invalidInputs: [note, note] },
    );
    assert.deepEqual(results.invalidInputs, { count: 2, dropped: false, tasks: ['HumanEval/32'] });
  });
});

describe('mergeResults', () => {
  const shard = (
    index: number,
    count: number,
    perTask: Parameters<typeof suiteResults>[0],
    extra = {},
  ) => ({
    label: `shard-${index}/results.json`,
    results: suiteResults(perTask, { shard: { index, count }, ...extra }),
  });

  it('combines shards into the figures of one run', () => {
    const merged = mergeResults(
      [
        shard(2, 2, { 'HumanEval/1': [outcome('fail')], 'HumanEval/3': [outcome('pass')] }),
        shard(1, 2, { 'HumanEval/0': [outcome('pass')], 'HumanEval/2': [outcome('pass', 'fail')] }),
      ],
      '2025-01-02T00:00:00.000Z',
    );
    const whole = suiteResults({
      'HumanEval/0': [outcome('pass')],
      'HumanEval/1': [outcome('fail')],
      'HumanEval/2': [outcome('pass', 'fail')],
      'HumanEval/3': [outcome('pass')],
    });
    assert.deepEqual(merged.results, whole.results);
    assert.deepEqual(merged.passAtK, whole.passAtK);
    assert.deepEqual(merged.counts, whole.counts);
    assert.equal(merged.tasks, 4);
    assert.equal(merged.shard, null);
    assert.deepEqual(merged.merged, { shards: [1, 2], count: 2 });
  });

  it('records missing shards and keeps one copy of repeated skipped lines', () => {
    const skipped = [{ taskId: null, line: 3, reason: 'not a JSON object' }];
    const merged = mergeResults(
      [
        shard(1, 3, { 'HumanEval/0': [outcome('pass')] }, { skipped }),
        shard(3, 3, { 'HumanEval/2': [outcome('pass')] }, { skipped }),
      ],
      'now',
    );
    assert.deepEqual(merged.merged, { shards: [1, 3], count: 3 });
    assert.deepEqual(merged.skipped, skipped);
  });

  const refusals: [string, () => unknown, RegExp][] = [
    ['nothing', () => mergeResults([], 'now'), /nothing to merge/],
    [
      'a whole run',
      () =>
        mergeResults(
          [
            {
              label: 'a/results.json',
              results: suiteResults({ 'HumanEval/0': [outcome('pass')] }),
            },
          ],
          'now',
        ),
      /a\/results\.json is not a shard/,
    ],
    [
      'another dataset',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(
              2,
              2,
              { 'HumanEval/1': [outcome('pass')] },
              { dataset: { path: 'x', md5: 'abc' } },
            ),
          ],
          'now',
        ),
      new RegExp(
        `shard-2/results\\.json has dataset md5 "abc", but shard-1/results\\.json has dataset md5 "${MD5}"`,
      ),
    ],
    [
      'another suite',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(2, 2, { 'HumanEval/1': [outcome('pass', null)] }, { suite: 'humaneval' }),
          ],
          'now',
        ),
      /is suite "humaneval", but .* is suite "humanevalplus"/,
    ],
    [
      'another shard count',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(2, 3, { 'HumanEval/1': [outcome('pass')] }),
          ],
          'now',
        ),
      /is a shard of 3, but .* is a shard of 2/,
    ],
    [
      'other limits',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(
              2,
              2,
              { 'HumanEval/1': [outcome('pass')] },
              { limits: { ...DEFAULT_LIMITS, minTimeLimit: 2 } },
            ),
          ],
          'now',
        ),
      /has limits/,
    ],
    [
      'the same shard twice',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(1, 2, { 'HumanEval/1': [outcome('pass')] }),
          ],
          'now',
        ),
      /are both shard 1\/2/,
    ],
    [
      'overlapping tasks',
      () =>
        mergeResults(
          [
            shard(1, 2, { 'HumanEval/0': [outcome('pass')] }),
            shard(2, 2, { 'HumanEval/0': [outcome('fail')] }),
          ],
          'now',
        ),
      /both cover task HumanEval\/0: the shards overlap/,
    ],
  ];
  for (const [what, merge, message] of refusals) {
    it(`refuses ${what}`, () => assert.throws(merge, message));
  }
});
