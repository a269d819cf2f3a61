import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionReport, Report } from '../src/report/types.js';
import { parseSettings, reviewSettingsSchema } from '../src/settings.js';
import { noUsableTestsReason } from '../src/testgen/finalize.js';
import { runReview, type ReviewResult } from '../src/testgen/review.js';
import { py, TestRepo } from './support/git-repo.js';
import { startScriptedServer, type ScriptedServer } from './support/openai-server.js';
import { testPython } from './support/python.js';

/**
 * Answers a model really gives that the review must not lose or miscount: a wrong import that
 * only a repair can fix, an empty completion, an empty repair block. The scripted answers stand
 * in for the model's output.
 */

const fence = '\n```\n';
const isRepair = (prompt: string, name: string) =>
  prompt.startsWith('Debug and Refine') && prompt.includes(`\`${name}\``);

function answersRepo(): { repo: TestRepo; base: string } {
  const repo = new TestRepo('semcoder-answers-');
  const base = repo.commit({
    'pkg/__init__.py': '',
    'pkg/helpers.py': 'def make_list(n):\n    return list(range(n))\n',
    'pkg/stats.py': 'def mean(xs):\n    return 0\n',
  });
  repo.commit({
    'pkg/broken.py': 'def half(x:\n    return x / 2\n',
    'pkg/stats.py': py`
      def mean(xs):
          """The arithmetic mean of xs."""
          return sum(xs) / len(xs)


      def median(xs):
          """The middle value of xs, sorted."""
          return sorted(xs)[len(xs) // 2]


      def clip(x):
          """x limited to 0..10."""
          return max(0, min(10, x))
    `,
  });
  return { repo, base };
}

