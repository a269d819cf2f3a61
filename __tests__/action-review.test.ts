import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMENT_MARKER } from '../src/report/comment.js';
import type { Report } from '../src/report/types.js';
import { runAction, type ActionResult } from './support/action-runner.js';
import { ArtifactService, zipEntries } from './support/artifact-service.js';
import {
  BOT_TOKEN,
  HUMAN_TOKEN,
  OWNER,
  READ_ONLY_TOKEN,
  REPO,
  startGitHub,
  type Fixture,
} from './support/github-fixture.js';
import { SECONDARY_RATE_LIMIT_BODY } from './support/github-server.js';
import {
  startScriptedServer,
  type ScriptedServer,
  type ScriptRule,
} from './support/openai-server.js';
import {
  pullRequestPayload,
  workflowDispatchPayload,
  workflowRunPayload,
} from './support/payloads.js';
import { testPython } from './support/python.js';
import { reviewRepo, reviewScript } from './support/review-fixture.js';

/**
 * The bundled action (dist/index.js) reviewing a pull request end to end, as the runner runs
 * it: the scripted test server plays SemCoder, a local GitHub API server holds the pull
 * request and its comments.
 */

const API_KEY = 'sk-semcoder-never-print-0077';
const PR = 42;

/** A scripted test that fails if any secret or runner token reaches the test subprocess. */
const envCheck: ScriptRule = {
  match: (r) => r.prompt.includes('`Stack.push` of module'),
  reply: {
    text:
      // The model echoes the key and the token into a docstring: the artifact must not keep them.
      `def test_push_returns_size():\n    """One item gives size one (key ${API_KEY}, token ${BOT_TOKEN})."""\n    assert Stack().push(1) == 1\n\n\n` +
      'def test_environment_is_clean():\n    """Tests never see tokens or keys."""\n    import os\n' +
      '    leaked = [k for k, v in os.environ.items() if k.startswith(("INPUT_", "ACTIONS_", "GITHUB_TOKEN", "SEMCODER_API_KEY"))' +
      ' or "sk-semcoder" in v or "ghs_" in v]\n    assert leaked == []\n```\n',
  },
};

