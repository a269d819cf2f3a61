// Outcomes from facts: a pure function of what the worker and the supervisor recorded.
//
// failed      an assertion (or pytest.fail / pytest.raises) in the test failed, and the
//             exception did not come out of the module under test;
// error       the code under test raised: the traceback passes through the module under
//             test (during the test, or while the test file imported it), or the
//             interpreter died there;
// test-error  the test itself is broken: collection/import errors elsewhere, fixture errors,
//             exceptions raised by the test body without reaching the module under test,
//             a test that skipped itself, an interpreter death the test caused (it left a
//             note: os._exit, a kill of its own process or its parent; it closed the
//             worker's own descriptors), the supervisor killed while it alone was running;
// timeout     the per-test limit (or the total budget) ran out;
// flaky       passed on the first run, then something else on a rerun;
// invalid     the file does not parse (never run).
import type {
  DiedRun,
  ExceptionFacts,
  FailedRun,
  Frame,
  RunFacts,
  TestFacts,
  TimeoutRun,
} from './facts.js';
import type { Outcome, TargetFunction, TestResult } from './types.js';

export interface ClassifyContext {
  target: Pick<TargetFunction, 'file' | 'qualname' | 'start' | 'end'>;
  /** 1 + reruns. */
  expectedRuns: number;
  /** Why tests did not run, for their message. */
  incomplete?: string | null;
}

export interface Verdict {
  outcome: Outcome;
  message: string;
  assertion?: TestResult['assertion'];
  exception?: TestResult['exception'];
}

const MESSAGE_CAP = 300;

/** The first non-empty line, whitespace collapsed, capped. */
export function oneLine(text: string, cap = MESSAGE_CAP): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  const flat = line.replace(/\s+/g, ' ');
  return flat.length <= cap ? flat : `${flat.slice(0, cap - 3)}...`;
}

function inModule(frames: Frame[], target: ClassifyContext['target']): boolean {
  return frames.some((f) => f.where === 'repo' && f.file === target.file);
}

/** The frame a reader wants: inside the function under test, else in its module, else in the test. */
function focusFrame(frames: Frame[], target: ClassifyContext['target']): Frame | undefined {
  const reversed = [...frames].reverse();
  const inFile = (f: Frame) => f.where === 'repo' && f.file === target.file;
  return (
    reversed.find((f) => inFile(f) && f.line >= target.start && f.line <= target.end) ??
    reversed.find(inFile) ??
    reversed.find((f) => f.where === 'test') ??
    reversed[0]
  );
}

function at(frame: Frame | undefined): string {
  return frame ? ` (at ${frame.file}:${frame.line} in ${frame.function})` : '';
}

function exceptionOf(
  exc: ExceptionFacts,
  target: ClassifyContext['target'],
): NonNullable<Verdict['exception']> {
  const frame = focusFrame(exc.frames, target);
  return {
    type: exc.type,
    message: oneLine(exc.message),
    ...(frame ? { file: frame.file, line: frame.line, function: frame.function } : {}),
  };
}

function describe(exc: ExceptionFacts, target: ClassifyContext['target']): string {
  let text = `${exc.type}: ${oneLine(exc.message)}`;
  if (exc.network && !exc.message.includes('blocked in the sandbox')) {
    text += ' (network access is blocked in the sandbox)';
  }
  return text + at(focusFrame(exc.frames, target));
}

const ASSERTION_TYPES = new Set(['AssertionError', 'Failed']);

/** AssertionError, or pytest's Failed (pytest.fail, pytest.raises' DID NOT RAISE), which
 * pytest presents as a builtin. */
function isAssertion(exc: ExceptionFacts): boolean {
  if (!ASSERTION_TYPES.has(exc.type)) return false;
  return exc.type === 'AssertionError' || /^(builtins|pytest|_pytest)/.test(exc.module);
}

function failedAssertion(exc: ExceptionFacts): Verdict {
  const facts = exc.assertion;
  const assertion: NonNullable<Verdict['assertion']> = {};
  if (facts?.call) assertion.call = facts.call;
  const expected = facts?.expected ?? facts?.expectedSource;
  if (expected) assertion.expected = expected;
  if (facts?.actual) assertion.actual = facts.actual;
  let message: string;
  if (exc.type === 'Failed') {
    message = oneLine(exc.message) + (facts?.call ? ` (${facts.call})` : '');
    if (facts?.expectedSource?.startsWith('raises ')) assertion.actual = 'no exception';
  } else if (facts?.source) {
    message =
      facts.source +
      (facts.actual != null ? ` (actual ${facts.actual}, expected ${facts.expected})` : '');
    // `assert x, "why"`: pytest puts the test's own explanation first.
    const first = oneLine(exc.message);
    if (first && !first.startsWith('assert ')) message += `: ${first}`;
    message = oneLine(message);
  } else {
    message = `AssertionError: ${oneLine(exc.message) || 'assertion failed'}`;
  }
  return { outcome: 'failed', message, assertion };
}

function fromException(
  exc: ExceptionFacts,
  ctx: ClassifyContext,
  when: 'run' | 'collect',
): Verdict {
  const prefix = when === 'collect' ? 'importing the test file failed: ' : '';
  if (inModule(exc.frames, ctx.target)) {
    return {
      outcome: 'error',
      message: prefix + describe(exc, ctx.target),
      exception: exceptionOf(exc, ctx.target),
    };
  }
  if (when === 'run' && isAssertion(exc)) return failedAssertion(exc);
  return {
    outcome: 'test-error',
    message: prefix + describe(exc, ctx.target),
    exception: exceptionOf(exc, ctx.target),
  };
}

