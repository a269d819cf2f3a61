import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { publishReview, type ReviewPublication } from '../src/action/publish-review.js';
import { reportSchema } from '../src/action/report-schema.js';
import { REVIEW_MARKER } from '../src/github/sticky-comment.js';
import { ArtifactService, zipEntries } from './support/artifact-service.js';
import {
  BOT_TOKEN,
  OWNER,
  READ_ONLY_TOKEN,
  REPO,
  startGitHub,
  type Fixture,
} from './support/github-fixture.js';
import { sampleReport, writeArtifact } from './support/report.js';

// The runner's files, as @actions/core writes them (the summary path is read once per process).
const runnerDir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-runner-'));
const outputFile = path.join(runnerDir, 'output');
const summaryFile = path.join(runnerDir, 'summary');
writeFileSync(summaryFile, '');
process.env.GITHUB_OUTPUT = outputFile;
process.env.GITHUB_STEP_SUMMARY = summaryFile;

const API_KEY = 'sk-endpoint-secret-abcdef';
const SECRETS = [API_KEY, BOT_TOKEN];

/** Output values from the GITHUB_OUTPUT file (heredoc format: name<<delim / value / delim). */
function outputs(): Record<string, string> {
  const found: Record<string, string> = {};
  const lines = readFileSync(outputFile, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i]!);
    if (m) found[m[1]!] = lines[++i]!;
  }
  return found;
}

/**
 * The workflow commands (::warning:: and the like) this process printed while fn ran. A tee:
 * everything still reaches stdout, where node:test's child protocol travels too.
 */
async function capture<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string }> {
  const original = process.stdout.write;
  let stdout = '';
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && chunk.startsWith('::')) stdout += chunk;
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  try {
    return { value: await fn(), stdout };
  } finally {
    process.stdout.write = original;
  }
}

