import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { benchmarkOutputs } from '../src/action/benchmark.js';
import { scopeOf } from '../src/bench/history.js';
import type { TrackRun } from '../src/bench/track.js';
import { runAction } from './support/action-runner.js';
import { ArtifactService } from './support/artifact-service.js';
import { HUMANEVAL_PLUS } from './support/bench-fixture.js';
import { startScriptedServer, type ScriptedServer } from './support/openai-server.js';
import { testPython } from './support/python.js';
import { swebenchScript, syntheticWorld, type SyntheticWorld } from './support/swebench-fixture.js';

/**
 * The action's benchmark mode, run the way the runner runs the action (INPUT_* variables, the
 * event payload, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the artifact service on
 * 127.0.0.1) on a schedule event, against the scripted test server. The scripted answers
 * (canonical solutions for two tasks, broken code for two) are not the model's output.
 */

interface Task {
  task_id: string;
  canonical_solution: string;
  entry_point: string;
}
const tasks = gunzipSync(readFileSync(HUMANEVAL_PLUS))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, 4)
  .map((line) => JSON.parse(line) as Task);

const KEY = 'sk-benchmark-action-8765';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'semcoder-action-bench-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function zipNames(zip: Buffer): string[] {
  const file = path.join(tmp, 'artifact.zip');
  writeFileSync(file, zip);
  const script =
    'import json, sys, zipfile\nprint(json.dumps(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))';
  return JSON.parse(
    execFileSync(testPython(), ['-c', script, file], { encoding: 'utf8' }),
  ) as string[];
}

