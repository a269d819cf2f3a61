// The sandboxed test executor: generated pytest files in, outcomes and coverage out.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkoutTree, copyTree, gitDirs, removeTree, sandboxParent } from './checkout.js';
import { classifyTest } from './classify.js';
import { redactStrings } from '../secrets.js';
import { checkPassEnv, redactor, sandboxEnv } from './environment.js';
import type { SupervisorOutput, TestFacts } from './facts.js';
import { checkInterpreter, type Interpreter } from './interpreter.js';
import { Supervisor, SupervisorDied, type SupervisorRequest } from './supervisor.js';
import {
  DEFAULT_EXECUTE_OPTIONS,
  type ExecuteOptions,
  type ExecuteResult,
  type TargetFunction,
  type TestFile,
  type TestResult,
} from './types.js';

export { DEFAULT_EXECUTE_OPTIONS };

/** pytest collects test_*.py; anything else (conftest.py, ../x.py) must not reach the sandbox. */
const TEST_FILE_NAME = /^test_\w+\.py$/;

export class Executor {
  private runs = 0;
  /** Runs one after another: each already spreads its tests over every core. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Sandboxes being removed after their run returned (dispose waits for them). */
  private readonly removals = new Set<Promise<void>>();
  private readonly redact: (text: string) => string;
  private readonly supervisor: Supervisor;

  private constructor(
    private readonly base: string,
    private readonly pristine: string,
    readonly head: string,
    interpreter: Interpreter,
    private readonly options: ExecuteOptions,
    private readonly env: Record<string, string>,
    /** The user's checkout and git folder: tests may not read them (with Landlock). */
    private readonly hide: string[],
  ) {
    this.redact = redactor(process.env, options.secrets ?? []);
    this.supervisor = new Supervisor(interpreter.executable, env);
    this.supervisor.start();
  }

  /**
   * Checks that the interpreter can run the tests: a UsageError naming it, and the pip
   * command, when pytest or coverage.py >= 7.5 is missing. Start it early (beside change
   * detection) so a run stops before any model request; `create` takes its promise.
   */
  static async checkInterpreter(
    options: Pick<ExecuteOptions, 'python' | 'passEnv'>,
  ): Promise<Interpreter> {
    checkPassEnv(options.passEnv);
    // The probe sees the user's HOME (to find a --user site), never their secrets.
    const probeEnv = sandboxEnv(process.env, options.passEnv, null);
    if (process.env.HOME) probeEnv.HOME = process.env.HOME;
    return checkInterpreter(options.python, probeEnv);
  }

  /**
   * Checks the interpreter (unless `checked` is the promise of an earlier check) and
   * prepares a pristine tree of `head` read from git, outside the checkout.
   */
  static async create(
    repoDir: string,
    head: string,
    options: ExecuteOptions,
    checked?: Interpreter | Promise<Interpreter>,
  ): Promise<Executor> {
    const interpreter = await (checked ?? Executor.checkInterpreter(options));
    const env = sandboxEnv(process.env, options.passEnv, interpreter.userBase);
    const base = await mkdtemp(path.join(await sandboxParent(repoDir), 'semcoder-exec-'));
    try {
      const pristine = path.join(base, 'pristine');
      const sha = await checkoutTree(repoDir, head, pristine);
      const hide = await gitDirs(repoDir);
      return new Executor(base, pristine, sha, interpreter, options, env, hide);
    } catch (error) {
      await removeTree(base);
      throw error;
    }
  }

