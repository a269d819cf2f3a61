import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import {
  classifyRun,
  classifyTest,
  oneLine,
  type ClassifyContext,
} from '../src/execute/classify.js';
import { checkPassEnv, looksSecret, redactor, sandboxEnv } from '../src/execute/environment.js';
import { redactStrings } from '../src/secrets.js';
import {
  parseSupervisorOutput,
  type ExceptionFacts,
  type Frame,
  type RunFacts,
  type TestFacts,
} from '../src/execute/facts.js';
import { interpreterProblem } from '../src/execute/interpreter.js';
import type { Outcome } from '../src/execute/types.js';

const ctx: ClassifyContext = {
  target: { file: 'pkg/mod.py', qualname: 'f', start: 3, end: 9 },
  expectedRuns: 3,
  incomplete: null,
};

const TEST: Frame = { file: 'test_mod.py', line: 7, function: 'test_it', where: 'test' };
const IN_F: Frame = { file: 'pkg/mod.py', line: 5, function: 'f', where: 'repo' };
const HELPER: Frame = { file: 'pkg/mod.py', line: 20, function: 'helper', where: 'repo' };
const OTHER: Frame = { file: 'pkg/other.py', line: 2, function: 'g', where: 'repo' };
const LIB: Frame = {
  file: '/usr/lib/python3/json/decoder.py',
  line: 9,
  function: 'decode',
  where: 'lib',
};
const FIXTURE: Frame = { file: 'test_mod.py', line: 3, function: 'data', where: 'test' };

function exc(
  type: string,
  message: string,
  frames: Frame[],
  extra: Partial<ExceptionFacts> = {},
): ExceptionFacts {
  return {
    type,
    module: 'builtins',
    message,
    frames,
    errno: null,
    network: false,
    assertion: null,
    ...extra,
  };
}

const failed = (
  e: ExceptionFacts | null,
  phase: 'setup' | 'call' | 'teardown' = 'call',
): RunFacts => ({
  outcome: 'failed',
  phase,
  exc: e,
  durationMs: 2,
});

interface Row {
  name: string;
  run: RunFacts;
  outcome: Outcome;
  message: RegExp;
  check?: (verdict: ReturnType<typeof classifyRun>) => void;
}

