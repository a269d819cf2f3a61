import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionReport, Report } from '../src/report/types.js';
import { parseSettings, reviewSettingsSchema } from '../src/settings.js';
import { runReview, type ReviewResult } from '../src/testgen/review.js';
import { runCli } from './support/cli.js';
import {
  startScriptedServer,
  type RecordedRequest,
  type ScriptedServer,
} from './support/openai-server.js';
import { testPython } from './support/python.js';
import { reviewRepo, reviewScript } from './support/review-fixture.js';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function settings(extra: Record<string, unknown>) {
  return parseSettings(reviewSettingsSchema, { python: testPython(), ...extra });
}

function fn(report: Report, qualname: string): FunctionReport {
  const found = report.functions.find((f) => f.qualname === qualname);
  assert.ok(found, `${qualname} in the report`);
  return found;
}

const outcomes = (f: FunctionReport) => Object.fromEntries(f.tests.map((t) => [t.name, t.outcome]));

/** The prompt kind of a request the scripted server saw, from the prompt's own wording. */
function kindOf(request: RecordedRequest): string {
  if (request.prompt.startsWith('Debug and Refine')) return 'repair';
  if (request.prompt.startsWith('Simulate the Execution')) return 'verify';
  if (request.prompt.includes('Write more pytest tests')) return 'deepen';
  return 'generate';
}

/** max_tokens of the completion requests, by prompt kind. */
function maxTokensByKind(requests: RecordedRequest[]): Record<string, number[]> {
  const seen: Record<string, number[]> = {};
  for (const request of requests.filter((r) => r.api !== 'models')) {
    const kind = kindOf(request);
    const value = Number(request.body?.max_tokens);
    if (!seen[kind]?.includes(value)) (seen[kind] ??= []).push(value);
  }
  return seen;
}