  /** Runs the tests in a fresh copy of the tree; callable several times. */
  run(functions: TargetFunction[], tests: TestFile[]): Promise<ExecuteResult> {
    const result = this.queue.then(() => {
      checkTests(functions, tests);
      return this.runNow(functions, tests);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(functions: TargetFunction[], tests: TestFile[]): Promise<ExecuteResult> {
    const started = Date.now();
    const sandbox = path.join(this.base, `run-${++this.runs}`);
    try {
      await copyTree(this.pristine, path.join(sandbox, 'repo'));
      for (const dir of ['tests', 'home', 'tmp', 'control']) {
        await mkdir(path.join(sandbox, dir), { recursive: true });
      }
      for (const test of tests) {
        await writeFile(path.join(sandbox, 'tests', test.name), test.content);
      }
      const output = await this.supervise(this.request(sandbox, functions, tests));
      const byFile = new Map(tests.map((t) => [t.name, t.functionId]));
      const byId = new Map(functions.map((fn) => [fn.id, fn]));
      const results = output.tests.map((facts) => {
        const functionId = byFile.get(facts.file) ?? '';
        return this.result(facts, functionId, byId.get(functionId), output);
      });
      return {
        tests: results,
        coverage: output.coverage,
        incomplete: output.incomplete,
        isolation: output.isolation,
        durationMs: Date.now() - started,
      };
    } finally {
      // Removing the copy is not part of the answer: do it while the caller moves on.
      const removal = removeTree(sandbox).catch(() => undefined);
      this.removals.add(removal);
      void removal.then(() => this.removals.delete(removal));
    }
  }

  /**
   * Runs a request. When the supervisor dies under it (a test found its pid and killed it),
   * a new one resumes the run in the same sandbox: what finished keeps its outcome, the test
   * running at the death is blamed, the rest runs once more; after a second death (or when
   * the budget is spent) a last one only reports, the rest as not run.
   */
  private async supervise(request: SupervisorRequest): Promise<SupervisorOutput> {
    const started = Date.now();
    let current = request;
    for (let attempt = 2; ; attempt++) {
      try {
        return await this.supervisor.run(current);
      } catch (error) {
        if (!(error instanceof SupervisorDied) || current.resume?.reportOnly) throw error;
        const reportOnly = attempt > 2 || error.outOfTime;
        const left = request.options.budgetSec - (Date.now() - started) / 1000;
        current = {
          ...request,
          resume: { attempt, reportOnly, status: error.status, outOfTime: error.outOfTime },
          options: { ...request.options, budgetSec: reportOnly ? 60 : Math.max(1, left) },
        };
      }
    }
  }

  /** Stops the supervisor and removes every tree this executor made. */
  async dispose(): Promise<void> {
    await this.queue;
    await Promise.all(this.removals);
    await this.supervisor.close();
    await removeTree(this.base);
  }

  private request(
    sandbox: string,
    functions: TargetFunction[],
    tests: TestFile[],
  ): SupervisorRequest {
    const o = { ...DEFAULT_EXECUTE_OPTIONS, ...this.options };
    return {
      sandbox,
      pristine: this.pristine,
      env: this.env,
      tests: tests.map((t) => ({ file: t.name, functionId: t.functionId })),
      hide: this.hide,
      functions: functions.map((fn) => ({
        id: fn.id,
        file: fn.file,
        qualname: fn.qualname,
        start: fn.start,
        end: fn.end,
        changedLines: fn.changedLines,
        importRoot: fn.importRoot,
      })),
      options: {
        testTimeoutSec: o.testTimeoutSec,
        budgetSec: o.budgetSec,
        reruns: o.reruns,
        workers: this.options.workers ?? null,
        memoryBytes: o.memoryBytes,
        fileSizeBytes: o.fileSizeBytes,
        processes: o.maxProcesses,
        outputBytes: o.outputBytes,
        isolation: o.isolation,
        landlock: o.landlock,
      },
    };
  }

  private result(
    facts: TestFacts,
    functionId: string,
    target: TargetFunction | undefined,
    output: { expectedRuns: number; incomplete: string | null },
  ): TestResult {
    // Redacted before messages are built and capped: a cap must not cut a secret in half.
    const clean = redactStrings(facts, this.redact);
    const verdict = classifyTest(clean, {
      target: target ?? { file: '', qualname: '', start: 0, end: 0 },
      expectedRuns: output.expectedRuns,
      incomplete: output.incomplete,
    });
    const result: TestResult = {
      functionId,
      file: clean.file,
      name: clean.name,
      nodeid: clean.nodeid,
      outcome: verdict.outcome,
      message: verdict.message,
      durationMs: Math.round(verdict.durationMs * 1000) / 1000,
    };
    if (verdict.assertion) result.assertion = verdict.assertion;
    if (verdict.exception) result.exception = verdict.exception;
    if (verdict.notRun) result.notRun = true;
    return result;
  }
}

function checkTests(functions: TargetFunction[], tests: TestFile[]): void {
  const ids = new Set(functions.map((fn) => fn.id));
  const names = new Set<string>();
  for (const test of tests) {
    if (!TEST_FILE_NAME.test(test.name)) {
      throw new Error(`test file name ${JSON.stringify(test.name)} must match test_<word>.py`);
    }
    if (names.has(test.name)) throw new Error(`test file name ${test.name} is used twice`);
    if (!ids.has(test.functionId)) {
      throw new Error(`test file ${test.name} refers to unknown function ${test.functionId}`);
    }
    names.add(test.name);
  }
}