const ROWS: Row[] = [
  {
    name: 'a passing run',
    run: { outcome: 'passed', durationMs: 1 },
    outcome: 'passed',
    message: /^passed$/,
  },
  {
    name: 'an assertion in the test, with the values pytest saw',
    run: failed(
      exc('AssertionError', 'assert 3 == 2\n +  where 3 = f(1)', [TEST], {
        assertion: {
          source: 'assert f(1) == 2',
          call: 'f(1)',
          expectedSource: '2',
          side: 'left',
          actual: '3',
          expected: '2',
        },
      }),
    ),
    outcome: 'failed',
    message: /^assert f\(1\) == 2 \(actual 3, expected 2\)$/,
    check: (v) => assert.deepEqual(v.assertion, { call: 'f(1)', expected: '2', actual: '3' }),
  },
  {
    name: "an assertion with the test's own explanation",
    run: failed(
      exc('AssertionError', 'lists differ\nassert [1] == [2]', [TEST], {
        assertion: {
          source: 'assert f(1) == [2], "lists differ"',
          call: 'f(1)',
          expectedSource: '[2]',
          side: 'left',
        },
      }),
    ),
    outcome: 'failed',
    message: /^assert f\(1\) == \[2\], "lists differ": lists differ$/,
    check: (v) => assert.deepEqual(v.assertion, { call: 'f(1)', expected: '[2]' }),
  },
  {
    name: 'an assert statement inside the code under test',
    run: failed(exc('AssertionError', 'invariant', [TEST, IN_F])),
    outcome: 'error',
    message: /^AssertionError: invariant \(at pkg\/mod\.py:5 in f\)$/,
  },
  {
    name: "pytest.raises that did not raise (pytest's Failed passes for a builtin)",
    run: failed(
      exc('Failed', "DID NOT RAISE <class 'ValueError'>", [TEST], {
        assertion: {
          source: 'pytest.raises(ValueError)',
          call: 'f(-1)',
          expectedSource: 'raises ValueError',
          side: null,
        },
      }),
    ),
    outcome: 'failed',
    message: /^DID NOT RAISE <class 'ValueError'> \(f\(-1\)\)$/,
    check: (v) =>
      assert.deepEqual(v.assertion, {
        call: 'f(-1)',
        expected: 'raises ValueError',
        actual: 'no exception',
      }),
  },
  {
    name: 'an exception raised in the function under test',
    run: failed(exc('ZeroDivisionError', 'division by zero', [TEST, IN_F])),
    outcome: 'error',
    message: /^ZeroDivisionError: division by zero \(at pkg\/mod\.py:5 in f\)$/,
    check: (v) =>
      assert.deepEqual(v.exception, {
        type: 'ZeroDivisionError',
        message: 'division by zero',
        file: 'pkg/mod.py',
        line: 5,
        function: 'f',
      }),
  },
  {
    name: 'an exception from a helper of the module, through the function',
    run: failed(exc('KeyError', "'x'", [TEST, IN_F, HELPER, LIB])),
    outcome: 'error',
    message: /at pkg\/mod\.py:5 in f\)$/,
  },
  {
    name: 'an exception from another module the test called directly',
    run: failed(exc('TypeError', 'g() missing 1 required positional argument', [TEST, OTHER])),
    outcome: 'test-error',
    message: /^TypeError: g\(\) missing .* \(at test_mod\.py:7 in test_it\)$/,
  },
  {
    name: 'a NameError in the test body',
    run: failed(exc('NameError', "name 'x' is not defined", [TEST])),
    outcome: 'test-error',
    message: /^NameError: name 'x' is not defined/,
  },
  {
    name: 'a fixture that is not found',
    run: failed(exc('FixtureLookupError', "fixture 'db' not found", []), 'setup'),
    outcome: 'test-error',
    message: /^in setup: FixtureLookupError: fixture 'db' not found$/,
  },
  {
    name: 'an assertion in a fixture is the test breaking, not an oracle failing',
    run: failed(exc('AssertionError', 'assert 0', [FIXTURE]), 'setup'),
    outcome: 'test-error',
    message: /AssertionError/,
  },
  {
    name: 'the code under test raising in a fixture teardown',
    run: failed(exc('RuntimeError', 'closed twice', [FIXTURE, IN_F]), 'teardown'),
    outcome: 'error',
    message: /^RuntimeError: closed twice/,
  },
  {
    name: 'a network access refused by the guard, in the test',
    run: failed(
      exc(
        'SandboxNetworkBlocked',
        "[Errno 111] network access is blocked in the sandbox (connect to ('1.2.3.4', 80))",
        [TEST, LIB],
        { network: true },
      ),
    ),
    outcome: 'test-error',
    message: /network access is blocked in the sandbox \(connect to/,
  },
  {
    name: 'a network access the namespace refused, in the code under test',
    run: failed(
      exc('OSError', '[Errno 101] Network is unreachable', [TEST, IN_F, LIB], {
        network: true,
        errno: 101,
      }),
    ),
    outcome: 'error',
    message:
      /^OSError: \[Errno 101\] Network is unreachable \(network access is blocked in the sandbox\) \(at pkg\/mod\.py:5/,
  },
  {
    name: 'a failure without an exception',
    run: failed(null),
    outcome: 'test-error',
    message: /failed in call/,
  },
  {
    name: 'a test that skips itself',
    run: { outcome: 'skipped', phase: 'call', reason: 'needs numpy' },
    outcome: 'test-error',
    message: /^the test skipped itself: needs numpy$/,
  },
  {
    name: 'an xfail test that failed as it said it would',
    run: { outcome: 'skipped', phase: 'call', reason: 'known bug', xfail: true },
    outcome: 'failed',
    message: /^xfailed: known bug$/,
  },
  {
    name: 'a timeout inside the function under test',
    run: { outcome: 'timeout', phase: 'call', budget: false, timeoutSec: 10, frames: [TEST, IN_F] },
    outcome: 'timeout',
    message: /^timed out after 10 s in pkg\/mod\.py:5 \(f\)$/,
    check: (v) => assert.equal(v.exception?.function, 'f'),
  },
  {
    name: 'a test cut by the total budget',
    run: { outcome: 'timeout', phase: 'call', budget: true, timeoutSec: 10, frames: [] },
    outcome: 'timeout',
    message: /^stopped: the total time budget ran out$/,
  },
  {
    name: 'an import that hangs',
    run: { outcome: 'timeout', phase: 'collect', budget: false, timeoutSec: 5, frames: [TEST] },
    outcome: 'timeout',
    message: /^timed out after 5 s while importing the test file in test_mod\.py:7/,
  },
  {
    name: 'os._exit in the test body',
    run: died({
      note: { kind: 'os._exit', detail: 'os._exit(3)', frames: [TEST] },
      status: 'exited with code 3',
      exitCode: 3,
    }),
    outcome: 'test-error',
    message:
      /^the test process died \(exited with code 3: os\._exit\(3\)\) \(at test_mod\.py:7 in test_it\)$/,
  },
  {
    name: 'a segfault in the code under test',
    run: died({
      fault: { headline: 'Segmentation fault', frames: [TEST, IN_F] },
      status: 'killed by SIGSEGV',
      signal: 11,
    }),
    outcome: 'error',
    message:
      /^the test process died \(killed by SIGSEGV: Segmentation fault\) \(at pkg\/mod\.py:5 in f\)$/,
  },
  {
    name: 'a death during a test with no trace',
    run: died({ status: 'killed by SIGKILL', signal: 9 }),
    outcome: 'error',
    message: /^the test process died \(killed by SIGKILL\)$/,
  },
  {
    name: 'a death while importing the test file, with no trace',
    run: died({ status: 'exited with code 1', exitCode: 1, phase: 'collect' }),
    outcome: 'test-error',
    message: /while importing the test file$/,
  },
  {
    name: 'a death that left a note outside the module under test (its descriptors closed)',
    run: died({
      status: 'exited with code 71',
      exitCode: 71,
      note: {
        kind: 'closed-descriptors',
        detail: "the test closed the test process's own file descriptors",
        frames: [],
      },
    }),
    outcome: 'test-error',
    message: /^the test process died \(exited with code 71: the test closed the test process's own/,
  },
  {
    name: 'a test that killed its parent (the holder), and with it its own process',
    run: died({
      status: 'killed by SIGKILL',
      signal: 9,
      note: { kind: 'os.kill', detail: 'os.kill(parent pid, SIGKILL)', frames: [TEST] },
    }),
    outcome: 'test-error',
    message: /^the test process died \(killed by SIGKILL: os\.kill\(parent pid, SIGKILL\)\)/,
  },
  {
    name: 'the supervisor killed while this test alone was running',
    run: died({ status: 'killed by SIGKILL', supervisorKilled: true }),
    outcome: 'test-error',
    message:
      /^the test supervisor died while this test ran \(killed by SIGKILL\), likely killed by the test$/,
    check: (v) => assert.equal(v.exception?.type, 'SupervisorKilled'),
  },
  {
    name: 'the supervisor killed while this test file was imported',
    run: died({ status: 'killed by SIGKILL', supervisorKilled: true, phase: 'collect' }),
    outcome: 'test-error',
    message: /^the test supervisor died while its file was imported/,
  },
  {
    name: 'an assertion whose values are long: one capped line',
    run: failed(
      exc('AssertionError', 'assert ...', [TEST], {
        assertion: {
          source: 'assert f(1) == 2',
          call: 'f(1)',
          expectedSource: '2',
          side: 'left',
          actual: `'${'x'.repeat(240)}'`,
          expected: `'${'y'.repeat(240)}'`,
        },
      }),
    ),
    outcome: 'failed',
    message: /^assert f\(1\) == 2 \(actual 'x+', expected 'y+\.\.\.$/,
    check: (v) => assert.ok(v.message.length <= 300, String(v.message.length)),
  },
  {
    name: 'a test its worker never reached',
    run: died({
      status: 'exited with code 1',
      exitCode: 1,
      giveUp: true,
      output: 'ImportError: no pytest\n',
    }),
    outcome: 'test-error',
    message:
      /^not run: the test process kept dying before reaching this test \(exited with code 1\): ImportError: no pytest$/,
  },
  {
    name: 'the module under test raising while the test file imports it',
    run: {
      outcome: 'collect-error',
      phase: 'collect',
      exc: exc('ValueError', 'bad config', [TEST, IN_F]),
    },
    outcome: 'error',
    message: /^importing the test file failed: ValueError: bad config \(at pkg\/mod\.py:5/,
  },
  {
    name: 'a test file importing a module that does not exist',
    run: {
      outcome: 'collect-error',
      phase: 'collect',
      exc: exc('ModuleNotFoundError', "No module named 'numpyy'", [TEST]),
    },
    outcome: 'test-error',
    message: /^importing the test file failed: ModuleNotFoundError: No module named 'numpyy'/,
  },
  {
    name: 'a collection error without details',
    run: { outcome: 'collect-error', phase: 'collect', exc: null },
    outcome: 'test-error',
    message: /^importing the test file failed$/,
  },
  {
    name: 'a file that does not parse',
    run: {
      outcome: 'invalid',
      phase: 'collect',
      syntaxError: { message: 'invalid syntax', line: 3 },
    },
    outcome: 'invalid',
    message: /^syntax error at line 3: invalid syntax$/,
  },
];

function died(parts: Partial<Extract<RunFacts, { outcome: 'died' }>>): RunFacts {
  return {
    outcome: 'died',
    phase: 'call',
    status: 'exited with code 0',
    exitCode: null,
    signal: null,
    note: null,
    fault: null,
    output: '',
    stuck: false,
    ...parts,
  };
}

describe('classifyRun: one run of a test, from the facts recorded', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const verdict = classifyRun(row.run, ctx);
      assert.equal(verdict.outcome, row.outcome, verdict.message);
      assert.match(verdict.message, row.message);
      row.check?.(verdict);
    });
  }
});

