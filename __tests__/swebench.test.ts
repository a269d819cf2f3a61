import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDataset, type LoadedDataset, type SweBenchRecord } from '../src/bench/datasets.js';
import { readHistory } from '../src/bench/history.js';
import { writeBenchReport } from '../src/bench/report.js';
import { swebenchResultsSchema } from '../src/bench/swebench/results.js';
import { swebenchReport } from '../src/bench/swebench/summary.js';
import { runSwebenchTrack, type SwebenchTrackOptions } from '../src/bench/swebench/track.js';
import type { InstanceResult, SwebenchResults } from '../src/bench/swebench/types.js';
import { parseSettings, reviewSettingsSchema } from '../src/settings.js';
import { runCli } from './support/cli.js';
import { startScriptedServer, type ScriptedServer } from './support/openai-server.js';
import { testPython } from './support/python.js';
import {
  CALC_ISSUE,
  CLAMP_ISSUE,
  swebenchScript,
  syntheticWorld,
  type SyntheticWorld,
} from './support/swebench-fixture.js';

// pip must not reach an index: the synthetic projects install offline (or not at all), and a
// download attempt fails the install instead of quietly using the network.
process.env.PIP_NO_INDEX = '1';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function instance(results: SwebenchResults, id: string): InstanceResult {
  const found = results.results[id];
  assert.ok(found, `${id} in the results`);
  return found;
}

const statuses = (results: SwebenchResults) =>
  Object.fromEntries(Object.values(results.results).map((r) => [r.instanceId, r.status]));

const transitions = (result: InstanceResult) =>
  Object.fromEntries(
    result.tests.map((t) => [t.name, [t.before, t.after, t.transition, t.oracle].join(' ')]),
  );

