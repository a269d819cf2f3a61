import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../src/report/types.js';
import { runCli, type CliResult } from './support/cli.js';
import { py, TestRepo } from './support/git-repo.js';
import { startScriptedServer, type ScriptedServer } from './support/openai-server.js';
import { testPython } from './support/python.js';

// A module the pull request changes cannot be imported in the job's environment (a missing
// dependency, a module-level lookup of configuration): its tests all error before reaching the
// function. That is the environment's problem, not a crash of the function: the function is
// skipped with the reason and what to do, no edge case is reported, and no repair is asked for.
// The scripted answers are written for this test and say nothing about the model's quality.
describe('review: a module under test that cannot be imported', () => {
  let repo: TestRepo;
  let server: ScriptedServer;
  let out: string;
  let result: CliResult;
  let report: Report;

  before(async () => {
    repo = new TestRepo('semcoder-review-env-');
    const base = repo.commit({
      'pkg/__init__.py': '',
      'pkg/needs.py': py`
        def f(x):
            """Return x plus one."""
            return x
      `,
      'pkg/config.py': py`
        def port():
            """The port to listen on."""
            return 80
      `,
      'pkg/fine.py': py`
        def g(x):
            """Return twice x."""
            return x
      `,
    });
    repo.commit({
      'pkg/needs.py': py`
        import not_installed_dep


        def f(x):
            """Return x plus one."""
            return x + 1
      `,
      'pkg/config.py': py`
        import os

        SETTINGS = os.environ["SEMCODER_TEST_UNSET_SETTING"]


        def port():
            """The port to listen on."""
            return 8080
      `,
      'pkg/fine.py': py`
        def g(x):
            """Return twice x."""
            return 2 * x
      `,
    });
    server = await startScriptedServer({
      rules: [
        {
          match: /`f` of module/,
          reply: {
            text: 'from pkg.needs import f\n\n\ndef test_f_one():\n    assert f(1) == 2\n\n\ndef test_f_zero():\n    assert f(0) == 1\n```\n',
          },
        },
        {
          match: /`port` of module/,
          reply: {
            text: 'from pkg.config import port\n\n\ndef test_port():\n    assert port() == 8080\n```\n',
          },
        },
        {
          match: /`g` of module/,
          reply: {
            text: 'from pkg.fine import g\n\n\ndef test_g():\n    assert g(2) == 4\n```\n',
          },
        },
      ],
    });
    out = mkdtempSync(path.join(os.tmpdir(), 'semcoder-review-env-out-'));
    result = await runCli([
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
      '--fail-on',
      'edge-cases',
    ]);
    report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
  });

  after(async () => {
    await server.stop();
    repo.remove();
    rmSync(out, { recursive: true, force: true });
  });

  const fn = (qualname: string) => {
    const found = report.functions.find((f) => f.qualname === qualname);
    assert.ok(found, `${qualname} in the report`);
    return found;
  };

  it('skips the function with the import error and what to do', () => {
    assert.match(
      fn('f').skipped ?? '',
      /^pkg\.needs could not be imported: ModuleNotFoundError: No module named 'not_installed_dep'.*install the project's dependencies/,
    );
    assert.match(
      fn('port').skipped ?? '',
      /^pkg\.config could not be imported: KeyError: 'SEMCODER_TEST_UNSET_SETTING'/,
    );
  });

  it('reports no edge case for it, so fail-on edge-cases does not trip', () => {
    assert.deepEqual(fn('f').edgeCases, []);
    assert.deepEqual(fn('port').edgeCases, []);
    assert.equal(result.code, 0, result.stderr);
  });

  it('asks for nothing more (no repair, no deepening) for tests that cannot reach it', () => {
    const kinds = server.requests.map(
      (r) => /Write more pytest tests|\[Refined\]|Simulate/.exec(r.prompt)?.[0] ?? 'generate',
    );
    assert.equal(server.requests.length, 3, `one generation each, got: ${kinds.join(' | ')}`);
  });

  it('still reviews the functions whose module imports', () => {
    const g = fn('g');
    assert.equal(g.skipped, null);
    assert.equal(g.counts.passed, 1);
  });

  it('says so in the comment', () => {
    const comment = readFileSync(path.join(out, 'comment.md'), 'utf8');
    assert.match(comment, /pkg\.needs could not be imported/);
  });
});