function facts(runs: RunFacts[], extra: Partial<TestFacts> = {}): TestFacts {
  return {
    file: 'test_mod.py',
    nodeid: 'test_mod.py::test_it',
    name: 'test_it',
    runs,
    notRun: false,
    countedInCoverage: runs.length === 3 && runs.every((r) => r.outcome === 'passed'),
    ...extra,
  };
}

describe('classifyTest: a test over its reruns', () => {
  const pass: RunFacts = { outcome: 'passed', durationMs: 4 };
  const oracle = failed(
    exc('AssertionError', 'assert 1 == 2', [TEST], {
      assertion: {
        source: 'assert f() == 2',
        call: 'f()',
        expectedSource: '2',
        side: 'left',
        actual: '1',
        expected: '2',
      },
    }),
  );

  it('passed: passed on every run', () => {
    const verdict = classifyTest(facts([pass, pass, pass]), ctx);
    assert.equal(verdict.outcome, 'passed');
    assert.equal(verdict.durationMs, 4);
  });

  it('flaky: passed, then failed on a rerun (with what the rerun saw)', () => {
    const verdict = classifyTest(facts([pass, oracle]), ctx);
    assert.equal(verdict.outcome, 'flaky');
    assert.match(verdict.message, /^passed on run 1, then failed on run 2: assert f\(\) == 2/);
    assert.deepEqual(verdict.assertion, { call: 'f()', expected: '2', actual: '1' });
  });

  it('flaky: passed, then its interpreter died on a rerun', () => {
    const verdict = classifyTest(facts([pass, pass, died({ status: 'killed by SIGKILL' })]), ctx);
    assert.equal(verdict.outcome, 'flaky');
    assert.match(verdict.message, /then error on run 3: the test process died/);
  });

  it('not passed when its reruns did not all complete', () => {
    const verdict = classifyTest(facts([pass, pass]), ctx);
    assert.equal(verdict.outcome, 'flaky');
    assert.match(verdict.message, /reruns did not complete/);
  });

  it('the first run decides when it did not pass', () => {
    const verdict = classifyTest(facts([oracle]), ctx);
    assert.equal(verdict.outcome, 'failed');
    assert.equal(verdict.durationMs, 2);
  });

  it('a test that never started says why', () => {
    const verdict = classifyTest(facts([], { notRun: true }), {
      ...ctx,
      incomplete: '3 test(s) did not run: the time budget of 5 s ran out',
    });
    assert.equal(verdict.outcome, 'timeout');
    assert.equal(verdict.notRun, true);
    assert.equal(verdict.message, 'not run: 3 test(s) did not run: the time budget of 5 s ran out');
  });
});