describe('publishing a finished review', () => {
  let fx: Fixture;
  const artifacts = new ArtifactService();
  let pr = 300;

  before(async () => {
    fx = await startGitHub();
    await artifacts.start();
  });
  after(async () => {
    await fx.server.stop();
    await artifacts.stop();
  });
  beforeEach(() => {
    pr += 1;
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: pr,
      diffLines: { 'pkg/mathx.py': [3, 4] },
    });
    writeFileSync(outputFile, '');
    delete process.env.ACTIONS_RUNTIME_TOKEN;
    delete process.env.ACTIONS_RESULTS_URL;
  });

  function publication(overrides: Partial<ReviewPublication> = {}): ReviewPublication {
    const report = sampleReport();
    const commentBody = `${REVIEW_MARKER}\n### SemCoder review\n1 likely bug in \`clamp\`.`;
    // The model echoed the key and the token it saw into a docstring: every file holds them.
    const echo = `Calls the API with ${API_KEY} as ${BOT_TOKEN}.`;
    (report.functions as { tests: { message: string }[] }[])[0]!.tests[1]!.message = echo;
    const reportDir = writeArtifact({
      report,
      comment: `${commentBody}\n<!-- ${echo} -->`,
      extra: {
        'tests/test_mathx.py': `def test_clamp():\n    """${echo}"""\n    assert clamp(5, 3, 1) == 3\n`,
      },
    });
    return {
      inputs: {
        comment: true,
        inline: true,
        failOn: { kind: 'none' },
        artifactName: 'semcoder-report',
      },
      gh: fx.client(),
      where: { owner: OWNER, repo: REPO, pr, headSha: 'c'.repeat(40) },
      reportDir,
      report: reportSchema.parse(report),
      commentBody,
      summary: `## Full report\nEverything about the run (not ${API_KEY}).`,
      inlineComments: [{ path: 'pkg/mathx.py', line: 4, body: '`clamp(5, 3, 1)` returned 5' }],
      secrets: SECRETS,
      ...overrides,
    };
  }

  it('sets the outputs, writes the summary, uploads the artifact, comments and reviews', async () => {
    process.env.ACTIONS_RUNTIME_TOKEN = ArtifactService.runtimeToken();
    process.env.ACTIONS_RESULTS_URL = `${artifacts.url}/`;
    const p = publication();
    const { value: result } = await capture(() => publishReview(p));
    assert.deepEqual(result.problems, []);
    assert.equal(result.readOnly, false);
    assert.deepEqual(result.outputs, {
      passRate: 2 / 3,
      edgeCases: 1,
      likelyBugs: 1,
      functions: 2,
      tests: 3,
      changedLinesCoverage: 0.8333,
    });
    const out = outputs();
    assert.equal(out['pass-rate'], '0.6667');
    assert.equal(out['likely-bugs'], '1');
    assert.equal(out['changed-lines-coverage'], '0.8333');
    assert.equal(out['report-path'], path.join(p.reportDir, 'report.json'));
    assert.equal(out['comment-url'], result.commentUrl);
    assert.match(result.commentUrl!, new RegExp(`/pull/${pr}#issuecomment-\\d+$`));

    const summary = readFileSync(summaryFile, 'utf8');
    assert.match(summary, /## Full report/);
    assert.ok(!summary.includes(API_KEY), 'the key is scrubbed from the summary');

    const [artifact] = artifacts.artifacts;
    assert.equal(artifact?.name, 'semcoder-report');
    assert.equal(artifact?.jobBackendId, 'job-2222');
    const files = zipEntries(artifact!.zip);
    assert.deepEqual(Object.keys(files).sort(), [
      'comment.md',
      'report.json',
      'tests/test_mathx.py',
    ]);
    assert.equal(JSON.parse(files['report.json']!).head, 'c'.repeat(40));
    assert.match(files['tests/test_mathx.py']!, /"""Calls the API with \*\*\* as \*\*\*\."""/);
    // The files on the runner too: report-path is scrubbed.
    assert.ok(!readFileSync(out['report-path']!, 'utf8').includes(API_KEY));

    assert.equal(fx.server.commentsOn(OWNER, REPO, pr).length, 1);
    const reviews = fx.server.reviews.filter((r) => r.pullNumber === pr);
    assert.deepEqual(
      reviews.map((r) => r.comments.map((c) => c.line)),
      [[4]],
    );
    for (const secret of SECRETS) {
      assert.ok(!fx.server.requests.some((r) => r.body.includes(secret)));
      assert.ok(!readFileSync(outputFile, 'utf8').includes(secret));
      assert.ok(!Object.values(files).some((text) => text.includes(secret)));
    }
  });

  it('a rerun updates the comment and does not repeat the inline review', async () => {
    await capture(() => publishReview(publication()));
    await capture(() =>
      publishReview(publication({ commentBody: `${REVIEW_MARKER}\nsecond run` })),
    );
    const comments = fx.server.commentsOn(OWNER, REPO, pr);
    assert.deepEqual(
      comments.map((c) => c.body),
      [`${REVIEW_MARKER}\nsecond run`],
    );
    assert.equal(fx.server.reviews.filter((r) => r.pullNumber === pr).length, 1);
  });

  it('a read-only token: warns once, writes the summary, fails nothing', async () => {
    writeFileSync(summaryFile, '');
    const { value: result, stdout } = await capture(() =>
      publishReview(publication({ gh: fx.client(READ_ONLY_TOKEN) })),
    );
    assert.equal(result.readOnly, true);
    assert.deepEqual(result.problems, []);
    assert.equal(result.failReason, undefined);
    assert.equal(stdout.match(/::warning::/g)?.length, 1);
    assert.match(stdout, /::warning::The token cannot comment on this pull request/);
    // A same-repository pull request: the workflow did not grant the permission.
    assert.match(stdout, /permissions: pull-requests: write/);
    assert.equal(stdout.match(/::error::/g), null, 'a 403 is not logged as an error');
    assert.match(readFileSync(summaryFile, 'utf8'), /## Full report/);
    assert.equal(fx.server.commentsOn(OWNER, REPO, pr).length, 0);
    assert.equal(outputs()['comment-url'], undefined);
  });

  it("a fork's read-only token: the warning points to the workflow_run pair", async () => {
    const p = publication({ gh: fx.client(READ_ONLY_TOKEN) });
    const { value: result, stdout } = await capture(() =>
      publishReview({ ...p, where: { ...p.where, fromFork: true } }),
    );
    assert.equal(result.readOnly, true);
    assert.equal(stdout.match(/::warning::/g)?.length, 1);
    assert.match(stdout, /::warning::.*pull requests from forks.*workflow_run pair/);
    assert.doesNotMatch(stdout, /permissions: pull-requests: write/);
  });

  it('without the artifact service: a notice, and the rest is done', async () => {
    const { value: result, stdout } = await capture(() => publishReview(publication()));
    assert.deepEqual(result.problems, []);
    assert.match(
      stdout,
      /::notice::Artifact 'semcoder-report' not uploaded: the runner provides no artifact service/,
    );
    assert.equal(fx.server.commentsOn(OWNER, REPO, pr).length, 1);
  });

  it('fail-on: the reason is returned after everything was published', async () => {
    const p = publication();
    const { value: result } = await capture(() =>
      publishReview({ ...p, inputs: { ...p.inputs, failOn: { kind: 'likely-bugs' } } }),
    );
    assert.match(result.failReason ?? '', /likely-bugs: 1 likely bug/);
    assert.equal(fx.server.commentsOn(OWNER, REPO, pr).length, 1);
  });

  it('a comment that cannot be written is a problem, with what to do; the rest is published', async () => {
    process.env.ACTIONS_RUNTIME_TOKEN = ArtifactService.runtimeToken();
    process.env.ACTIONS_RESULTS_URL = `${artifacts.url}/`;
    const uploaded = artifacts.artifacts.length;
    fx.server.fault({
      method: 'POST',
      path: new RegExp(`/issues/${pr}/comments$`),
      times: Infinity,
      status: 500,
      body: { message: 'Server Error' },
    });
    const { value: result, stdout } = await capture(() => publishReview(publication()));
    assert.equal(result.problems.length, 1);
    assert.match(
      result.problems[0]!,
      /^Could not update the pull request comment: Server Error.*\nGitHub answered with a server error after retries: rerun the job\.$/,
    );
    // One error annotation, ours: Octokit's per-request log stays in the debug log.
    assert.equal(stdout.match(/::error::/g)?.length, 1);
    assert.match(stdout, /::error::Could not update the pull request comment/);
    assert.equal(outputs()['functions'], '2');
    assert.equal(artifacts.artifacts.length, uploaded + 1);
  });

  it('a token GitHub does not accept (401): the hint names the input to fix', async () => {
    const { value: result, stdout } = await capture(() =>
      publishReview(publication({ gh: fx.client('ghs_revokedTokenEEEEEEEEEEEEEEEEEEEEEEEE') })),
    );
    assert.equal(result.readOnly, false);
    assert.ok(result.problems.length >= 1);
    assert.match(
      result.problems[0]!,
      /Bad credentials[\s\S]*keep the github-token input's default/,
    );
    assert.equal(stdout.match(/::error::/g)?.length, result.problems.length);
  });
});