describe('action: benchmark mode on a schedule', () => {
  let server: ScriptedServer;
  const artifacts = new ArtifactService();
  const history = path.join(tmp, 'history.json');
  const out = path.join(tmp, 'results');

  before(async () => {
    server = await startScriptedServer({
      apiKey: KEY,
      rules: tasks.map((task, i) => ({
        match: `def ${task.entry_point}(`,
        reply: { text: `\n${i % 3 === 0 ? task.canonical_solution : '    return None\n'}\`\`\`` },
      })),
    });
    await artifacts.start();
    // A previous run over the same four tasks at 75%: this one's 50% is a drop of 25 points.
    // The later run at 10% covered other tasks: the gate does not compare with it.
    const run = (runId: string, date: string, rate: number, ids: string[]) => ({
      runId,
      date,
      model: 'semcoder/semcoder_s_1030',
      suite: 'humanevalplus',
      datasetMd5: 'fe585eb4df8c88d844eeb463ea4d0302',
      passAt1: { base: rate, plus: rate },
      samples: ids.length,
      tasks: ids.length,
      scope: scopeOf(ids),
    });
    const ids = tasks.map((task) => task.task_id);
    writeFileSync(
      history,
      JSON.stringify({
        version: 1,
        runs: [
          run('gh-1', '2025-01-01T00:00:00.000Z', 0.75, ids),
          run('gh-2', '2025-01-08T00:00:00.000Z', 0.1, ids.slice(0, 2)),
        ],
      }),
    );
  });
  after(async () => {
    await server.stop();
    await artifacts.stop();
  });

  it('runs the suite, publishes summary, outputs and artifact, and fails on the gate', async () => {
    const result = await runAction({
      event: 'schedule',
      payload: { schedule: '0 4 * * 1' },
      inputs: {
        endpoint: server.url,
        'api-key': KEY,
        python: testPython(),
        suite: 'humanevalplus',
        dataset: HUMANEVAL_PLUS,
        limit: '4',
        history,
        'max-drop': '10',
        'report-dir': out,
        'artifact-name': 'benchmark-results',
      },
      env: {
        SEMCODER_CACHE: path.join(tmp, 'cache'),
        GITHUB_RUN_ID: '77',
        ACTIONS_RUNTIME_TOKEN: ArtifactService.runtimeToken(),
        ACTIONS_RESULTS_URL: `${artifacts.url}/`,
      },
    });
    assert.equal(result.code, 1, result.stderr);
    // Workflow commands escape %, \r and \n.
    const error = result.commands
      .find((line) => line.startsWith('::error::'))
      ?.replace(/%0A/g, '\n')
      .replace(/%0D/g, '\r')
      .replace(/%25/g, '%');
    assert.equal(
      error,
      "::error::HumanEval+ pass@1 dropped 25.0 points, from 75.0% (run gh-1, 2025-01-01T00:00:00.000Z) to 50.0%: more than input 'max-drop' 10.",
    );
    assert.equal(result.outputs['pass-at-1'], '0.5');
    assert.equal(result.outputs['results-dir'], out);

    assert.match(
      result.summary,
      /^# SemCoder benchmarks\n\nTriggered by `schedule` on acme\/widgets\./,
    );
    assert.match(result.summary, /## HumanEval\+ benchmark/);
    assert.match(result.summary, /\| plus \| 50\.0% \|/);
    // The chart, like the gate, leaves out the run over other tasks, and says so.
    assert.match(result.summary, /```mermaid[\s\S]*line \[75, 50\][\s\S]*line \[79\.3, 79\.3\]/);
    assert.match(result.summary, /1 run of this suite over other tasks .* left out/);
    assert.match(result.summary, /### Regression gate: failed/);

    const runs = (JSON.parse(readFileSync(history, 'utf8')) as { runs: { runId: string }[] }).runs;
    assert.deepEqual(
      runs.map((r) => r.runId),
      ['gh-1', 'gh-2', 'gh-77'],
    );
    const [artifact] = artifacts.artifacts;
    assert.equal(artifact?.name, 'benchmark-results');
    assert.deepEqual(zipNames(artifact!.zip), [
      'humanevalplus/results.json',
      'humanevalplus/samples.jsonl',
      'humanevalplus/summary.md',
    ]);
    const leaked = [
      result.summary,
      readFileSync(path.join(out, 'humanevalplus', 'results.json'), 'utf8'),
    ];
    const logs = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    assert.ok(![...leaked, ...logs].some((text) => text.includes(KEY)), 'the key stays out');
  });

  it('scrubs a secret from a problem before escaping it for the summary', async () => {
    // Underscores and a star: Markdown escaping would respell the key and hide it from a scrub.
    const key = 'sk_live_bench*4321';
    const result = await runAction({
      event: 'schedule',
      payload: { schedule: '0 4 * * 1' },
      inputs: {
        endpoint: server.url,
        'api-key': key,
        python: testPython(),
        suite: 'humanevalplus',
        dataset: path.join(tmp, `missing-${key}.jsonl`),
        'report-dir': path.join(tmp, 'results-scrub'),
      },
      env: { SEMCODER_CACHE: path.join(tmp, 'cache') },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.summary, /## Problems\n\n- HumanEval\+: .*missing-(\\\*){3}\.jsonl/);
    assert.ok(!result.summary.includes('sk\\_live'), result.summary);
  });

  it('refuses an unknown suite before running anything', async () => {
    const requests = server.requests.length;
    const result = await runAction({
      event: 'workflow_dispatch',
      payload: {},
      inputs: { endpoint: server.url, mode: 'benchmark', suite: 'humaneval, mbpp' },
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /::error::Invalid input 'suite': 'humaneval, mbpp'\. Expected one or more of/,
    );
    assert.equal(server.requests.length, requests);
  });
});

describe('action: benchmark mode, suite swebench', () => {
  let world: SyntheticWorld;
  let server: ScriptedServer;
  before(async () => {
    world = syntheticWorld();
    server = await startScriptedServer({ apiKey: KEY, rules: swebenchScript() });
  });
  after(async () => {
    await server.stop();
    world.remove();
  });

  it('runs a synthetic SWE-bench instance through the common track and sets success-rate', async () => {
    const dir = path.join(tmp, 'swebench');
    const cache = path.join(dir, 'cache');
    const dataset = path.join(dir, 'one-instance.jsonl');
    const out = path.join(dir, 'results');
    const instance = world.instances.find((i) => i.instance_id === 'synthetic__calc-1')!;
    mkdirSync(path.join(cache, 'swebench', 'clones'), { recursive: true });
    writeFileSync(dataset, `${JSON.stringify(instance)}\n`);
    // The action clones from github.com into the cache; a clone already there is used (as a
    // cache restored by actions/cache would be), so nothing leaves the machine.
    execFileSync('git', [
      'clone',
      '--quiet',
      '--bare',
      world.calc.dir,
      path.join(cache, 'swebench', 'clones', 'synthetic__calc.git'),
    ]);
    const result = await runAction({
      event: 'workflow_dispatch',
      payload: {},
      inputs: {
        endpoint: server.url,
        'api-key': KEY,
        mode: 'benchmark',
        python: testPython(),
        suite: 'swebench',
        dataset,
        'fail-below': '50',
        'report-dir': out,
      },
      // pip must not reach an index: the synthetic project installs offline.
      env: { SEMCODER_CACHE: cache, GITHUB_RUN_ID: '78', PIP_NO_INDEX: '1' },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs['success-rate'], '1');
    assert.equal(result.outputs['pass-at-1'], undefined);
    assert.match(result.stdout, /\[1\/1\] synthetic__calc-1 success/);
    assert.match(result.summary, /## SWE-bench fail-to-pass benchmark/);
    assert.match(
      result.summary,
      /\| success rate \(fail-to-pass\) \| 100\.0% \(1\/1 evaluated\) \|/,
    );
    assert.match(result.summary, /### Regression gate: passed/);
    const results = JSON.parse(
      readFileSync(path.join(out, 'swebench', 'results.json'), 'utf8'),
    ) as {
      suite: string;
      results: Record<string, { status: string }>;
    };
    assert.equal(results.suite, 'swebench');
    assert.equal(results.results['synthetic__calc-1']?.status, 'success');
  });
});

describe('benchmarkOutputs', () => {
  const run = (
    suite: TrackRun['suite'],
    passAt1: TrackRun['figures']['passAt1'],
    metrics?: Record<string, number | null>,
  ) => ({ suite, figures: { suite, passAt1, metrics } }) as unknown as TrackRun;

  it('takes pass@1 from the first code-generation suite, the kill rate, the success rate', () => {
    assert.deepEqual(
      benchmarkOutputs([
        run('humaneval', { base: 0.8, plus: null }),
        run('humanevalplus', { base: 0.8, plus: 0.7 }),
        run('testgen', { base: null, plus: null }, { killRate: 0.4 }),
        run('swebench', { base: null, plus: null }, { successRate: 0.25, patchCoverage: 0.9 }),
      ]),
      { 'pass-at-1': 0.8, 'kill-rate': 0.4, 'success-rate': 0.25 },
    );
    assert.deepEqual(
      benchmarkOutputs([run('swebench', { base: null, plus: null }, { successRate: null })]),
      {},
    );
    assert.deepEqual(benchmarkOutputs([run('humanevalplus', { base: 0.8, plus: 0.7 })]), {
      'pass-at-1': 0.7,
    });
    assert.deepEqual(benchmarkOutputs([run('humanevalplus', { base: null, plus: null })]), {});
  });
});