describe('oneLine', () => {
  for (const [input, expected] of [
    ['\n\n  first   line  \nsecond', 'first line'],
    ['', ''],
    ['x'.repeat(400), `${'x'.repeat(297)}...`],
  ] as const) {
    it(`${JSON.stringify(input.slice(0, 20))} -> ${JSON.stringify(expected.slice(0, 20))}`, () => {
      assert.equal(oneLine(input), expected);
    });
  }
});

describe('the sandbox environment', () => {
  for (const [name, secret] of [
    ['GITHUB_TOKEN', true],
    ['ACTIONS_RUNTIME_TOKEN', true],
    ['ACTIONS_ID_TOKEN_REQUEST_URL', true],
    ['SEMCODER_API_KEY', true],
    ['OPENAI_API_KEY', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['NPM_AUTH', true],
    ['PATH', false],
    ['LANG', false],
    ['MY_FEATURE_FLAG', false],
  ] as const) {
    it(`${name} ${secret ? 'looks' : 'does not look'} like a secret`, () => {
      assert.equal(looksSecret(name), secret);
    });
  }

  it('keeps PATH, locale, time zone and the names asked for; nothing else', () => {
    const env = sandboxEnv(
      {
        PATH: '/usr/bin',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TZ: 'UTC',
        HOME: '/home/me',
        GITHUB_TOKEN: 'ghp_x',
        GITHUB_WORKSPACE: '/work',
        FEATURE: 'on',
        OTHER: 'no',
      },
      ['FEATURE'],
      '/home/me/.local',
    );
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      FEATURE: 'on',
      PYTHONUSERBASE: '/home/me/.local',
    });
  });

  it('refuses secret-looking and malformed --pass-env names', () => {
    checkPassEnv(['FEATURE', 'LC_ALL']);
    assert.throws(
      () => checkPassEnv(['OPENAI_API_KEY']),
      (e) => e instanceof UsageError && /looks like a secret/.test(e.message),
    );
    assert.throws(() => checkPassEnv(['A=B']), /not an environment variable name/);
  });

  it('redacts secret values from text', () => {
    const redact = redactor({ GITHUB_TOKEN: 'ghp_abcdef', SHORT_TOKEN: 'abc', PATH: '/usr/bin' });
    assert.equal(redact('token ghp_abcdef in /usr/bin abc'), 'token *** in /usr/bin abc');
  });

  it('redacts explicit secrets too (an API key given as a flag), longest first', () => {
    const redact = redactor({ GITHUB_TOKEN: 'ghp_abcdef' }, [
      'sk-flag-123',
      undefined,
      'sk-flag-123456',
      'abc',
    ]);
    assert.equal(
      redact('sk-flag-123456 sk-flag-123 ghp_abcdef abc'),
      '*** *** *** abc', // 'abc': too short to be a key, redacting it would garble text
    );
  });

  it('redacts every string of a nested value, leaving the rest', () => {
    const redact = redactor({}, ['sk-secret-1']);
    const facts = { runs: [{ exc: { message: 'got sk-secret-1', line: 3 }, note: null }] };
    assert.deepEqual(redactStrings(facts, redact), {
      runs: [{ exc: { message: 'got ***', line: 3 }, note: null }],
    });
  });
});