/** What a clone looks like from outside: refs, HEAD, working tree status, object files. */
function cloneState(dir: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  const objects = execFileSync('find', ['.git/objects', '-type', 'f'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return [
    git('for-each-ref'),
    git('rev-parse', 'HEAD'),
    git('status', '--porcelain', '--ignored'),
    objects.split('\n').sort().join('\n'),
  ].join('\n--\n');
}

const readResults = (dir: string) =>
  swebenchResultsSchema.parse(JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')));

describe('SWE-bench track: synthetic instances, scripted test server', () => {
  let world: SyntheticWorld;
  let server: ScriptedServer;
  let dataset: LoadedDataset<SweBenchRecord>;
  let cacheDir: string;
  let whole: SwebenchResults;
  let wholeOut: string;
  let clonesBefore: string[];

  /** `bench run --suite swebench` flags for the synthetic world (the common CLI path). */
  const runFlags = (out: string, ...extra: string[]) => [
    'bench',
    'run',
    '--suite',
    'swebench',
    '--dataset',
    world.dataset,
    '--out',
    out,
    '--endpoint',
    server.url,
    '--repos-dir',
    world.reposDir,
    '--clone-base',
    'https://github.invalid',
    '--max-rounds',
    '1',
    '--setup-timeout',
    '120',
    '--python',
    testPython(),
    '--cache-dir',
    cacheDir,
    ...extra,
  ];

  const options = (extra: Partial<SwebenchTrackOptions>): SwebenchTrackOptions => ({
    dataset,
    selection: { instances: null, limit: null },
    shard: null,
    review: parseSettings(reviewSettingsSchema, {
      base: 'HEAD',
      endpoint: server.url,
      maxRounds: 1,
      python: testPython(),
    }),
    python: testPython(),
    out: tempDir('semcoder-swebench-out-'),
    reposDir: world.reposDir,
    cloneBase: 'https://github.invalid',
    setupCommand: null,
    setupTimeoutSec: 120,
    cacheDir,
    ...extra,
  });

  before(async () => {
    world = syntheticWorld();
    server = await startScriptedServer({ rules: swebenchScript() });
    cacheDir = tempDir('semcoder-swebench-cache-');
    dataset = await loadDataset('swebench', world.dataset, { cacheDir });
    clonesBefore = [cloneState(world.calc.dir), cloneState(world.broken.dir)];
    const run = options({});
    wholeOut = run.out;
    whole = await runSwebenchTrack(run);
  });
  after(async () => {
    await server.stop();
    world.remove();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  describe('a whole run', () => {
    it('scores each instance: success, no success, environment error', () => {
      assert.deepEqual(statuses(whole), {
        'synthetic__broken-1': 'environment-error',
        'synthetic__calc-1': 'success',
        'synthetic__calc-2': 'no-success',
      });
      assert.deepEqual(whole.counts, {
        success: 1,
        'no-success': 1,
        'environment-error': 1,
        error: 0,
      });
      assert.equal(whole.evaluated, 2);
      assert.equal(whole.successRate, 0.5);
    });

    it('runs the kept tests before and after the gold patch (a reproducing test succeeds)', () => {
      const calc1 = instance(whole, 'synthetic__calc-1');
      assert.deepEqual(transitions(calc1), {
        test_mean_of_two: 'failed passed fail-to-pass model',
        test_mean_single: 'passed passed pass-to-pass model',
        // Its oracle 2 was the buggy value; the review rewrote it to the observed 2.5.
        test_mean_pinned: 'failed passed fail-to-pass observed',
      });
      assert.match(calc1.tests[0]!.beforeMessage ?? '', /actual 1, expected 1\.5/);
      assert.deepEqual(calc1.counts, {
        failToPass: 1,
        failToPassObserved: 1,
        passToPass: 1,
        passToFail: 0,
        failToFail: 0,
        unknown: 0,
      });
      assert.equal(calc1.reason, '');
      assert.deepEqual(calc1.functions, [
        { file: 'calc/stats.py', qualname: 'mean', status: 'modified', kept: 3, skipped: null },
      ]);
    });

    it('reports no success when no test tells the bug apart', () => {
      const calc2 = instance(whole, 'synthetic__calc-2');
      assert.deepEqual(transitions(calc2), {
        test_clamp_inside: 'passed passed pass-to-pass model',
        test_clamp_below: 'passed passed pass-to-pass model',
      });
      assert.equal(calc2.reason, 'no kept test fails before the gold patch and passes with it');
    });

    it("measures the gold patch's changed lines the kept tests cover (coverage.py)", () => {
      assert.deepEqual(instance(whole, 'synthetic__calc-1').patchCoverage, {
        covered: 1,
        total: 1,
        missing: [],
      });
      // clamp's patch adds `if x > hi:` (run by test_clamp_inside) and `return hi` (line 11).
      assert.deepEqual(instance(whole, 'synthetic__calc-2').patchCoverage, {
        covered: 1,
        total: 2,
        missing: [{ file: 'calc/stats.py', lines: [11] }],
      });
      assert.deepEqual(whole.patchCoverage, { covered: 2, total: 3, share: 2 / 3 });
      assert.equal(whole.tests.kept, 5);
      assert.equal(whole.tests.failToPass, 1);
    });

    it('reports an environment that cannot be set up with its log, and never reviews it', () => {
      const broken = instance(whole, 'synthetic__broken-1');
      assert.equal(
        broken.reason,
        'the setup command failed (exit code 1): python -m pip install -e .',
      );
      assert.match(
        broken.environment?.logTail ?? '',
        /synthetic build failure: the extension needs a C compiler/,
      );
      assert.equal(broken.environment?.log, 'instances/synthetic__broken-1/setup.log');
      const log = readFileSync(path.join(wholeOut, broken.environment!.log!), 'utf8');
      assert.match(log, /^\$ python -m pip install -e \.\n/);
      assert.match(log, /\[exit code 1\]/);
      assert.equal(broken.patchCoverage, null);
      assert.ok(!server.requests.some((r) => r.prompt.includes('shout')));
    });

    it('shows the issue text to the generation prompts', () => {
      const prompt = (name: string) =>
        server.requests.find((r) =>
          r.prompt.includes(`Write pytest tests for the Python function \`${name}\``),
        )?.prompt ?? '';
      assert.ok(prompt('mean').includes(CALC_ISSUE));
      assert.ok(prompt('clamp').includes(CLAMP_ISSUE));
      assert.ok(!prompt('mean').includes(CLAMP_ISSUE));
    });

    it('installs each environment once, into a venv that holds the project', () => {
      const calc1 = instance(whole, 'synthetic__calc-1').environment!;
      const calc2 = instance(whole, 'synthetic__calc-2').environment!;
      assert.equal(calc1.key, calc2.key);
      assert.deepEqual([calc1.cached, calc2.cached], [false, true]);
      assert.equal(calc1.setupCommand, 'python -m pip install -e .');
      const venv = path.join(cacheDir, 'swebench', 'envs', calc1.key, 'venv');
      const sitePackages = execFileSync(
        path.join(venv, 'bin', 'python'),
        ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        { encoding: 'utf8' },
      ).trim();
      // pip install -e . installed the project's editable wheel (its .pth) into the venv.
      assert.ok(existsSync(path.join(sitePackages, 'synthetic_project.pth')));
      // The broken environment was removed, to be rebuilt by the next run.
      const broken = instance(whole, 'synthetic__broken-1').environment!;
      assert.ok(!existsSync(path.join(cacheDir, 'swebench', 'envs', broken.key)));
    });

    it("keeps each instance's review next to the results", () => {
      const dir = path.join(wholeOut, instance(whole, 'synthetic__calc-1').reviewDir!);
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
        base: string;
        head: string;
      };
      assert.equal(report.base, instance(whole, 'synthetic__calc-1').baseCommit);
      assert.equal(report.head, instance(whole, 'synthetic__calc-1').headCommit);
      assert.deepEqual(readdirSync(path.join(dir, 'tests')), ['test_calc_stats__mean.py']);
    });

    it("leaves the user's clones as they were", () => {
      assert.deepEqual([cloneState(world.calc.dir), cloneState(world.broken.dir)], clonesBefore);
    });

    it('writes results.json, summary.md, the history and the gate', async () => {
      const history = path.join(tempDir('semcoder-swebench-history-'), 'history.json');
      const now = new Date('2025-03-01T00:00:00Z');
      const report = await writeBenchReport(wholeOut, swebenchReport(whole), {
        historyFile: history,
        runId: 'run-1',
        now,
        gate: { failBelow: 60 },
      });
      const written = swebenchResultsSchema.parse(
        JSON.parse(readFileSync(report.resultsFile, 'utf8')),
      );
      assert.deepEqual(written, JSON.parse(JSON.stringify(whole)));
      assert.equal(report.gate?.failed, true);
      assert.match(report.gate!.messages[0]!, /success rate is 50\.0%, below --fail-below 60\.0%/);
      assert.equal(report.appended, true);
      const summary = readFileSync(report.summaryFile, 'utf8');
      assert.match(summary, /\| success rate \(fail-to-pass\) \| 50\.0% \(1\/2 evaluated\) \|/);
      assert.match(summary, /\| `synthetic__calc-2` \| no-success \| 0 \| 0 \| 50% \(1\/2\) \|/);
      assert.match(summary, /<details><summary>synthetic__broken-1: the setup command failed/);
      assert.match(summary, /### Regression gate: failed/);
      const entries = (await readHistory(history)).runs;
      assert.deepEqual(
        entries.map((e) => [e.runId, e.suite, e.metrics, e.tasks, e.samples]),
        [['run-1', 'swebench', { successRate: 0.5, patchCoverage: 2 / 3 }, 2, 3]],
      );
      const again = await writeBenchReport(wholeOut, swebenchReport(whole), {
        historyFile: history,
        runId: 'run-1',
        now,
        gate: {},
      });
      assert.equal(again.appended, false, 'a re-run job is counted once');
    });
  });

  describe('shards and merge, through the CLI', () => {
    it('bench run --shard splits the instances, and bench merge equals the whole run', async () => {
      const first = tempDir('semcoder-swebench-shard1-');
      const second = tempDir('semcoder-swebench-shard2-');
      const shards = await Promise.all([
        runCli(runFlags(first, '--shard', '1/2', '--run-id', 's1')),
        runCli(runFlags(second, '--shard', '2/2', '--run-id', 's2')),
      ]);
      for (const shard of shards) assert.equal(shard.code, 0, shard.stderr);
      assert.match(shards[0]!.stderr, /\[1\/2\] synthetic__broken-1 environment-error/);
      assert.match(shards[1]!.stderr, /\[1\/1\] synthetic__calc-1 success/);
      assert.deepEqual(
        [first, second].map((dir) => Object.keys(readResults(dir).results)),
        [['synthetic__broken-1', 'synthetic__calc-2'], ['synthetic__calc-1']],
      );

      const out = tempDir('semcoder-swebench-merged-');
      const history = path.join(out, 'history.json');
      const merge = await runCli([
        'bench',
        'merge',
        '--out',
        out,
        second,
        first,
        '--fail-below',
        '40',
        '--history',
        history,
        '--run-id',
        'merged-1',
      ]);
      assert.equal(merge.code, 0, merge.stderr);
      const merged = readResults(out);
      assert.deepEqual(merged.merged, { shards: [1, 2], count: 2 });
      assert.deepEqual(statuses(merged), statuses(whole));
      for (const key of ['counts', 'evaluated', 'successRate', 'patchCoverage', 'tests'] as const) {
        assert.deepEqual(merged[key], whole[key], key);
      }
      for (const id of Object.keys(whole.results)) {
        // The gold patch commit is made with fixed dates: the same sha on every run.
        assert.equal(merged.results[id]!.headCommit, whole.results[id]!.headCommit);
        assert.deepEqual(merged.results[id]!.tests, whole.results[id]!.tests);
      }
      assert.match(merge.stdout, /success rate: 50\.0% of 2 evaluated/);
      const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
      assert.match(summary, /merged from 2 shards/);
      assert.match(summary, /### Regression gate: passed/);
      assert.match(summary, /title "SWE-bench fail-to-pass \(%\)"/);
      const [entry] = (await readHistory(history)).runs;
      assert.deepEqual(
        [entry?.runId, entry?.suite, entry?.metrics?.successRate, entry?.tasks],
        ['merged-1', 'swebench', 0.5, 2],
      );

      const twice = await runCli(['bench', 'merge', '--out', out, first, first]);
      assert.equal(twice.code, 2);
      assert.match(twice.stderr, /both shard 1\/2/);
      const whole2 = await runCli(['bench', 'merge', '--out', out, first, wholeOut]);
      assert.equal(whole2.code, 2);
      assert.match(whole2.stderr, /is not a shard: it was not run with --shard K\/N/);
    });
  });

  describe('other paths', () => {
    it('--setup-command replaces the install; --instances picks instances and names unknown ids', async () => {
      const command = 'python -c "print(\'nothing to install: imported from the checkout\')"';
      const results = await runSwebenchTrack(
        options({
          selection: { instances: ['synthetic__broken-1', 'nope__nope-1'], limit: null },
          setupCommand: command,
        }),
      );
      assert.deepEqual(statuses(results), { 'synthetic__broken-1': 'success' });
      const broken = instance(results, 'synthetic__broken-1');
      assert.equal(broken.environment?.setupCommand, command);
      assert.deepEqual(transitions(broken), {
        test_shout_adds_bang: 'failed passed fail-to-pass model',
      });
      assert.deepEqual(results.skipped, [
        { instanceId: 'nope__nope-1', reason: 'not in the dataset (--instances)' },
      ]);
      assert.deepEqual(results.setup, { command, timeoutSec: 120 });
    });

    it('installs pytest and coverage.py when the project brings versions too old, and reports when it cannot', async () => {
      // A project pinning pytest 6 installs it into the venv, where it shadows the tool's.
      const fakeOldPytest = [
        'import os, sysconfig',
        "site = sysconfig.get_paths()['purelib']",
        "open(os.path.join(site, 'pytest.py'), 'w').write('__version__ = \\'6.2.0\\'')",
        "info = os.path.join(site, 'pytest-6.2.0.dist-info')",
        'os.makedirs(info)',
        "open(os.path.join(info, 'METADATA'), 'w').write('Metadata-Version: 2.1\\nName: pytest\\nVersion: 6.2.0\\n')",
        "open(os.path.join(info, 'RECORD'), 'w').write('')",
      ].join('; ');
      const command = `python -c ${JSON.stringify(fakeOldPytest)}`;
      const results = await runSwebenchTrack(
        options({
          selection: { instances: ['synthetic__calc-1'], limit: null },
          setupCommand: command,
        }),
      );
      const calc1 = instance(results, 'synthetic__calc-1');
      assert.equal(calc1.status, 'environment-error');
      assert.match(
        calc1.reason,
        /^pytest >= 7\.0 and coverage\.py >= 7\.5 cannot be installed into the environment \(pip: exit code 1; pytest is 6\.2\.0 \(7\.0 or newer needed\)\)$/,
      );
      // pip tried (and, with no index here, could not download them).
      assert.match(calc1.environment?.logTail ?? '', /pytest>=7\.0/);
    });

    it('clones a repository missing from --repos-dir into the cache, and reports one it cannot clone', async () => {
      const origins = tempDir('semcoder-swebench-origins-');
      execFileSync('git', [
        'clone',
        '--quiet',
        '--bare',
        world.calc.dir,
        path.join(origins, 'synthetic', 'calc.git'),
      ]);
      const run = options({
        selection: { instances: ['synthetic__calc-1', 'synthetic__broken-1'], limit: null },
        reposDir: null,
        cloneBase: `file://${origins}`,
      });
      const results = await runSwebenchTrack(run);
      assert.deepEqual(statuses(results), {
        'synthetic__broken-1': 'error',
        'synthetic__calc-1': 'success',
      });
      assert.match(
        instance(results, 'synthetic__broken-1').reason,
        /^cannot clone file:\/\/.*\/synthetic\/broken\.git: /,
      );
      assert.ok(
        existsSync(path.join(cacheDir, 'swebench', 'clones', 'synthetic__calc.git', 'HEAD')),
      );
      assert.equal(results.successRate, 1, 'errors are not counted as failures');
    });

    it('reports an endpoint that answers nothing as an error, not as no success', async () => {
      const dead = await startScriptedServer({ rules: [] });
      await dead.stop();
      const results = await runSwebenchTrack(
        options({
          selection: { instances: ['synthetic__calc-1'], limit: null },
          review: parseSettings(reviewSettingsSchema, {
            base: 'HEAD',
            endpoint: dead.url,
            requestRetries: 0,
            python: testPython(),
          }),
        }),
      );
      const calc1 = instance(results, 'synthetic__calc-1');
      assert.equal(calc1.status, 'error');
      assert.match(
        calc1.reason,
        /^no model answer for any changed function: generate request failed/,
      );
      assert.deepEqual(
        calc1.functions.map((f) => [
          f.qualname,
          f.kept,
          /generate request failed/.test(f.skipped ?? ''),
        ]),
        [['mean', 0, true]],
      );
      assert.equal(results.successRate, null);
    });

    it('bench run --suite swebench: flags in, exit code 1 when the gate fails', async () => {
      const out = tempDir('semcoder-swebench-cli-');
      const run = await runCli(
        runFlags(out, '--instances', 'synthetic__calc-2', '--fail-below', '10'),
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /\[1\/1\] synthetic__calc-2 no-success: no kept test/);
      assert.match(run.stderr, /success rate is 0\.0%, below --fail-below 10\.0%/);
      assert.match(run.stdout, /wrote .*results\.json and .*summary\.md/);
      assert.deepEqual(statuses(readResults(out)), { 'synthetic__calc-2': 'no-success' });

      const noIds = await runCli(runFlags(out, '--instances', ' , '));
      assert.equal(noIds.code, 2);
      // Only the flags of this suite are refused here; the common ones in bench-run-settings.
      assert.match(noIds.stderr, /--instances: give instance ids/);
    });
  });
});
