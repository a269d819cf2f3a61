import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { planRun } from '../src/action/events.js';
import {
  publishFromArtifact,
  readReviewArtifact,
  renderPublished,
  type PublishPlan,
} from '../src/action/publish.js';
import { reportSchema } from '../src/action/report-schema.js';
import { UsageError } from '../src/errors.js';
import { REVIEW_MARKER } from '../src/github/sticky-comment.js';
import { renderComment } from '../src/report/comment.js';
import { headline } from '../src/report/fail-on.js';
import {
  BOT_TOKEN,
  OWNER,
  READ_ONLY_TOKEN,
  REPO,
  startGitHub,
  type Fixture,
} from './support/github-fixture.js';
import { workflowRunPayload } from './support/payloads.js';
import { functionReport, report as fullReport } from './support/report-fixture.js';
import { sampleReport, writeArtifact } from './support/report.js';

/** What a tampered review run could leave in comment.md: none of it may reach the pull request. */
const HOSTILE_COMMENT = [
  REVIEW_MARKER,
  '## All good, approved :white_check_mark:',
  '<img src="https://evil.example/pixel.gif"> <a href="https://evil.example/login">Sign in to see the report</a>',
  '[Re-run the review](https://evil.example/phish) @maintainer',
  '<!-- everything after this is hidden',
].join('\n');

