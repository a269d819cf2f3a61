import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMENT_MARKER, renderComment, summaryLine } from '../src/report/comment.js';
import type { EdgeCase } from '../src/report/types.js';
import { functionReport, report } from './support/report-fixture.js';

const likelyBug: EdgeCase = {
  test: 'test_add_negative',
  call: 'add(-1, -1)',
  expected: '-2',
  actual: '-3',
  verdict: 'likely-bug',
  rationale: 'adding two negatives must give their sum',
};

describe('the PR comment', () => {
  it('starts with the marker and a summary line of measured totals', () => {
    const body = renderComment(report([functionReport({ edgeCases: [likelyBug] })]));
    assert.equal(body.split('\n')[0], COMMENT_MARKER);
    assert.match(
      body,
      /\*\*1 function · 2 tests · pass rate 50% \(1\/2\) · changed-line coverage 100% \(1\/1\) · 1 edge case · 1 likely bug\*\*/,
    );
  });

  it('says how many functions were not reviewed', () => {
    const skipped = functionReport({
      qualname: 'sub',
      tests: [],
      skipped: 'generate request failed: down',
    });
    assert.match(
      summaryLine(report([functionReport(), skipped])),
      /^\*\*2 functions \(1 not reviewed\) · \d+ tests · /,
    );
    assert.match(summaryLine(report([functionReport()])), /^\*\*1 function · 2 tests/);
  });

  it('lists likely bugs apart from the other edge cases', () => {
    const crash: EdgeCase = {
      test: 'test_none',
      call: 'add(None, 1)',
      expected: 'None',
      actual: '',
      verdict: 'crash',
      rationale: 'None is not a number',
      exception: {
        type: 'TypeError',
        message: "unsupported operand type(s) for +: 'NoneType' and 'int'",
      },
    };
    const body = renderComment(report([functionReport({ edgeCases: [likelyBug, crash] })]));
    const bugs = body.indexOf('#### Likely bugs');
    const others = body.indexOf('#### Edge cases');
    assert.ok(bugs > 0 && others > bugs);
    assert.match(body.slice(bugs, others), /`add\(-1, -1\)` \| `-2` \| `-3`/);
    assert.doesNotMatch(body.slice(others), /add\(-1, -1\)/, 'a likely bug is listed once');
    assert.match(body.slice(others), /TypeError: unsupported operand/);
    assert.match(body.slice(others), /\| crash \|/);
  });

  it('escapes model text: no live HTML, mentions or fence breaks', () => {
    const hostile = functionReport({
      edgeCases: [
        { ...likelyBug, rationale: '<script>alert(1)</script> cc @admin', call: 'f("|")' },
      ],
      testCode: 'def test_x():\n    s = """\n```\n</details>\n"""\n',
    });
    const body = renderComment(report([hostile]));
    assert.doesNotMatch(body, /<script>/);
    assert.doesNotMatch(body, /@admin/);
    assert.match(body, /`f\("\\\|"\)`/);
    assert.match(body, /````python\ndef test_x/);
  });

  it('says when there is nothing to review', () => {
    const body = renderComment(report([]));
    assert.match(body, /No changed Python functions to review\./);
    assert.match(body, /\*\*0 functions · 0 tests · pass rate – /);
  });

  it('drops test code first, then details, but keeps the summary and likely bugs', () => {
    const big = (i: number) =>
      functionReport({
        qualname: `f${i}`,
        testCode: `def test_big():\n    assert True  # ${'x'.repeat(5000)}\n`,
        edgeCases: [
          { ...likelyBug, test: `t${i}` },
          { ...likelyBug, verdict: 'undecided', test: `u${i}` },
        ],
      });
    const r = report(Array.from({ length: 40 }, (_, i) => big(i)));
    const full = renderComment(r, { maxChars: 10_000_000 });
    assert.match(full, /x{5000}/);

    const noCode = renderComment(r, { maxChars: 65_536 });
    assert.ok(noCode.length <= 65_536);
    assert.doesNotMatch(noCode, /x{100}/);
    assert.match(noCode, /#### Edge cases/);
    assert.match(noCode, /Test code left out for size/);

    const minimal = renderComment(r, { maxChars: 20_000 });
    assert.ok(minimal.length <= 20_000);
    assert.ok(minimal.startsWith(COMMENT_MARKER));
    assert.match(minimal, new RegExp(summaryLine(r).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(minimal, /#### Likely bugs/);
    assert.doesNotMatch(minimal, /#### Generated tests/);
    assert.match(minimal, /left out to fit/);
  });

  it('renders the job summary without the marker and links back to it from the comment', () => {
    const summary = renderComment(report([functionReport()]), { marker: false });
    assert.ok(!summary.includes(COMMENT_MARKER));
    const body = renderComment(report([functionReport()]), {
      summaryUrl: 'https://github.com/o/r/actions/runs/1',
    });
    assert.match(body, /\[full report\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)/);
  });

  it('lists skipped functions and files with their reasons', () => {
    const body = renderComment(
      report([functionReport({ skipped: 'endpoint unavailable after 3 retries', tests: [] })], {
        skipped: [
          {
            file: 'pkg/broken.py',
            qualname: null,
            reason: 'syntax error at line 3: invalid syntax',
          },
        ],
      }),
    );
    assert.match(body, /- `pkg\/broken\.py`: syntax error at line 3: invalid syntax/);
    assert.match(body, /- `pkg\/mod\.py` `add`: endpoint unavailable after 3 retries/);
  });

  it('says why a function got no usable test', () => {
    const none = functionReport({
      tests: [],
      counts: { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
      noUsableTests: "the model's 2 answers held no test functions",
    });
    const body = renderComment(report([none]));
    assert.match(
      body,
      /\| `pkg\/mod\.py` `add` \|.*\| 0\/0 \|[^\n]*\n\n- `pkg\/mod\.py` `add`: no usable tests: the model's 2 answers held no test functions\n/,
    );
    assert.doesNotMatch(renderComment(report([functionReport()])), /no usable tests/);
  });
});
