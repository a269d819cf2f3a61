import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { modelAnswers } from '../src/action/model-answers.js';
import { runAction } from './support/action-runner.js';
import { ArtifactService, zipEntries } from './support/artifact-service.js';
import { BOT_TOKEN, OWNER, REPO, startGitHub, type Fixture } from './support/github-fixture.js';
import { startScriptedServer, type ScriptedServer } from './support/openai-server.js';
import { pullRequestPayload } from './support/payloads.js';
import { testPython } from './support/python.js';
import { functionReport } from './support/report-fixture.js';
import { reviewRepo, reviewScript } from './support/review-fixture.js';

/**
 * The bundled action when the model endpoint gives no usable answer: for every function (the
 * server is down, the key is wrong) or for some. The user must notice, in the action's terms.
 */

const PR = 61;
const QUERY_SECRET = 'qs-secret-999';
const PASSWORD = 'pw-secret-1234';

/** A port nothing listens on: a server's, closed again. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('model answers, from the report', () => {
  const skipped = functionReport({ skipped: 'generate request failed: connection refused' });

  it('every function answered: nothing to say', () => {
    assert.equal(modelAnswers({ functions: [functionReport()] }), null);
    assert.equal(modelAnswers({ functions: [] }), null);
  });

  it('some functions unanswered: a warning naming the action inputs, not CLI flags', () => {
    const answers = modelAnswers({ functions: [functionReport(), skipped] });
    assert.equal(answers?.level, 'warning');
    assert.match(answers!.message, /no usable answer for 1 of 2 changed functions/);
    assert.match(answers!.message, /'wait-for-endpoint'.*'concurrency'.*'api-key' and 'model'/);
    assert.doesNotMatch(answers!.message, /--\w/);
  });

  it('a function skipped for its environment is not blamed on the endpoint', () => {
    const notImportable = functionReport({
      skipped: 'pkg.mod could not be imported: ModuleNotFoundError: No module named yaml',
    });
    assert.equal(modelAnswers({ functions: [notImportable] }), null);
    const answers = modelAnswers({ functions: [notImportable, skipped] });
    assert.match(answers!.message, /no usable answer for 1 of 2 changed functions/);
  });

  it('no function answered: a failure', () => {
    const answers = modelAnswers({ functions: [skipped, skipped] });
    assert.equal(answers?.level, 'failure');
    assert.match(answers!.message, /none of the 2 changed function\(s\) could be reviewed/);
  });
});

describe('the bundled action when the model endpoint gives no usable answer', () => {
  const { repo, base, head } = reviewRepo();
  let fx: Fixture;
  let model: ScriptedServer;
  const artifacts = new ArtifactService();

  before(async () => {
    fx = await startGitHub();
    await artifacts.start();
    // `double` is refused (400: retrying cannot help); the other functions are answered.
    model = await startScriptedServer({
      rules: [
        {
          match: (r) => r.prompt.includes('`double` of module'),
          reply: { fault: { kind: 'status', status: 400, body: '{"error":"prompt too long"}' } },
        },
        ...reviewScript(),
      ],
    });
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

  const review = (endpoint: string) =>
    runAction({
      token: BOT_TOKEN,
      apiUrl: fx.server.url,
      workspace: repo.dir,
      event: 'pull_request',
      payload: pullRequestPayload({ number: PR, base, head }),
      inputs: { endpoint, python: testPython() },
      env: {
        ACTIONS_RUNTIME_TOKEN: ArtifactService.runtimeToken(),
        ACTIONS_RESULTS_URL: `${artifacts.url}/`,
      },
    });

  it('a dead endpoint: one error in the action terms, everything published, the step fails', async () => {
    const endpoint = `http://bot:${PASSWORD}@127.0.0.1:${await closedPort()}/v1?token=${QUERY_SECRET}`;
    const result = await review(endpoint);
    assert.equal(result.code, 1, result.stdout + result.stderr);

    const annotations = result.commands.filter((c) => /^::(error|warning)/.test(c));
    assert.equal(annotations.length, 1, annotations.join('\n'));
    assert.match(
      annotations[0]!,
      /^::error::The model endpoint gave no usable answer: none of the 4 changed function\(s\) could be reviewed/,
    );
    assert.match(annotations[0]!, /'wait-for-endpoint'/);
    assert.doesNotMatch(annotations[0]!, /--(concurrency|request-retries|wait-for-endpoint)/);

    // Reviewed means reviewed: the four functions are listed as skipped, not counted.
    assert.equal(result.outputs.functions, '0');
    assert.equal(result.outputs.tests, '0');
    const [comment] = fx.server.commentsOn(OWNER, REPO, PR);
    assert.match(comment!.body, /\*\*4 functions \(4 not reviewed\) · 0 tests/);
    assert.match(comment!.body, /#### Skipped/);
    // The reasons name the action's inputs, not the CLI's flags.
    assert.match(comment!.body, /a lower 'concurrency' or more --request-retries may help/);
    assert.doesNotMatch(comment!.body, /--concurrency/);

    // The endpoint's credentials are masked in the log and scrubbed from all that is published.
    const masks = result.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    assert.ok(masks.includes(`::add-mask::${QUERY_SECRET}`), masks.join('\n'));
    assert.ok(masks.includes(`::add-mask::${PASSWORD}`), masks.join('\n'));
    const files = zipEntries(artifacts.artifacts.at(-1)!.zip);
    const published = {
      comment: comment!.body,
      summary: result.summary,
      outputs: JSON.stringify(result.outputs),
      'report-path': readFileSync(result.outputs['report-path']!, 'utf8'),
      ...files,
    };
    assert.ok(Object.keys(files).includes('report.json'));
    for (const [where, text] of Object.entries(published)) {
      for (const secret of [QUERY_SECRET, PASSWORD])
        assert.ok(!text.includes(secret), `${secret} in ${where}`);
    }
    // The reasons are kept, naming the endpoint without its credentials and query.
    assert.match(result.summary, /gave no usable answer to the generate request/);
    assert.match(result.summary, /127\.0\.0\.1:\d+\/v1 gave no usable answer/);
  });

  it('an endpoint that refuses one function: one warning, the others reviewed, exit 0', async () => {
    const result = await review(model.url);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const annotations = result.commands.filter((c) => /^::(error|warning)/.test(c));
    assert.equal(annotations.length, 1, annotations.join('\n'));
    assert.match(
      annotations[0]!,
      /^::warning::The model endpoint gave no usable answer for 1 of 4 changed functions: they were not reviewed/,
    );
    assert.equal(result.outputs.functions, '3');
    const [comment] = fx.server.commentsOn(OWNER, REPO, PR);
    assert.match(comment!.body, /\*\*4 functions \(1 not reviewed\) · /);
  });
});