describe('review: from changed functions to verified tests (scripted test server)', () => {
  const { repo, base } = reviewRepo();
  let server: ScriptedServer;
  let result: ReviewResult;
  const recording = tempDir('semcoder-recording-');
  const out = tempDir('semcoder-out-');

  before(async () => {
    server = await startScriptedServer({ rules: reviewScript() });
    result = await runReview(
      settings({ repo: repo.dir, base, endpoint: server.url, out, record: recording }),
    );
  });
  after(async () => {
    await server.stop();
    repo.remove();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('classifies every test and keeps the counts of the final test set', () => {
    const add = fn(result.report, 'add');
    assert.deepEqual(outcomes(add), {
      test_add_positive: 'passed',
      test_add_negative: 'failed',
      test_add_wrong: 'failed',
      test_add_broken: 'passed', // repaired: it used an undefined name at first
      test_add_zero: 'passed', // from the deepen round
    });
    assert.deepEqual(add.counts, { generated: 5, valid: 5, passed: 3, failed: 2, errors: 0 });
    assert.equal(add.passRate, 3 / 5);
  });

  it('verifies disagreeing oracles against the specification', () => {
    const verdicts = (f: FunctionReport) => f.edgeCases.map((e) => [e.test, e.verdict]);
    assert.deepEqual(verdicts(fn(result.report, 'add')), [
      ['test_add_negative', 'likely-bug'],
      ['test_add_wrong', 'wrong-oracle'],
    ]);
    const bug = fn(result.report, 'add').edgeCases[0]!;
    assert.deepEqual(
      { call: bug.call, expected: bug.expected, actual: bug.actual, spec: bug.specAnswer },
      { call: 'add(-1, -1)', expected: '-2', actual: '-1', spec: '-2' },
    );
    assert.match(bug.rationale, /the result is the sum/);
    assert.deepEqual(verdicts(fn(result.report, 'clamp')), [['test_clamp_none', 'crash']]);
    assert.equal(fn(result.report, 'clamp').edgeCases[0]!.exception?.type, 'TypeError');
    // No docstring: the specification cannot decide, and the model is not asked.
    assert.deepEqual(verdicts(fn(result.report, 'double')), [['test_double_two', 'undecided']]);
    const verifyPrompts = server.requests.filter((r) =>
      r.prompt.startsWith('Simulate the Execution'),
    );
    assert.equal(verifyPrompts.length, 2);
    for (const request of verifyPrompts) {
      assert.doesNotMatch(request.prompt, /return a \+ b/, 'the body is withheld from the prompt');
      assert.match(request.prompt, /Return the sum of a and b\./);
    }
  });

  it('repairs broken output, deepens uncovered changed lines, and counts responses', () => {
    const double = fn(result.report, 'double');
    assert.deepEqual(double.responses, { total: 2, parsed: 1 }, 'a broken answer, then its repair');
    assert.deepEqual(outcomes(double), { test_double_two: 'failed', test_double_zero: 'passed' });
    const clamp = fn(result.report, 'clamp');
    assert.ok('test_clamp_above' in outcomes(clamp), 'the deepen round added a test');
    assert.deepEqual(clamp.coverage.changedLines, { covered: 4, total: 4 });
    assert.deepEqual(clamp.coverage.branches, { covered: 4, total: 4 });
    // add's negative branch is only reached by a failing test, which does not count.
    assert.deepEqual(fn(result.report, 'add').coverage.missingChangedLines, [4]);
    assert.equal(result.report.totals.syntaxValidity, 7 / 8);
  });

  it('shows a method its class and __init__', () => {
    const prompt = server.requests.find((r) => r.prompt.includes('`Stack.push` of module'))!.prompt;
    assert.match(prompt, /class Stack:/);
    assert.match(prompt, /def __init__\(self\):/);
    assert.match(prompt, /from pkg\.calc import Stack/);
    assert.deepEqual(outcomes(fn(result.report, 'Stack.push')), {
      test_push_returns_size: 'passed',
      test_push_twice: 'passed',
    });
  });

  it('writes report.json, comment.md and runnable tests', () => {
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    assert.equal(report.version, 1);
    assert.deepEqual(report.totals, result.report.totals);
    assert.equal(readFileSync(path.join(out, 'comment.md'), 'utf8'), result.comment);
    assert.ok(result.comment.startsWith('<!-- semcoder-action:review -->\n'));
    assert.deepEqual(readdirSync(path.join(out, 'tests')).sort(), [
      'test_pkg_calc__Stack_push.py',
      'test_pkg_calc__add.py',
      'test_pkg_calc__clamp.py',
      'test_pkg_calc__double.py',
    ]);
    // The kept tests pass against head; likely bugs and crashes stay as strict xfails.
    const run = execFileSync(
      testPython(),
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(out, 'tests')],
      {
        cwd: repo.dir,
        env: { ...process.env, PYTHONPATH: repo.dir },
        encoding: 'utf8',
      },
    );
    assert.match(run, /10 passed, 2 xfailed/);
    const add = readFileSync(path.join(out, 'tests', 'test_pkg_calc__add.py'), 'utf8');
    assert.match(add, /regression oracle[^\n]*\n {4}assert add\(2, 3\) == 5/);
    assert.ok(fn(result.report, 'add').tests.find((t) => t.name === 'test_add_wrong')?.regression);
  });

  it('asks 2048 new tokens for test-writing answers and 1024 for the oracle check by default', () => {
    assert.deepEqual(maxTokensByKind(server.requests), {
      generate: [2048],
      repair: [2048],
      deepen: [2048],
      verify: [1024],
    });
  });

  it('accounts for the model requests', () => {
    const completions = server.requests.filter((r) => r.api === 'completions').length;
    assert.equal(result.report.llm.requests, completions);
    assert.equal(result.report.llm.failures, 0);
    assert.ok(result.report.llm.promptTokens > 0 && result.report.llm.completionTokens > 0);
  });

  it('replays the recording with no endpoint and gets the same review', async () => {
    await server.stop();
    const replayed = await runReview(
      settings({ repo: repo.dir, base, replay: recording, out: tempDir('semcoder-replay-') }),
    );
    const strip = (r: Report) => ({ ...r, timings: null, endpoint: null, sandbox: null });
    assert.deepEqual(strip(replayed.report), strip(result.report));
    assert.equal(replayed.report.endpoint, `replay:${recording}`);
    await server.start();
  });
});

describe('review: a dead endpoint, budgets, the chat API and faults', () => {
  const { repo, base } = reviewRepo();
  after(() => {
    repo.remove();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('skips every function with the error when the endpoint is dead, and still writes the report', async () => {
    const dead = await startScriptedServer({ rules: [] });
    await dead.stop();
    const out = tempDir('semcoder-dead-');
    const result = await runCli([
      'review',
      '--repo',
      repo.dir,
      '--base',
      base,
      '--endpoint',
      dead.url,
      '--out',
      out,
      '--python',
      testPython(),
      '--request-retries',
      '0',
      '--api-key',
      'sk-secret-123',
      '--concurrency',
      '1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    assert.equal(report.functions.length, 4);
    for (const f of report.functions) assert.match(f.skipped ?? '', /^generate request failed: /);
    assert.match(result.stderr, /skipped pkg\/calc\.py::add: generate request failed/);
    // One request at a time: after three failures in a row the fourth is not even sent.
    assert.equal(report.llm.failures, 3);
    assert.match(
      report.functions[3]!.skipped ?? '',
      /not sent: the endpoint failed 3 requests in a row/,
    );
    for (const text of [
      result.stdout,
      result.stderr,
      readFileSync(path.join(out, 'comment.md'), 'utf8'),
      JSON.stringify(report),
    ]) {
      assert.doesNotMatch(text, /sk-secret-123/);
    }
  });

  it('sends credentials and query of --endpoint as Basic auth and parameters, and shows neither', async () => {
    const server = await startScriptedServer({ rules: reviewScript() });
    const dead = await startScriptedServer();
    await dead.stop();
    const secretUrl = (url: string) => url.replace('//', '//bob:PASSWD99@') + '?token=QTOKEN';
    try {
      const run = (endpoint: string, out: string) =>
        runCli([
          'review',
          '--repo',
          repo.dir,
          '--base',
          base,
          '--endpoint',
          endpoint,
          '--out',
          out,
          '--python',
          testPython(),
          '--max-functions',
          '1',
          '--max-rounds',
          '1',
          '--request-retries',
          '0',
          '--wait-for-endpoint',
          endpoint.includes(String(server.port)) ? '5' : '0',
        ]);
      const live = tempDir('semcoder-creds-');
      const down = tempDir('semcoder-creds-dead-');
      const results = [
        { out: live, result: await run(secretUrl(server.url), live) },
        { out: down, result: await run(secretUrl(dead.url), down) },
      ];
      for (const { out, result } of results) {
        assert.equal(result.code, 0, result.stderr);
        const texts = {
          stdout: result.stdout,
          stderr: result.stderr,
          'report.json': readFileSync(path.join(out, 'report.json'), 'utf8'),
          'comment.md': readFileSync(path.join(out, 'comment.md'), 'utf8'),
        };
        for (const [name, text] of Object.entries(texts)) {
          assert.doesNotMatch(text, /PASSWD99|QTOKEN|bob:/, `${name} of ${out}`);
        }
      }
      const [liveReport, deadReport] = results.map(
        ({ out }) => JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report,
      );
      assert.equal(liveReport!.endpoint, server.url);
      assert.equal(liveReport!.functions[0]!.skipped, null);
      assert.ok(liveReport!.functions[0]!.counts.passed > 0);
      assert.match(
        deadReport!.functions[0]!.skipped ?? '',
        new RegExp(`The endpoint ${dead.url.replace(/\./g, '\\.')} gave no usable answer`),
      );
      const basic = `Basic ${Buffer.from('bob:PASSWD99').toString('base64')}`;
      assert.ok(server.requests.some((r) => r.api === 'models'));
      for (const request of server.requests) {
        assert.equal(request.headers.authorization, basic, request.path);
        assert.match(request.path, /^\/v1\/(models|completions)\?token=QTOKEN$/);
      }
    } finally {
      await server.stop();
    }
  });

  it('reviews the most-changed functions first, lists the rest, speaks chat, and shows the background', async () => {
    const server = await startScriptedServer({ rules: reviewScript() });
    try {
      const result = await runReview(
        settings({
          repo: repo.dir,
          base,
          endpoint: server.url,
          api: 'chat',
          maxFunctions: 1,
          maxRounds: 1,
          background: 'Issue 7: clamp must keep values inside the range.',
          out: tempDir('semcoder-chat-'),
        }),
      );
      const generation = server.requests.find((r) => r.prompt.includes('`clamp` of module'));
      assert.match(generation?.prompt ?? '', /Issue 7: clamp must keep values inside the range\./);
      assert.deepEqual(
        result.report.functions.map((f) => f.qualname),
        ['clamp'],
      );
      assert.deepEqual(
        result.report.skipped.map((s) => [s.qualname, s.reason.slice(0, 40)]),
        [
          ['add', 'over the limit of 1 functions per run (-'],
          ['Stack.push', 'over the limit of 1 functions per run (-'],
          ['double', 'over the limit of 1 functions per run (-'],
        ],
      );
      const request = server.requests.find((r) => r.api === 'chat')!;
      assert.equal((request.body?.messages as unknown[]).length, 1);
      assert.equal(result.report.api, 'chat');
      // The chat reply is the tests, a closing fence and nothing else: the fence ends the code.
      assert.deepEqual(outcomes(fn(result.report, 'clamp')), {
        test_clamp_inside: 'passed',
        test_clamp_below: 'passed',
        test_clamp_none: 'error',
      });
      assert.deepEqual(fn(result.report, 'clamp').responses, { total: 1, parsed: 1 });
    } finally {
      await server.stop();
    }
  });

  it('--max-tokens sets the new tokens of every test-writing request, not the oracle check', async () => {
    const server = await startScriptedServer({ rules: reviewScript() });
    try {
      const out = tempDir('semcoder-max-tokens-');
      const result = await runCli([
        'review',
        '--repo',
        repo.dir,
        '--base',
        base,
        '--endpoint',
        server.url,
        '--out',
        out,
        '--python',
        testPython(),
        '--max-tokens',
        '300',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(maxTokensByKind(server.requests), {
        generate: [300],
        repair: [300],
        deepen: [300],
        verify: [1024],
      });
    } finally {
      await server.stop();
    }
  });

  it('retries a 429 with Retry-After and a 500, and counts the retries', async () => {
    const server = await startScriptedServer({ rules: reviewScript() });
    try {
      server.failNext(
        { kind: 'status', status: 429, retryAfter: 0 },
        { kind: 'status', status: 500 },
      );
      const result = await runReview(
        settings({
          repo: repo.dir,
          base,
          endpoint: server.url,
          maxFunctions: 1,
          maxRounds: 1,
          out: tempDir('semcoder-429-'),
        }),
      );
      assert.equal(result.report.llm.retries, 2);
      assert.equal(result.report.llm.failures, 0);
      assert.equal(result.report.functions[0]!.skipped, null);
    } finally {
      await server.stop();
    }
  });

  it('names the function and prompt kind when a replay has no answer', async () => {
    const empty = tempDir('semcoder-empty-replay-');
    const result = await runReview(
      settings({
        repo: repo.dir,
        base,
        replay: empty,
        maxFunctions: 1,
        out: tempDir('semcoder-miss-'),
      }),
    );
    assert.match(
      result.report.functions[0]!.skipped ?? '',
      /generate.*pkg\/calc\.py::clamp|pkg\/calc\.py::clamp.*generate/,
    );
  });
});