describe('the bundled action reviewing a pull request', () => {
  const { repo, base, head } = reviewRepo();
  let fx: Fixture;
  let model: ScriptedServer;
  const artifacts = new ArtifactService();

  before(async () => {
    fx = await startGitHub();
    await artifacts.start();
    model = await startScriptedServer({ rules: [envCheck, ...reviewScript()], apiKey: API_KEY });
    fx.server.addPull({
      owner: OWNER,
      repo: REPO,
      number: PR,
      base: { ref: 'main', sha: base },
      head: { ref: 'feature', sha: head, owner: OWNER, repo: REPO },
    });
  });
  after(async () => {
    await model.stop();
    await fx.server.stop();
    await artifacts.stop();
    repo.remove();
  });

  const review = (
    extra: {
      token?: string;
      inputs?: Record<string, string>;
      event?: string;
      env?: Record<string, string>;
    } = {},
  ) =>
    runAction({
      token: extra.token ?? BOT_TOKEN,
      apiUrl: fx.server.url,
      workspace: repo.dir,
      event: extra.event ?? 'pull_request',
      payload:
        extra.event === 'workflow_dispatch'
          ? workflowDispatchPayload({ pr: String(PR) })
          : pullRequestPayload({ number: PR, base, head }),
      inputs: { endpoint: model.url, 'api-key': API_KEY, python: testPython(), ...extra.inputs },
      env: { GITHUB_TOKEN: extra.token ?? BOT_TOKEN, GITHUB_RUN_ID: '1234', ...extra.env },
    });

  function assertNoSecrets(result: ActionResult): void {
    const visible = [
      result.stderr,
      result.summary,
      JSON.stringify(result.outputs),
      result.stdout.replace(/^::add-mask::.*$/gm, ''),
      // What was posted to GitHub (the tokens themselves travel only in Authorization headers).
      fx.server.requests.map((r) => r.body).join('\n'),
    ].join('\n');
    for (const secret of [API_KEY, BOT_TOKEN, READ_ONLY_TOKEN]) {
      assert.equal(visible.includes(secret), false, `a secret leaked: ${secret.slice(0, 8)}...`);
    }
  }

  /** The report folder of the first review, published again by the publish-mode test. */
  let reportDir = '';

  const ourComments = () =>
    fx.server.commentsOn(OWNER, REPO, PR).filter((c) => c.author.login === fx.bot.login);

  it('creates the comment, sets the outputs and the summary, and keeps secrets out', async () => {
    fx.server.addComment(
      { owner: OWNER, repo: REPO, issueNumber: PR },
      `I saw a bot use ${COMMENT_MARKER} once; please keep this comment.`,
      fx.human,
    );
    // A secondary rate limit on the first comment request: the action waits and retries.
    fx.server.fault({
      method: 'POST',
      path: new RegExp(`/issues/${PR}/comments$`),
      times: 1,
      status: 403,
      body: SECONDARY_RATE_LIMIT_BODY,
      headers: { 'retry-after': '1' },
    });
    const result = await review({
      env: {
        ACTIONS_RUNTIME_TOKEN: ArtifactService.runtimeToken(),
        ACTIONS_RESULTS_URL: `${artifacts.url}/`,
      },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    // The rate limit was handled: no annotation at all, Octokit's failed attempt included.
    assert.deepEqual(
      result.commands.filter((c) => /^::(error|warning)/.test(c)),
      [],
    );

    const [comment, ...more] = ourComments();
    assert.equal(more.length, 0);
    assert.match(comment!.body, /\*\*4 functions · \d+ tests · pass rate/);
    assert.match(comment!.body, /#### Likely bugs[\s\S]*`add\(-1, -1\)`/);
    assert.match(
      comment!.body,
      /\[full report\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/1234\)/,
    );

    assert.equal(result.outputs.functions, '4');
    assert.equal(result.outputs['likely-bugs'], '1');
    assert.equal(result.outputs['edge-cases'], '4');
    assert.match(result.outputs['pass-rate']!, /^0\.\d+$/);
    assert.match(result.outputs['changed-lines-coverage']!, /^0\.\d+$/);
    assert.match(result.outputs['comment-url']!, /issuecomment/);
    const report = JSON.parse(readFileSync(result.outputs['report-path']!, 'utf8')) as Report;
    assert.equal(report.head, head);
    const push = report.functions.find((f) => f.qualname === 'Stack.push')!;
    assert.equal(push.tests.find((t) => t.name === 'test_environment_is_clean')?.outcome, 'passed');

    assert.match(result.summary, /### SemCoder test review/);
    assert.match(result.summary, /#### Generated tests/);
    assert.match(comment!.body, /One item gives size one \(key \*\*\*, token \*\*\*\)/);

    // The artifact: every file scrubbed of what the model echoed.
    const artifact = artifacts.artifacts.at(-1)!;
    assert.equal(artifact.name, 'semcoder-report');
    const files = zipEntries(artifact.zip);
    assert.deepEqual(
      Object.keys(files)
        .filter((f) => !f.startsWith('tests/'))
        .sort(),
      ['comment.md', 'report.json'],
    );
    assert.match(
      files['tests/test_pkg_calc__Stack_push.py']!,
      /size one \(key \*\*\*, token \*\*\*\)/,
    );
    assert.equal(files['comment.md'], comment!.body);
    for (const [name, text] of Object.entries(files)) {
      for (const secret of [API_KEY, BOT_TOKEN])
        assert.ok(!text.includes(secret), `${name} holds ${secret.slice(0, 8)}...`);
    }
    assert.ok(!readFileSync(result.outputs['report-path']!, 'utf8').includes(API_KEY));
    reportDir = path.dirname(result.outputs['report-path']!);
    assert.ok(!result.summary.includes(COMMENT_MARKER), 'the summary is not a comment');
    const human = fx.server.commentsOn(OWNER, REPO, PR).find((c) => c.author.login === 'reviewer');
    assert.equal(human?.body, `I saw a bot use ${COMMENT_MARKER} once; please keep this comment.`);
    assertNoSecrets(result);
  });

  it('publish mode renders the same comment from that report.json (comment.md unused)', async () => {
    const written = readFileSync(path.join(reportDir, 'comment.md'), 'utf8');
    writeFileSync(path.join(reportDir, 'comment.md'), `${COMMENT_MARKER}\n## Approved, merge it`);
    const result = await runAction({
      token: BOT_TOKEN,
      apiUrl: fx.server.url,
      event: 'workflow_run',
      payload: workflowRunPayload({
        headSha: head,
        pullRequests: [{ number: PR, headSha: head }],
        runId: 1234,
      }),
      inputs: { mode: 'publish', 'report-dir': reportDir },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const [comment] = ourComments();
    assert.equal(
      comment!.body,
      `${written}\n<sub>Published from the artifact of the [review run](https://github.com/acme/widgets/actions/runs/1234) (a pull_request run without write access).</sub>\n`,
    );
    assert.equal(result.outputs.functions, '4');
    assert.equal(result.outputs['likely-bugs'], '1');
  });

  it('updates the same comment on a rerun, with a shorter body when GitHub refuses a long one', async () => {
    const [before] = ourComments();
    fx.server.fault({
      method: 'PATCH',
      path: /\/issues\/comments\/\d+$/,
      times: 1,
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
        documentation_url: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment',
        status: '422',
      },
    });
    const result = await review({ inputs: { 'fail-on': 'likely-bugs' } });
    // fail-on is checked after everything is published.
    assert.equal(result.code, 1);
    assert.match(
      result.commands.join('\n'),
      /::error::fail-on likely-bugs: 1 likely bug\(s\) found/,
    );
    const comments = ourComments();
    assert.equal(comments.length, 1);
    assert.equal(comments[0]!.id, before!.id);
    assert.match(comments[0]!.body, /#### Likely bugs/);
    assertNoSecrets(result);
  });

  it('with a read-only token (a fork): a warning, the summary, exit 0', async () => {
    const comments = fx.server.commentsOn(OWNER, REPO, PR).length;
    const result = await review({ token: READ_ONLY_TOKEN });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.commands.filter((c) => c.startsWith('::warning::')).length, 1);
    assert.match(
      result.commands.join('\n'),
      /::warning::The token cannot comment on this pull request/,
    );
    assert.equal(result.commands.filter((c) => c.startsWith('::error::')).length, 0);
    assert.match(result.summary, /#### Likely bugs/);
    assert.equal(fx.server.commentsOn(OWNER, REPO, PR).length, comments);
    assertNoSecrets(result);
  });

  it('a comment GitHub keeps refusing (500): one error, the rest published, the step fails', async () => {
    const comments = ourComments().map((c) => c.body);
    fx.server.fault({
      method: 'PATCH',
      path: /\/issues\/comments\/\d+$/,
      times: Infinity,
      status: 500,
      body: { message: 'Server Error' },
    });
    fx.server.fault({
      method: 'POST',
      path: new RegExp(`/issues/${PR}/comments$`),
      times: Infinity,
      status: 500,
      body: { message: 'Server Error' },
    });
    try {
      const result = await review({ inputs: { 'max-functions': '1' } });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const errors = result.commands.filter((c) => c.startsWith('::error::'));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(
        errors[0]!,
        /^::error::Could not update the pull request comment: Server Error.*%0AGitHub answered with a server error after retries: rerun the job\./,
      );
      assert.match(result.summary, /### SemCoder test review/);
      assert.equal(result.outputs.functions, '1');
      assert.deepEqual(
        ourComments().map((c) => c.body),
        comments,
      );
    } finally {
      fx.server.clearFaults();
    }
  });

  it('a token GitHub does not accept (401): the step fails saying which input to fix', async () => {
    const result = await review({
      token: 'ghs_revokedTokenEEEEEEEEEEEEEEEEEEEEEEEE',
      inputs: { 'max-functions': '1' },
    });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const errors = result.commands.filter((c) => c.startsWith('::error::'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      /Could not update the pull request comment: Bad credentials.*keep the github-token input's default/,
    );
    assert.match(result.summary, /### SemCoder test review/);
  });

  it('workflow_dispatch with a pull request number: looks it up and reviews it', async () => {
    const result = await review({ event: 'workflow_dispatch', inputs: { pr: String(PR) } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.functions, '4');
    assert.ok(
      fx.server.requests.some(
        (r) => r.method === 'GET' && r.path === `/repos/${OWNER}/${REPO}/pulls/${PR}`,
      ),
    );
    assert.equal(ourComments().length, 1);
  });

  it('never edits a comment it did not write, even one that starts with the marker', async () => {
    const humanClient = fx.client(HUMAN_TOKEN);
    await humanClient.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      body: `${COMMENT_MARKER}\nA human copied the marker.`,
    });
    const result = await review({ inputs: { 'max-functions': '1' } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const human = fx.server
      .commentsOn(OWNER, REPO, PR)
      .filter((c) => c.author.login === 'reviewer');
    assert.ok(human.some((c) => c.body === `${COMMENT_MARKER}\nA human copied the marker.`));
    const bot = fx.server.commentsOn(OWNER, REPO, PR).filter((c) => c.author.login !== 'reviewer');
    assert.equal(bot.length, 1);
    assert.match(bot[0]!.body, /\*\*1 function · /);
  });
});
