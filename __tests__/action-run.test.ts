import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REVIEW_MARKER } from '../src/github/sticky-comment.js';
import { runAction } from './support/action-runner.js';
import { py, TestRepo } from './support/git-repo.js';
import {
  BOT_TOKEN,
  OWNER,
  READ_ONLY_TOKEN,
  REPO,
  startGitHub,
  type Fixture,
} from './support/github-fixture.js';
import { pullRequestPayload, pushPayload, workflowRunPayload } from './support/payloads.js';
import { testPython } from './support/python.js';
import { sampleReport, writeArtifact } from './support/report.js';

/** The bundled action run as the runner runs it (dist/index.js, INPUT_*, event file). */

const API_KEY = 'sk-never-print-this-0042';

describe('the bundled action, run as the runner runs it', () => {
  let fx: Fixture;
  const repo = new TestRepo();
  let base = '';
  let head = '';

  before(async () => {
    fx = await startGitHub();
    base = repo.commit({
      'pkg/__init__.py': '',
      'pkg/mathx.py': py`
      def clamp(x, lo, hi):
          return max(lo, min(x, hi))
    `,
    });
    head = repo.commit({
      'pkg/mathx.py': py`
      def clamp(x, lo, hi):
          if lo > hi:
              lo, hi = hi, lo
          return max(lo, min(x, hi))

      def lerp(a, b, t):
          return a + (b - a) * t
    `,
    });
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: 42,
      base: { ref: 'main', sha: base },
      head: { ref: 'feature', sha: head, owner: OWNER, repo: REPO },
    });
  });
  after(async () => {
    await fx.server.stop();
    repo.remove();
  });

  const common = () => ({
    token: BOT_TOKEN,
    apiUrl: fx.server.url,
    inputs: { 'api-key': API_KEY, python: testPython() },
  });

  function assertNoSecrets(result: {
    stdout: string;
    stderr: string;
    summary: string;
    outputs: Record<string, string>;
  }): void {
    const visible = [
      result.stderr,
      result.summary,
      JSON.stringify(result.outputs),
      result.stdout.replace(/^::add-mask::.*$/gm, ''),
    ].join('\n');
    for (const secret of [API_KEY, BOT_TOKEN])
      assert.ok(!visible.includes(secret), `a secret leaked: ${secret.slice(0, 6)}...`);
    const masks = result.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    assert.deepEqual(masks, [`::add-mask::${API_KEY}`, `::add-mask::${BOT_TOKEN}`]);
  }

  it('pull_request_target: refused with the reason, the step fails', async () => {
    const result = await runAction({
      ...common(),
      event: 'pull_request_target',
      payload: pullRequestPayload({ fork: 'outsider/widgets' }),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.commands.join('\n'),
      /::error::Refusing to run on pull_request_target.*pwn request.*allow-pull-request-target: true/,
    );
    assertNoSecrets(result);
  });

  it('an event with nothing to do: a notice and a clean exit', async () => {
    const result = await runAction({ ...common(), event: 'push', payload: pushPayload() });
    assert.equal(result.code, 0);
    assert.match(
      result.commands.join('\n'),
      /::notice::semcoder-action: nothing to review on 'push'/,
    );
  });

  it('an invalid input: the step fails naming the input and the expected form', async () => {
    const result = await runAction({
      ...common(),
      inputs: { ...common().inputs, 'fail-on': 'sometimes' },
      event: 'push',
      payload: pushPayload(),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.commands.join('\n'),
      /::error::Invalid input 'fail-on': 'sometimes'\. Expected one of none, edge-cases/,
    );
    assertNoSecrets(result);
  });

  it('pull_request without an endpoint: the step fails saying which input to set', async () => {
    const result = await runAction({
      ...common(),
      workspace: repo.dir,
      event: 'pull_request',
      payload: pullRequestPayload({ number: 42, base, head }),
    });
    assert.equal(result.code, 1);
    assert.match(result.commands.join('\n'), /::error::Input 'endpoint' is required to review/);
    assertNoSecrets(result);
  });

  it('mode publish on workflow_run: posts the review rendered from a tampered artifact', async () => {
    const sha = 'ab'.repeat(20);
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: 43,
      head: { ref: 'patch-9', sha, owner: 'outsider', repo: 'widgets' },
    });
    const report = sampleReport(sha) as Record<string, unknown>;
    // Totals that lie, and a reason that tries markup, a link, a mention and the key.
    report.totals = {
      functions: 50,
      generated: 500,
      valid: 500,
      passed: 500,
      passRate: 1,
      syntaxValidity: 1,
      edgeCases: 0,
    };
    report.skipped = [
      {
        file: 'pkg/broken.py',
        reason: `## Approved <!-- [login](https://evil.example) @maintainer ${API_KEY}`,
      },
    ];
    const dir = writeArtifact({
      report,
      comment: `${REVIEW_MARKER}\n## All good, approved\n<a href="https://evil.example">details</a>\n<!--`,
    });
    const result = await runAction({
      ...common(),
      inputs: { ...common().inputs, mode: 'publish', 'report-dir': dir },
      event: 'workflow_run',
      payload: workflowRunPayload({
        headSha: sha,
        headBranch: 'patch-9',
        headRepo: 'outsider/widgets',
        runId: 555,
      }),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const [comment] = fx.server.commentsOn(OWNER, REPO, 43);
    const body = comment!.body;
    assert.ok(body.startsWith(`${REVIEW_MARKER}\n### SemCoder test review\n`));
    assert.ok(!body.includes('All good') && !body.includes('<a href'), 'comment.md is not used');
    assert.match(body, /#### Likely bugs[\s\S]*`clamp\(5, 3, 1\)`/);
    assert.match(
      body,
      /- `pkg\/broken\.py`: ## Approved \\<!-- \\\[login\\\]\(https&#8203;:\/\/evil\.example\) @&#8203;maintainer/,
    );
    assert.match(
      body,
      /\[review run\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/555\)[^\n]*<\/sub>\n$/,
    );
    assert.ok(!body.includes(API_KEY));
    assert.equal(
      result.outputs['comment-url'],
      `https://github.com/${OWNER}/${REPO}/pull/43#issuecomment-${comment!.id}`,
    );
    // Outputs from the validated functions, not from the totals the artifact claims.
    assert.equal(result.outputs.functions, '2');
    assert.equal(result.outputs.tests, '3');
    assert.equal(result.outputs['pass-rate'], '0.6667');
    assert.equal(result.outputs['likely-bugs'], '1');
    assert.match(result.summary, /### SemCoder test review[\s\S]*#### Likely bugs/);
    assert.deepEqual(
      result.commands.filter((c) => /^::(error|warning)/.test(c)),
      [],
    );
    assertNoSecrets(result);
  });

  it('mode publish with a read-only token: a warning, the summary, exit 0', async () => {
    const sha = 'cd'.repeat(20);
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: 44,
      head: { ref: 'patch-8', sha, owner: 'outsider', repo: 'widgets' },
    });
    const dir = writeArtifact({ report: sampleReport(sha) });
    const result = await runAction({
      ...common(),
      token: READ_ONLY_TOKEN,
      inputs: { ...common().inputs, mode: 'publish', 'report-dir': dir },
      event: 'workflow_run',
      payload: workflowRunPayload({
        headSha: sha,
        headBranch: 'patch-8',
        headRepo: 'outsider/widgets',
      }),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.commands.filter((c) => c.startsWith('::warning::')).length, 1);
    assert.equal(result.commands.filter((c) => c.startsWith('::error::')).length, 0);
    assert.match(result.summary, /#### Likely bugs[\s\S]*`clamp\(5, 3, 1\)`/);
    assert.equal(fx.server.commentsOn(OWNER, REPO, 44).length, 0);
  });
});
