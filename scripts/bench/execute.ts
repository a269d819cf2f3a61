// npm run bench:execute — 200 trivial generated tests over 20 functions, run through the
// executor (sandbox, coverage.py with per-test contexts, 2 reruns of passing tests) and
// through a bare `python -m pytest` of the same files; prints the ratio (target: <= 1.5x).
// Rounds alternate between the two, so a busy machine slows both alike; wall time only (no
// memory sampling, which would load the machine itself).
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_EXECUTE_OPTIONS, Executor } from '../../src/execute/executor.js';
import type { TargetFunction, TestFile } from '../../src/execute/types.js';
import { TestRepo } from '../../__tests__/support/git-repo.js';
import { testPython } from '../../__tests__/support/python.js';
import { spawn } from 'node:child_process';

const FUNCTIONS = 20;
const TESTS_PER_FUNCTION = 10;
const ROUNDS = 7;

function moduleSource(i: number): string {
  return (
    `def clamp_${i}(value, low=0, high=${100 + i}):\n` +
    `    """Clamp value into [low, high]."""\n` +
    `    if value < low:\n` +
    `        return low\n` +
    `    if value > high:\n` +
    `        return high\n` +
    `    return value\n`
  );
}

function testSource(i: number): string {
  const lines = [`from pkg.mod_${i} import clamp_${i}\n`];
  for (let t = 0; t < TESTS_PER_FUNCTION; t++) {
    const value = t * 25 - 20;
    const expected = Math.min(Math.max(value, 0), 100 + i);
    lines.push(`\ndef test_clamp_${t}():\n    assert clamp_${i}(${value}) == ${expected}\n`);
  }
  return lines.join('');
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bare pytest failed (${code}): ${output}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const repo = new TestRepo('semcoder-bench-execute-');
const bare = mkdtempSync(path.join(os.tmpdir(), 'semcoder-bench-bare-'));
try {
  const files: Record<string, string> = { 'pkg/__init__.py': '' };
  for (let i = 0; i < FUNCTIONS; i++) files[`pkg/mod_${i}.py`] = moduleSource(i);
  const head = repo.commit(files);
  const functions: TargetFunction[] = Array.from({ length: FUNCTIONS }, (_, i) => ({
    id: `f${i}`,
    file: `pkg/mod_${i}.py`,
    qualname: `clamp_${i}`,
    start: 1,
    end: 7,
    changedLines: [3, 4, 5, 6, 7],
    importRoot: '',
  }));
  const tests: TestFile[] = functions.map((fn, i) => ({
    name: `test_pkg_mod_${i}__clamp_${i}.py`,
    content: testSource(i),
    functionId: fn.id,
  }));

  // The baseline: the same files, one plain pytest process.
  mkdirSync(path.join(bare, 'tests'));
  for (const test of tests) writeFileSync(path.join(bare, 'tests', test.name), test.content);
  const pytestArgs = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(bare, 'tests')];
  const env = { ...process.env, PYTHONPATH: repo.dir };

  const createStarted = process.hrtime.bigint();
  const executor = await Executor.create(repo.dir, head, {
    ...DEFAULT_EXECUTE_OPTIONS,
    python: testPython(),
  });
  const createSeconds = Number(process.hrtime.bigint() - createStarted) / 1e9;
  const baseline: number[] = [];
  const executed: number[] = [];
  let isolation = '';
  try {
    // Round 0 warms the page cache and both interpreters; it is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      const bareSeconds = await timed(testPython(), pytestArgs, env);
      const started = process.hrtime.bigint();
      const result = await executor.run(functions, tests);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      assert.equal(result.tests.length, FUNCTIONS * TESTS_PER_FUNCTION);
      const bad = result.tests.filter((t) => t.outcome !== 'passed');
      assert.equal(bad.length, 0, JSON.stringify(bad.slice(0, 3)));
      assert.ok(Object.values(result.coverage).every((c) => c.lines.covered === c.lines.total));
      const landlock = result.isolation.landlock
        ? `Landlock ABI ${result.isolation.landlock}`
        : 'no Landlock';
      isolation = `${result.isolation.network} network, ${result.isolation.processes}, ${landlock}`;
      if (round > 0) {
        baseline.push(bareSeconds);
        executed.push(seconds);
      }
    }
  } finally {
    await executor.dispose();
  }

  const ratio = median(executed) / median(baseline);
  const list = (values: number[]) => values.map((s) => s.toFixed(2)).join(', ');
  console.log(
    `execute: ${FUNCTIONS * TESTS_PER_FUNCTION} tests over ${FUNCTIONS} functions, ${os.cpus().length} cores, ${isolation}`,
  );
  console.log(`  bare pytest:        median ${median(baseline).toFixed(2)} s (${list(baseline)})`);
  console.log(
    `  executor.run():     median ${median(executed).toFixed(2)} s (${list(executed)}) — coverage, ${DEFAULT_EXECUTE_OPTIONS.reruns} reruns`,
  );
  console.log(
    `  Executor.create():  ${createSeconds.toFixed(2)} s (once per review: interpreter check, checkout, warm supervisor)`,
  );
  console.log(`  ratio: ${ratio.toFixed(2)}x — target <= 1.5x`);
} finally {
  repo.remove();
  rmSync(bare, { recursive: true, force: true });
}