describe('review: answers that hold wrong imports, nothing, or an empty repair', () => {
  const { repo, base } = answersRepo();
  const out = mkdtempSync(path.join(os.tmpdir(), 'semcoder-answers-out-'));
  let server: ScriptedServer;
  let result: ReviewResult;
  const fn = (qualname: string): FunctionReport => {
    const found = result.report.functions.find((f) => f.qualname === qualname);
    assert.ok(found, qualname);
    return found;
  };
  const outcomes = (qualname: string) =>
    Object.fromEntries(fn(qualname).tests.map((t) => [t.name, t.outcome]));

  before(async () => {
    server = await startScriptedServer({
      rules: [
        {
          match: (r) => isRepair(r.prompt, 'mean'),
          reply: {
            text:
              'The modules do not exist.\n[Refined]\n```python\nfrom pkg.helpers import make_list\n' +
              'from pkg.stats import mean\n\n\ndef test_mean_of_range():\n    assert mean(make_list(3)) == 1\n\n\n' +
              'def test_mean_single():\n    assert mean([4]) == 4\n```\n[/Refined]',
          },
        },
        {
          match: (r) => isRepair(r.prompt, 'clip'),
          reply: { text: 'Nothing to change.\n[Refined]\n```python\n```\n[/Refined]' },
        },
        {
          match: '`mean` of module',
          reply: {
            text:
              'import hypothesis_nope\nfrom pkg.helpers_nope import make_list\n\n\n' +
              '@pytest.fixture\ndef three():\n    return make_list(3)\n\n\n' +
              'def test_mean_of_range(three):\n    """[0, 1, 2] averages to 1."""\n    assert mean(three) == 1\n\n\n' +
              'def test_mean_single():\n    """One value is its own mean."""\n    assert mean([4]) == 4' +
              fence,
          },
        },
        { match: '`median` of module', reply: { text: '' } },
        {
          match: '`clip` of module',
          reply: {
            text:
              'def test_clip_inside():\n    """Inside the range stays."""\n    assert clip(3) == 3\n\n\n' +
              'def test_clip_undefined():\n    assert clip(1) == helper_nope()\n\n\n' +
              'def test_clip_broken(:\n    pass' +
              fence,
          },
        },
      ],
    });
    result = await runReview(
      parseSettings(reviewSettingsSchema, {
        python: testPython(),
        repo: repo.dir,
        base,
        endpoint: server.url,
        out,
        maxRounds: 1,
      }),
    );
  });
  after(async () => {
    await server.stop();
    repo.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it("repairs a wrong import: the repair's imports replace those of the tests it fixes", () => {
    assert.deepEqual(outcomes('mean'), {
      test_mean_of_range: 'passed',
      test_mean_single: 'passed',
    });
    const repairs = server.requests.filter((r) => isRepair(r.prompt, 'mean'));
    assert.equal(repairs.length, 1, 'one repair was enough');
    assert.match(repairs[0]!.prompt, /import hypothesis_nope/, 'the repair saw the broken import');
    const code = fn('mean').testCode ?? '';
    assert.doesNotMatch(code, /_nope|def three/);
    assert.match(code, /^from pkg\.helpers import make_list$/m);
    assert.match(code, /^from pkg\.stats import mean$/m);
  });

  it('counts an empty completion as an answer that did not parse, and says why no test came', () => {
    const median = fn('median');
    assert.deepEqual(median.tests, []);
    assert.deepEqual(median.responses, { total: 1, parsed: 0 });
    assert.equal(median.noUsableTests, "the model's answer held no test functions");
    assert.equal(fn('mean').noUsableTests, undefined);
    const comment = readFileSync(path.join(out, 'comment.md'), 'utf8');
    assert.ok(
      comment.includes(
        "- `pkg/stats.py` `median`: no usable tests: the model's answer held no test functions",
      ),
      comment,
    );
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    assert.equal(
      report.functions.find((f) => f.qualname === 'median')?.noUsableTests,
      "the model's answer held no test functions",
    );
  });

  it('leaves what an empty repair was for as it was, with no made-up tests', () => {
    assert.deepEqual(outcomes('clip'), {
      test_clip_inside: 'passed',
      test_clip_undefined: 'test-error',
      test_clip_broken: 'invalid',
    });
    assert.equal(server.requests.filter((r) => isRepair(r.prompt, 'clip')).length, 2);
    assert.deepEqual(fn('clip').responses, { total: 3, parsed: 0 });
    assert.doesNotMatch(readFileSync(path.join(out, 'comment.md'), 'utf8'), /lines from/);
    assert.doesNotMatch(readFileSync(path.join(out, 'report.json'), 'utf8'), /lines from/);
  });

  it('names a qualname in every skipped entry of report.json: null for a whole file', () => {
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    assert.deepEqual(
      report.skipped.map((s) => Object.keys(s)),
      [['file', 'qualname', 'reason']],
    );
    assert.equal(report.skipped[0]!.file, 'pkg/broken.py');
    assert.equal(report.skipped[0]!.qualname, null);
    assert.match(report.skipped[0]!.reason, /syntax error/);
  });

  it('computes syntax validity over answers that held tests', () => {
    // mean: its first answer and its repair parsed; median: an empty answer; clip: a broken
    // answer and two empty repairs.
    assert.deepEqual(result.report.totals.responses, { total: 6, parsed: 2 });
  });
});

describe('noUsableTestsReason', () => {
  const cases: [string, { total: number; empty: number; broken: number }, number, string | null][] =
    [
      ['a usable test', { total: 1, empty: 0, broken: 0 }, 1, null],
      ['no answer', { total: 0, empty: 0, broken: 0 }, 0, 'the model gave no answer'],
      [
        'two empty',
        { total: 2, empty: 2, broken: 0 },
        0,
        "the model's 2 answers held no test functions",
      ],
      [
        'one broken',
        { total: 1, empty: 0, broken: 1 },
        0,
        "the model's answer did not parse as Python",
      ],
      [
        'mixed',
        { total: 3, empty: 2, broken: 1 },
        0,
        "of the model's 3 answers, 2 held no test functions and 1 did not parse as Python",
      ],
      [
        'parsed, none kept',
        { total: 1, empty: 0, broken: 0 },
        0,
        "none of the tests in the model's answer was kept",
      ],
    ];
  for (const [name, answers, valid, expected] of cases) {
    it(name, () => {
      const responses = { ...answers, parsed: answers.total - answers.empty - answers.broken };
      assert.equal(noUsableTestsReason({ responses, skipped: null }, valid), expected);
    });
  }
  it('says nothing for a skipped function', () => {
    const responses = { total: 0, parsed: 0, empty: 0, broken: 0 };
    assert.equal(noUsableTestsReason({ responses, skipped: 'generate request failed' }, 0), null);
  });
});