describe('interpreterProblem', () => {
  const ok = {
    executable: '/usr/bin/python3',
    version: [3, 11, 4] as [number, number, number],
    pytest: '8.3.1',
    coverage: '7.6.0',
    userBase: null,
  };
  const rows: Array<[string, typeof ok, RegExp | null]> = [
    ['a good interpreter', ok, null],
    [
      'Python 3.8',
      { ...ok, version: [3, 8, 18] },
      /Python 3\.8\.18\) is too old: .* 3\.9 or newer/,
    ],
    [
      'no pytest',
      { ...ok, pytest: null as unknown as string },
      /: pytest is not installed\. Install them with: python3 -m pip install 'pytest>=7\.0' 'coverage>=7\.5'$/,
    ],
    [
      'coverage.py 7.4',
      { ...ok, coverage: '7.4.4' },
      /coverage\.py is 7\.4\.4 \(7\.5 or newer needed\)/,
    ],
    ['coverage.py 10.0', { ...ok, coverage: '10.0' }, null],
    ['pytest 6.2', { ...ok, pytest: '6.2.5' }, /pytest is 6\.2\.5 \(7\.0 or newer needed\)/],
  ];
  for (const [name, probe, expected] of rows) {
    it(name, () => {
      const problem = interpreterProblem('python3', probe);
      if (expected === null) assert.equal(problem, null);
      else assert.match(problem ?? '', expected);
    });
  }
});

describe('parseSupervisorOutput', () => {
  const good = {
    isolation: { network: 'guard', processes: 'subreaper' },
    expectedRuns: 1,
    files: [],
    tests: [
      {
        file: 'test_a.py',
        nodeid: 'test_a.py::t',
        name: 't',
        runs: [{ outcome: 'passed' }],
        notRun: false,
        countedInCoverage: true,
      },
    ],
    coverage: {},
    incomplete: null,
    workers: { started: 1, restarts: 0 },
    durationMs: 5,
  };

  it('accepts a well-formed report', () => {
    assert.deepEqual(parseSupervisorOutput(JSON.stringify(good)), good);
  });

  for (const [name, report, error] of [
    ['no tests', { ...good, tests: undefined }, /lacks tests, coverage or isolation/],
    ['a test without runs', { ...good, tests: [{ nodeid: 'x' }] }, /without a node id or runs/],
    [
      'an unknown outcome',
      { ...good, tests: [{ nodeid: 'x', runs: [{ outcome: 'exploded' }] }] },
      /unknown run outcome "exploded"/,
    ],
  ] as const) {
    it(`rejects a report with ${name}`, () => {
      assert.throws(() => parseSupervisorOutput(JSON.stringify(report)), error);
    });
  }
});