/** Fields of a sample function rewritten with text a hostile artifact could carry. */
function hostileReport(head: string): Record<string, unknown> {
  const report = sampleReport(head) as { functions: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  const [clamp, slug] = report.functions as [Record<string, unknown>, Record<string, unknown>];
  clamp.edgeCases = [
    {
      test: 'test_clamp_reversed',
      call: 'clamp(5, 3, 1)',
      expected: '3',
      actual: '5',
      verdict: 'likely-bug',
      rationale:
        '<!-- hide the rest\n## All good, approved [Sign in](https://evil.example/login) <b>now</b> @maintainer see https://evil.example/x',
    },
  ];
  slug.skipped = null;
  return {
    ...report,
    // Figures that lie: the outputs must come from the functions.
    totals: {
      functions: 99,
      generated: 99,
      valid: 99,
      passed: 99,
      passRate: 1,
      syntaxValidity: 1,
      edgeCases: 0,
    },
    functions: [
      {
        ...clamp,
        counts: { generated: 9, valid: 9, passed: 9, failed: 0, errors: 0 },
        passRate: 1,
      },
      slug,
    ],
    skipped: [{ file: 'pkg/broken.py', reason: '</details><h1>Approved</h1>' }],
  };
}

describe('publish mode: the report.json of an artifact', () => {
  it('refuses a report.json that is not the contract', async () => {
    const hostile: unknown[] = [
      '{not json',
      { ...sampleReport(), version: 2 },
      { ...sampleReport(), head: 'HEAD; rm -rf /' },
      { ...sampleReport(), totals: { ...(sampleReport().totals as object), passRate: 7 } },
      { ...sampleReport(), model: 'm'.repeat(5000) },
      { ...sampleReport(), api: 'telnet' },
      {
        ...sampleReport(),
        functions: [
          {
            ...(sampleReport().functions as object[])[0],
            coverage: { lines: { covered: 9, total: 2 } },
          },
        ],
      },
      [],
    ];
    for (const report of hostile) {
      await assert.rejects(
        readReviewArtifact(writeArtifact({ report, comment: `${REVIEW_MARKER}\nhi` })),
        (error: unknown) => error instanceof UsageError && /not publishing/.test(error.message),
        JSON.stringify(report).slice(0, 80),
      );
    }
  });

  it('an artifact without report.json says where it looked and what to do', async () => {
    await assert.rejects(
      readReviewArtifact(writeArtifact({ comment: 'x' })),
      /No review report at .*report\.json: download the review run's artifact/,
    );
  });

  it('ignores a report.json that is a symlink (it could point anywhere on the runner)', async () => {
    const dir = writeArtifact({});
    const elsewhere = path.join(dir, '..', `runner-file-${process.pid}.json`);
    writeFileSync(elsewhere, JSON.stringify(sampleReport()));
    symlinkSync(elsewhere, path.join(dir, 'report.json'));
    await assert.rejects(readReviewArtifact(dir), /No review report at/);
  });

  it('drops unknown keys from the report', async () => {
    const artifact = await readReviewArtifact(
      writeArtifact({ report: { ...sampleReport(), pr: 1, extra: 'x' } }),
    );
    assert.ok(!('pr' in artifact.report) && !('extra' in artifact.report));
  });

  it('keeps a full report exactly: it carries everything the comment renderer needs', () => {
    const edge = {
      test: 'test_add_negative',
      call: 'add(-1, -1)',
      expected: '-2',
      actual: '-3',
      verdict: 'likely-bug' as const,
      rationale: 'the docstring says sum',
      specAnswer: '-2',
    };
    const written = fullReport(
      [
        functionReport({ edgeCases: [edge], notes: ['repair request failed: x'] }),
        functionReport({
          qualname: 'sub',
          tests: [],
          counts: { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
          passRate: 0,
          testFile: null,
          testCode: null,
          skipped: 'generate request failed: down',
        }),
        functionReport({
          qualname: 'mul',
          tests: [],
          counts: { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
          passRate: 0,
          testFile: null,
          testCode: null,
          noUsableTests: 'no answer held a test',
        }),
      ],
      {
        skipped: [
          { file: 'pkg/big.py', qualname: 'huge', reason: 'over max-functions' },
          { file: 'pkg/broken.py', qualname: null, reason: 'does not parse at head' },
        ],
        incomplete: 'the time budget ran out',
        sandbox: { network: 'namespace', processes: 'pid-namespace', landlock: 6 },
      },
    );
    const read = reportSchema.parse(JSON.parse(JSON.stringify(written)));
    assert.deepEqual(read, written);
    assert.equal(renderComment(read), renderComment(written));
  });

  it('fills what an older report lacks, and derives every figure again', () => {
    const read = reportSchema.parse(hostileReport('c'.repeat(40)));
    assert.equal(read.mergeBase, 'b'.repeat(40));
    assert.equal(read.endpoint, 'unknown');
    assert.deepEqual(read.functions[0]!.counts, {
      generated: 2,
      valid: 2,
      passed: 1,
      failed: 1,
      errors: 0,
    });
    assert.equal(read.functions[0]!.passRate, 0.5);
    assert.equal(read.totals.functions, 2);
    assert.equal(read.totals.valid, 3);
    assert.equal(read.totals.passed, 2);
    assert.equal(read.totals.edgeCases, 1);
    assert.deepEqual(headline(read), {
      passRate: 2 / 3,
      edgeCases: 1,
      likelyBugs: 1,
      functions: 2,
      tests: 3,
      changedLinesCoverage: 0.8333,
    });
  });
});

describe('publish mode: the comment is rendered from the validated report', () => {
  it('escapes the hostile text of a tampered report and keeps the footer visible', () => {
    const read = reportSchema.parse(hostileReport('c'.repeat(40)));
    const { body, fallbackBody, summary } = renderPublished(read, {
      runUrl: 'https://github.com/acme/widgets/actions/runs/77',
      secrets: [],
    });
    for (const text of [body, fallbackBody]) {
      assert.ok(text.startsWith(`${REVIEW_MARKER}\n### SemCoder test review`));
      // Our marker is the only HTML comment: nothing can hide the rest of the body.
      assert.equal(text.match(/(?<!\\)<!--/g)?.length, 1);
      assert.doesNotMatch(text, /^#{1,6} All good/m, 'no heading from the artifact');
      assert.doesNotMatch(text, /(?<!\\)<\/?(b|h1|img|a)\b/, 'no live HTML from the artifact');
      assert.doesNotMatch(text, /\]\(https:\/\/evil/, 'no markdown link from the artifact');
      assert.doesNotMatch(text, /https:\/\/evil/, 'no bare link from the artifact');
      assert.doesNotMatch(text, /@maintainer/, 'nobody is pinged');
      assert.match(
        text,
        /<sub>Published from the artifact of the \[review run\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/77\) \(a pull_request run without write access\)\.<\/sub>\n$/,
      );
    }
    assert.match(body, /\*\*2 functions · 3 tests · pass rate 67% \(2\/3\)/);
    assert.match(body, /#### Likely bugs[\s\S]*`clamp\(5, 3, 1\)`/);
    assert.match(body, /\\<!-- hide the rest/);
    assert.match(body, /\\<\/details\\>\\<h1\\>Approved/);
    assert.ok(!summary.startsWith(REVIEW_MARKER));
    assert.match(summary, /### SemCoder test review/);
  });

  it('scrubs secrets and token-shaped strings from what it renders', () => {
    const report = sampleReport('c'.repeat(40)) as Record<string, unknown>;
    report.skipped = [
      {
        file: 'pkg/a.py',
        reason: `key sk-endpoint-key-999 and ${BOT_TOKEN} and ghp_${'x'.repeat(36)}`,
      },
    ];
    const { body, summary } = renderPublished(reportSchema.parse(report), {
      secrets: ['sk-endpoint-key-999', BOT_TOKEN],
    });
    for (const text of [body, summary]) {
      // *** itself is escaped by the renderer, so it shows as ***.
      assert.match(text, /key (\\\*){3} and (\\\*){3} and (\\\*){3}/);
      assert.ok(!text.includes('sk-endpoint-key-999') && !text.includes('ghp_'));
    }
  });
});

describe('publish mode: posting from the artifact', () => {
  let fx: Fixture;
  let n = 200;
  let headSha = '';
  let branch = '';
  const secrets = [BOT_TOKEN, 'sk-endpoint-key-999'];

  before(async () => {
    fx = await startGitHub();
  });
  after(() => fx.server.stop());
  beforeEach(() => {
    n += 1;
    headSha = String(n).padEnd(40, 'a');
    branch = `patch-${n}`;
  });

  function forkPull(): void {
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: n,
      head: { ref: branch, sha: headSha, owner: 'outsider', repo: 'widgets' },
    });
  }

  function forkPlan(): PublishPlan {
    const payload = workflowRunPayload({
      headSha,
      headRepo: 'outsider/widgets',
      headBranch: branch,
      runId: 77,
    });
    const plan = planRun('workflow_run', payload, {
      mode: 'publish',
      pr: undefined,
      base: undefined,
      head: undefined,
      includeDrafts: false,
      allowPullRequestTarget: false,
    });
    assert.equal(plan.kind, 'publish');
    return plan as PublishPlan;
  }

  const options = (reportDir: string) => ({
    reportDir,
    secrets,
    serverUrl: 'https://github.com',
    comment: true,
  });

  it('finds the fork pull request by its head and posts the comment rendered from report.json', async () => {
    forkPull();
    // A decoy pull request: the artifact cannot steer the comment anywhere else.
    fx.server.addPull({ owner: OWNER, repo: REPO, number: 1 });
    const dir = writeArtifact({
      report: { ...hostileReport(headSha), pr: 1 },
      comment: HOSTILE_COMMENT,
    });
    const result = await publishFromArtifact(fx.client(), forkPlan(), options(dir));
    assert.equal(result.status, 'published');
    const posted = fx.server.commentsOn(OWNER, REPO, n);
    assert.equal(posted.length, 1);
    assert.equal(fx.server.commentsOn(OWNER, REPO, 1).length, 0);
    const body = posted[0]!.body;
    const expected = renderPublished(reportSchema.parse(hostileReport(headSha)), {
      runUrl: 'https://github.com/acme/widgets/actions/runs/77',
      secrets,
    });
    assert.equal(body, expected.body);
    for (const line of HOSTILE_COMMENT.split('\n').slice(1))
      assert.ok(!body.includes(line), `comment.md reached the pull request: ${line}`);
    assert.match(body, /\*\*2 functions · 3 tests · pass rate 67% \(2\/3\)/);
    assert.ok(!fx.server.requests.some((r) => r.body.includes(BOT_TOKEN)));
  });

  it('updates the same comment when published again', async () => {
    forkPull();
    const dir = writeArtifact({ report: sampleReport(headSha) });
    await publishFromArtifact(fx.client(), forkPlan(), options(dir));
    const second = sampleReport(headSha) as { functions: { qualname: string }[] };
    second.functions[1]!.qualname = 'slugify';
    await publishFromArtifact(fx.client(), forkPlan(), options(writeArtifact({ report: second })));
    const posted = fx.server.commentsOn(OWNER, REPO, n);
    assert.equal(posted.length, 1);
    assert.match(posted[0]!.body, /`slugify`/);
  });

  it('refuses a report for another commit than the one the run reviewed', async () => {
    forkPull();
    const dir = writeArtifact({
      report: sampleReport('e'.repeat(40)),
      comment: `${REVIEW_MARKER}\nx`,
    });
    await assert.rejects(
      publishFromArtifact(fx.client(), forkPlan(), options(dir)),
      /report is for eeeeeee, but #\d+ is at .*not publishing/,
    );
    assert.equal(fx.server.commentsOn(OWNER, REPO, n).length, 0);
  });

  it('skips when the fork pull request moved on since the review', async () => {
    forkPull();
    const plan = forkPlan();
    fx.server.pulls.find((p) => p.number === n)!.head.sha = 'f'.repeat(40);
    const dir = writeArtifact({ report: sampleReport(headSha), comment: `${REVIEW_MARKER}\nx` });
    const result = await publishFromArtifact(fx.client(), plan, options(dir));
    assert.equal(result.status, 'skipped');
    assert.match(result.status === 'skipped' ? result.reason : '', /moved on/);
  });

  it('skips when a same-repository pull request moved on since the review', async () => {
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: n,
      head: { ref: 'topic', sha: 'f'.repeat(40), owner: OWNER, repo: REPO },
    });
    const payload = workflowRunPayload({
      headSha,
      headBranch: 'topic',
      pullRequests: [{ number: n, headSha }],
    });
    const plan = planRun('workflow_run', payload, {
      mode: 'auto',
      pr: undefined,
      base: undefined,
      head: undefined,
      includeDrafts: false,
      allowPullRequestTarget: false,
    }) as PublishPlan;
    assert.equal(plan.pr, n);
    const dir = writeArtifact({ report: sampleReport(headSha), comment: `${REVIEW_MARKER}\nx` });
    const result = await publishFromArtifact(fx.client(), plan, options(dir));
    assert.match(
      result.status === 'skipped' ? result.reason : '',
      new RegExp(`#${n} moved on to fffffff`),
    );
  });

  it('skips when no open pull request has that head', async () => {
    const dir = writeArtifact({ report: sampleReport(headSha), comment: `${REVIEW_MARKER}\nx` });
    const result = await publishFromArtifact(fx.client(), forkPlan(), options(dir));
    assert.match(
      result.status === 'skipped' ? result.reason : '',
      new RegExp(`no open pull request has head outsider:${branch}$`),
    );
  });

  it('a read-only token: forbidden, with the summary kept for the job summary', async () => {
    forkPull();
    const dir = writeArtifact({ report: sampleReport(headSha) });
    const result = await publishFromArtifact(fx.client(READ_ONLY_TOKEN), forkPlan(), options(dir));
    assert.equal(result.status, 'forbidden');
    assert.match(result.status === 'forbidden' ? result.summary : '', /#### Likely bugs/);
  });
});
