/** What happened to one generated test (the vocabulary of report.json, DESIGN.md). */
export type Outcome =
  'passed' | 'failed' | 'error' | 'test-error' | 'timeout' | 'flaky' | 'invalid';

/** A function under test: a ChangedFunction plus the id the tests refer to. */
export interface TargetFunction {
  id: string;
  /** Path relative to the repository root, forward slashes (ChangedFunction.file). */
  file: string;
  qualname: string;
  /** 1-based line span at head, decorators included. */
  start: number;
  end: number;
  changedLines: number[];
  /** Folder that must be on sys.path for the module to import ('' for the root). */
  importRoot: string;
}

/** One generated pytest file, written into the sandbox's tests folder. */
export interface TestFile {
  /** e.g. test_pkg_mod__f.py: must match test_*.py (word characters) and be unique in a run. */
  name: string;
  content: string;
  functionId: string;
}

export interface TestResult {
  functionId: string;
  /** The test file's name. */
  file: string;
  /** Test name as in the file: test_x, TestX::test_y, test_p[1-2]. */
  name: string;
  nodeid: string;
  outcome: Outcome;
  /** One line, capped, redacted. */
  message: string;
  /** `failed`: the check that failed; expected/actual are Python reprs when pytest exposed them. */
  assertion?: { call?: string; expected?: string; actual?: string };
  /** `error`, `test-error`, `timeout`: the exception, at the frame inside the code under test when there is one. */
  exception?: { type: string; message: string; file?: string; line?: number; function?: string };
  durationMs: number;
  /** True when the test never started (the total time budget ran out first); outcome is then `timeout`. */
  notRun?: boolean;
}

export interface Figures {
  covered: number;
  total: number;
}

export interface FunctionCoverage {
  lines: Figures;
  branches: Figures;
  changedLines: Figures;
  missingLines: number[];
  missingBranches: Array<[number, number]>;
  missingChangedLines: number[];
  /**
   * 'regions': coverage.py's function regions (the body, nested functions included);
   * 'span': coverage.py found no region by that name, so its file figures restricted to the span.
   */
  basis: 'regions' | 'span';
}

export interface ExecuteOptions {
  /** The user's interpreter (`--python`); needs pytest and coverage.py >= 7.5. */
  python: string;
  /** Per-test wall-clock limit (`--test-timeout`). */
  testTimeoutSec: number;
  /** Total wall-clock budget of one run(); what finished is reported when it runs out. */
  budgetSec: number;
  /** Extra runs of each passing test; a test that changes outcome is `flaky`. */
  reruns: number;
  /** Address-space limit per test process (RLIMIT_AS). */
  memoryBytes: number;
  /** Environment variables the user asked to pass to tests (never secret-looking ones). */
  passEnv: string[];
  /** Parallel pytest workers; default: the CPU cores available. */
  workers?: number;
  /** Largest file a test may write (RLIMIT_FSIZE). */
  fileSizeBytes?: number;
  /** Processes a test may add to the user's count (RLIMIT_NPROC; root is exempt). */
  maxProcesses?: number;
  /**
   * Bytes of a worker's own output kept (its tail, which explains a worker that died
   * outside any test); the rest is dropped as it arrives. Tests' output is pytest's to
   * capture and is never reported.
   */
  outputBytes?: number;
  /**
   * 'auto': network and PID namespaces where the OS allows them, else the portable fallback;
   * 'portable': always the fallback (child subreaper + in-process network guard).
   */
  isolation?: 'auto' | 'portable';
  /**
   * Confine tests with Landlock where the kernel has it (default true); false gives what
   * kernels without Landlock get.
   */
  landlock?: boolean;
  /**
   * Secret values to keep out of results besides those of secret-looking environment
   * variables (an API key given as a flag; undefined entries are ignored). Tests never see
   * them either way.
   */
  secrets?: Array<string | undefined>;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Defaults of every option but `workers` (which defaults to the CPU cores available). */
export const DEFAULT_EXECUTE_OPTIONS: Required<Omit<ExecuteOptions, 'workers'>> = {
  python: 'python3',
  testTimeoutSec: 10,
  budgetSec: 600,
  reruns: 2,
  memoryBytes: 2 * GIB,
  passEnv: [],
  fileSizeBytes: 64 * MIB,
  maxProcesses: 512,
  outputBytes: 64 * 1024,
  isolation: 'auto',
  landlock: true,
  secrets: [],
};

/** How the tests were contained (the report's `sandbox`). */
export interface IsolationInfo {
  /** 'namespace': a network namespace with only loopback; 'guard': the in-process guard. */
  network: 'namespace' | 'guard';
  /** 'pid-namespace' | 'subreaper' | 'process-group'. */
  processes: string;
  /** The Landlock ABI applied to the tests (filesystem, and from 6 signals), or null. */
  landlock: number | null;
}

export interface ExecuteResult {
  tests: TestResult[];
  coverage: Record<string, FunctionCoverage>;
  /** Why some tests did not run (e.g. the budget ran out), or null. */
  incomplete: string | null;
  isolation: IsolationInfo;
  durationMs: number;
}
