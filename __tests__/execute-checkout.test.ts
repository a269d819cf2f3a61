import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { gitDirs, sandboxParent } from '../src/execute/checkout.js';
import { DEFAULT_EXECUTE_OPTIONS, Executor } from '../src/execute/executor.js';
import { Supervisor, type SupervisorRequest } from '../src/execute/supervisor.js';
import type { ExecuteOptions, ExecuteResult, TargetFunction } from '../src/execute/types.js';
import { runCli } from './support/cli.js';
import { py, TestRepo } from './support/git-repo.js';
import { startScriptedServer } from './support/openai-server.js';
import { testPython } from './support/python.js';

const ADD: TargetFunction = {
  id: 'add',
  file: 'pkg/calc.py',
  qualname: 'add',
  start: 1,
  end: 2,
  changedLines: [2],
  importRoot: '',
};

function options(overrides: Partial<ExecuteOptions> = {}): ExecuteOptions {
  return { ...DEFAULT_EXECUTE_OPTIONS, python: testPython(), ...overrides };
}

/** Every path under dir (the .git folder included) with its type, mode and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = lstatSync(full);
      const key = path.relative(dir, full);
      if (stat.isDirectory()) {
        out[key] = `dir ${stat.mode}`;
        walk(full);
      } else if (stat.isSymbolicLink()) out[key] = `link ${readlinkSync(full)}`;
      else {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex');
        out[key] = `file ${stat.mode} ${hash}`;
      }
    }
  };
  walk(dir);
  return out;
}

describe('executor: tests run in a throwaway copy of head, never in the working tree', () => {
  const repo = new TestRepo('semcoder-exec-checkout-');
  let before1: Record<string, string>;
  let first: ExecuteResult;
  let second: ExecuteResult;

  before(async () => {
    const head = repo.commit({
      'pkg/__init__.py': '',
      'pkg/calc.py': 'def add(a, b):\n    return a + b\n',
    });
    // Uncommitted work the tests must neither see nor touch.
    repo.write({
      'pkg/calc.py': 'def add(a, b):\n    return a - b  # work in progress\n',
      'notes.txt': 'untracked\n',
    });
    before1 = snapshot(repo.dir);
    const executor = await Executor.create(repo.dir, head, options());
    try {
      first = await executor.run(
        [ADD],
        [
          {
            name: 'test_vandal.py',
            functionId: 'add',
            content: py`
              import os
              import shutil
              from pathlib import Path

              import pkg.calc
              from pkg.calc import add

              MODULE = Path(pkg.calc.__file__)


              def test_sees_head_not_the_working_tree():
                  assert add(2, 1) == 3


              def test_writes_and_overwrites_next_to_the_module():
                  (MODULE.parent / "evil.txt").write_text("x")
                  MODULE.write_text("def add(a, b):\\n    return 0\\n")
                  assert add(1, 1) == 2


              # Reruns repeat every test: these must hold when the damage is already done.
              def test_deletes_files():
                  (MODULE.parent / "__init__.py").unlink(missing_ok=True)
                  (Path.cwd() / "notes.txt").unlink(missing_ok=True)
                  assert add(1, 1) == 2


              def test_renames_the_package():
                  if MODULE.parent.exists():
                      MODULE.parent.rename(MODULE.parent.with_name("pkg_moved"))
                  assert add(1, 1) == 2


              def test_walks_up_and_writes_there():
                  for parent in list(Path.cwd().parents)[:2]:
                      try:
                          (parent / "escaped.txt").write_text("x")
                      except OSError:
                          pass
                  assert add(1, 1) == 2
            `,
          },
        ],
      );
      second = await executor.run(
        [ADD],
        [
          {
            name: 'test_fresh.py',
            functionId: 'add',
            content: py`
              from pathlib import Path

              import pkg.calc


              def test_gets_a_fresh_copy():
                  here = Path(pkg.calc.__file__).parent
                  assert not (here / "evil.txt").exists()
                  assert (here / "__init__.py").exists()
                  assert "return a + b" in (here / "calc.py").read_text()
            `,
          },
        ],
      );
    } finally {
      await executor.dispose();
    }
  });
  after(() => repo.remove());

  it('runs the committed code, not uncommitted work', () => {
    const test = first.tests.find((t) => t.name === 'test_sees_head_not_the_working_tree');
    assert.equal(test?.outcome, 'passed', test?.message);
  });

  it('lets tests vandalise their copy', () => {
    assert.deepEqual(
      first.tests.map((t) => t.outcome),
      ['passed', 'passed', 'passed', 'passed', 'passed'],
    );
  });

  it('leaves the working tree and .git byte-for-byte unchanged', () => {
    assert.deepEqual(snapshot(repo.dir), before1);
  });

  it('gives every run a fresh copy', () => {
    assert.equal(second.tests[0]?.outcome, 'passed', second.tests[0]?.message);
  });

  it('reports coverage from the untouched checkout even after the module was overwritten', () => {
    assert.deepEqual(first.coverage.add?.lines, { covered: 1, total: 1 });
  });
});

describe('executor: the total time budget', () => {
  it('stops the run when the budget runs out and reports what finished', async () => {
    const repo = new TestRepo('semcoder-exec-budget-');
    try {
      const head = repo.commit({
        'pkg/__init__.py': '',
        'pkg/calc.py': 'def add(a, b):\n    return a + b\n',
      });
      const executor = await Executor.create(
        repo.dir,
        head,
        options({ budgetSec: 3, testTimeoutSec: 10, reruns: 0, workers: 1 }),
      );
      const body = Array.from(
        { length: 12 },
        (_, i) => `def test_slow_${i}():\n    time.sleep(0.5)\n    assert add(1, 1) == 2\n`,
      ).join('\n\n');
      let result: ExecuteResult;
      try {
        result = await executor.run(
          [ADD],
          [
            {
              name: 'test_slow.py',
              functionId: 'add',
              content: `import time\n\nfrom pkg.calc import add\n\n\n${body}`,
            },
          ],
        );
      } finally {
        await executor.dispose();
      }
      assert.equal(result.tests.length, 12);
      assert.match(result.incomplete ?? '', /did not run: the time budget of 3 s ran out/);
      const notRun = result.tests.filter((t) => t.notRun);
      assert.ok(notRun.length > 0);
      for (const test of notRun) {
        assert.equal(test.outcome, 'timeout');
        assert.match(test.message, /^not run: /);
      }
      for (const test of result.tests.filter((t) => !t.notRun)) {
        assert.ok(['passed', 'timeout'].includes(test.outcome), test.message);
        if (test.outcome === 'timeout') assert.match(test.message, /total time budget ran out/);
      }
    } finally {
      repo.remove();
    }
  });
});

describe('Executor.create: what it refuses, and how it says so', () => {
  const repo = new TestRepo('semcoder-exec-create-');
  let head = '';
  const venv = mkdtempSync(path.join(os.tmpdir(), 'semcoder-venv-'));

  before(() => {
    head = repo.commit({
      'pkg/__init__.py': '',
      'pkg/calc.py': 'def add(a, b):\n    return a + b\n',
    });
    execFileSync(testPython(), ['-m', 'venv', '--without-pip', venv]);
  });
  after(() => {
    repo.remove();
    rmSync(venv, { recursive: true, force: true });
  });

  it('names an interpreter without pytest and coverage.py, and the command that installs them', async () => {
    const python = path.join(venv, 'bin', 'python');
    await assert.rejects(Executor.create(repo.dir, head, options({ python })), (error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, 2);
      assert.ok(error.message.includes(`'${python}'`), error.message);
      assert.match(error.message, /pytest is not installed; coverage\.py is not installed/);
      assert.ok(error.message.includes(`${python} -m pip install 'pytest>=7.0' 'coverage>=7.5'`));
      return true;
    });
  });

  it('review stops on such an interpreter before asking the model anything, endpoint down or not', async () => {
    // A second commit changes add(), so there is something to review.
    const reviewed = new TestRepo('semcoder-exec-probe-');
    const server = await startScriptedServer({ rules: [] });
    const dead = await startScriptedServer({ rules: [] });
    await dead.stop();
    try {
      const base = reviewed.commit({
        'pkg/__init__.py': '',
        'pkg/calc.py': 'def add(a, b):\n    return 0\n',
      });
      reviewed.commit({ 'pkg/calc.py': 'def add(a, b):\n    return a + b\n' });
      const python = path.join(venv, 'bin', 'python');
      for (const endpoint of [server.url, dead.url]) {
        const result = await runCli([
          'review',
          ...['--repo', reviewed.dir, '--base', base, '--endpoint', endpoint],
          ...['--python', python, '--out', path.join(venv, 'out'), '--request-retries', '0'],
        ]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /pytest is not installed; coverage\.py is not installed/);
      }
      assert.equal(server.requests.length, 0, 'no model request before the interpreter check');
    } finally {
      reviewed.remove();
      await server.stop();
    }
  });

  it('names an interpreter that does not exist', async () => {
    const python = path.join(venv, 'no-such-python');
    await assert.rejects(Executor.create(repo.dir, head, options({ python })), (error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /no-such-python' was not found/);
      return true;
    });
  });

  it('refuses a head that is not a commit of the repository', async () => {
    await assert.rejects(
      Executor.create(repo.dir, 'no-such-branch', options()),
      (error) => error instanceof UsageError && /no-such-branch: not a commit/.test(error.message),
    );
  });

  it('refuses to pass a secret-looking variable to tests', async () => {
    await assert.rejects(
      Executor.create(repo.dir, head, options({ passEnv: ['GITHUB_TOKEN'] })),
      (error) => error instanceof UsageError && /looks like a secret/.test(error.message),
    );
  });

  it('refuses test file names pytest would not collect, or that leave the tests folder', async () => {
    const executor = await Executor.create(repo.dir, head, options());
    try {
      for (const name of ['conftest.py', '../test_x.py', 'check_x.py', 'test_x.txt']) {
        await assert.rejects(
          executor.run([ADD], [{ name, functionId: 'add', content: '' }]),
          /must match test_<word>\.py/,
        );
      }
      await assert.rejects(
        executor.run([ADD], [{ name: 'test_x.py', functionId: 'other', content: '' }]),
        /unknown function other/,
      );
    } finally {
      await executor.dispose();
    }
  });
});

describe('where sandboxes live, and what tests may not read', () => {
  const repo = new TestRepo('semcoder-exec-places-');
  const saved = process.env.TMPDIR;
  after(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    repo.remove();
  });

  it('puts sandboxes outside the checkout, even when TMPDIR points into it', async () => {
    repo.commit({ 'a.py': '' });
    const inside = path.join(repo.dir, 'tmp');
    mkdirSync(inside);
    process.env.TMPDIR = inside;
    const parent = await sandboxParent(repo.dir);
    const real = realpathSync(repo.dir);
    assert.ok(!parent.startsWith(real + path.sep) && parent !== real, parent);
    delete process.env.TMPDIR;
    assert.equal(await sandboxParent(repo.dir), realpathSync(os.tmpdir()));
  });

  it('hides the working tree and the git folder of a linked worktree', async () => {
    const linked = path.join(mkdtempSync(path.join(os.tmpdir(), 'semcoder-linked-')), 'wt');
    repo.git('worktree', 'add', '-q', linked);
    try {
      const hidden = await gitDirs(linked);
      assert.deepEqual(
        hidden.sort(),
        [realpathSync(linked), realpathSync(path.join(repo.dir, '.git'))].sort(),
      );
    } finally {
      repo.git('worktree', 'remove', '--force', linked);
      rmSync(path.dirname(linked), { recursive: true, force: true });
    }
  });
});

describe('the supervisor process: failures are reported, never hung on', () => {
  const request = (sandbox: string): SupervisorRequest => ({
    sandbox,
    pristine: sandbox,
    env: { PATH: process.env.PATH ?? '' },
    tests: [{ file: 'test_missing.py', functionId: 'add' }],
    functions: [ADD],
    options: {
      testTimeoutSec: 5,
      budgetSec: 30,
      reruns: 0,
      workers: 1,
      memoryBytes: DEFAULT_EXECUTE_OPTIONS.memoryBytes,
      fileSizeBytes: DEFAULT_EXECUTE_OPTIONS.fileSizeBytes,
      processes: DEFAULT_EXECUTE_OPTIONS.maxProcesses,
      outputBytes: DEFAULT_EXECUTE_OPTIONS.outputBytes,
      isolation: 'auto',
      landlock: true,
    },
  });

  it('reports a request it could not serve, then serves the next one', async () => {
    const supervisor = new Supervisor(testPython(), { PATH: process.env.PATH ?? '' });
    try {
      await assert.rejects(
        supervisor.run(request('/nonexistent/sandbox')),
        /the test supervisor failed: FileNotFoundError/,
      );
      await assert.rejects(supervisor.run(request('/nonexistent/again')), /FileNotFoundError/);
    } finally {
      await supervisor.close();
    }
  });

  it('reports a supervisor that exits', async () => {
    const supervisor = new Supervisor('/bin/false', {});
    await assert.rejects(supervisor.run(request('/tmp')), /the test supervisor exited \(code 1\)/);
    await supervisor.close();
  });

  it('reports an interpreter that cannot start', async () => {
    const supervisor = new Supervisor('/nonexistent/python', {});
    await assert.rejects(supervisor.run(request('/tmp')), /could not start \/nonexistent\/python/);
  });
});