function failed(run: FailedRun, ctx: ClassifyContext): Verdict {
  if (!run.exc) return { outcome: 'test-error', message: `the test failed in ${run.phase}` };
  const verdict = fromException(run.exc, ctx, 'run');
  if (run.phase === 'setup' || run.phase === 'teardown') {
    // Fixtures are the test's own machinery unless the code under test raised in them.
    if (verdict.outcome === 'failed') return { ...verdict, outcome: 'test-error' };
    if (verdict.outcome === 'test-error') {
      return { ...verdict, message: `in ${run.phase}: ${verdict.message}` };
    }
  }
  return verdict;
}

function timedOut(run: TimeoutRun, ctx: ClassifyContext): Verdict {
  const frame = focusFrame(run.frames, ctx.target);
  const what = run.budget
    ? 'stopped: the total time budget ran out'
    : `timed out after ${run.timeoutSec} s${run.phase === 'collect' ? ' while importing the test file' : ''}`;
  return {
    outcome: 'timeout',
    message: what + (frame ? ` in ${frame.file}:${frame.line} (${frame.function})` : ''),
    exception: {
      type: 'Timeout',
      message: what,
      ...(frame ? { file: frame.file, line: frame.line, function: frame.function } : {}),
    },
  };
}

function supervisorKilled(run: DiedRun): Verdict {
  const when = run.phase === 'collect' ? 'its file was imported' : 'this test ran';
  return {
    outcome: 'test-error',
    message: `the test supervisor died while ${when} (${run.status}), likely killed by the test`,
    exception: { type: 'SupervisorKilled', message: run.status },
  };
}

function died(run: DiedRun, ctx: ClassifyContext): Verdict {
  if (run.supervisorKilled) return supervisorKilled(run);
  const frames = run.note?.frames ?? run.fault?.frames ?? [];
  const frame = focusFrame(frames, ctx.target);
  const how = [run.note?.detail, run.fault?.headline].filter(Boolean).join(', ');
  const base = run.giveUp
    ? `not run: the test process kept dying before reaching this test (${run.status})`
    : `the test process died (${run.status}${how ? `: ${how}` : ''})${run.phase === 'collect' ? ' while importing the test file' : ''}`;
  const output = run.giveUp && run.output ? `: ${oneLine(run.output, 120)}` : '';
  let outcome: Outcome;
  if (run.giveUp) outcome = 'test-error';
  else if (inModule(frames, ctx.target)) outcome = 'error';
  else if (frames.some((f) => f.where === 'test') || run.phase === 'collect' || run.note) {
    // A note outside the module under test: the test (or its helpers) ended the process.
    outcome = 'test-error';
  } else outcome = 'error'; // it died running code and left no trace: blame the code
  return {
    outcome,
    message: base + output + at(frame),
    exception: {
      type: run.note?.kind ?? (run.fault?.headline || 'ProcessDied'),
      message: run.status,
      ...(frame ? { file: frame.file, line: frame.line, function: frame.function } : {}),
    },
  };
}

/** The verdict on a single run of a test. */
export function classifyRun(run: RunFacts, ctx: ClassifyContext): Verdict {
  switch (run.outcome) {
    case 'passed':
      return { outcome: 'passed', message: 'passed' };
    case 'failed':
      return failed(run, ctx);
    case 'skipped':
      return run.xfail
        ? { outcome: 'failed', message: `xfailed: ${oneLine(run.reason ?? '')}`.trim() }
        : {
            outcome: 'test-error',
            message: `the test skipped itself: ${oneLine(run.reason ?? '')}`,
          };
    case 'timeout':
      return timedOut(run, ctx);
    case 'died':
      return died(run, ctx);
    case 'collect-error':
      return run.exc
        ? fromException(run.exc, ctx, 'collect')
        : { outcome: 'test-error', message: 'importing the test file failed' };
    case 'invalid': {
      const line = run.syntaxError.line != null ? ` at line ${run.syntaxError.line}` : '';
      return { outcome: 'invalid', message: `syntax error${line}: ${run.syntaxError.message}` };
    }
  }
}

/** The outcome of a test over all its runs. */
export function classifyTest(
  facts: TestFacts,
  ctx: ClassifyContext,
): Verdict & { durationMs: number; notRun?: boolean } {
  const first = facts.runs[0];
  if (facts.notRun || first === undefined) {
    return {
      outcome: 'timeout',
      message: `not run: ${ctx.incomplete ?? 'the run ended before it started'}`,
      durationMs: 0,
      notRun: true,
    };
  }
  const durationMs = first.durationMs ?? 0;
  const verdict = classifyRun(first, ctx);
  if (verdict.outcome !== 'passed') return { ...verdict, durationMs };
  // Passed: only a test that passed every run counts (the supervisor counted exactly these
  // in coverage; countedInCoverage says so).
  if (facts.countedInCoverage && facts.runs.length === ctx.expectedRuns) {
    return { ...verdict, durationMs };
  }
  const index = facts.runs.findIndex((run) => classifyRun(run, ctx).outcome !== 'passed');
  const later = index > 0 ? classifyRun(facts.runs[index]!, ctx) : undefined;
  return {
    outcome: 'flaky',
    message: later
      ? `passed on run 1, then ${later.outcome} on run ${index + 1}: ${later.message}`
      : 'passed on run 1, but its reruns did not complete',
    ...(later?.assertion ? { assertion: later.assertion } : {}),
    ...(later?.exception ? { exception: later.exception } : {}),
    durationMs,
  };
}
