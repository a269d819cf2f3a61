// The Python supervisor (src/python/execute_tests.py): one long-lived process per Executor.
// It imports pytest and coverage.py once and forks its workers from that warm state, so a
// run pays neither interpreter nor import start-up. Requests, progress and reports are JSON
// lines.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pythonHelper } from '../python-helpers.js';
import { checkSupervisorOutput, type SupervisorOutput } from './facts.js';
import type { TargetFunction } from './types.js';

export interface SupervisorRequest {
  sandbox: string;
  pristine: string;
  env: Record<string, string>;
  tests: Array<{ file: string; functionId: string }>;
  functions: TargetFunction[];
  /** Paths tests may not read where Landlock is applied (the user's checkout). */
  hide?: string[];
  /**
   * Continues a run whose supervisor died (`status` says how), in the same sandbox: what
   * finished is reported as it was, the test running at the death is blamed, the rest runs
   * (or, with reportOnly, is reported as not run).
   */
  resume?: { attempt: number; reportOnly: boolean; status: string; outOfTime: boolean };
  options: {
    testTimeoutSec: number;
    budgetSec: number;
    reruns: number;
    workers: number | null;
    memoryBytes: number;
    fileSizeBytes: number;
    processes: number;
    outputBytes: number;
    isolation: 'auto' | 'portable';
    landlock: boolean;
  };
}

/** The supervisor died (or was stopped) after it began a request: a resume can recover. */
export class SupervisorDied extends Error {
  constructor(
    message: string,
    /** How it ended, e.g. 'killed by SIGKILL'. */
    readonly status: string,
    /** It was stopped by the watchdog: the budget is spent, nothing more should run. */
    readonly outOfTime: boolean,
  ) {
    super(message);
  }
}

/** Beyond the budget, how long the supervisor may take to report before it is stopped. */
const GRACE_MS = 30_000;
const STDERR_CAP = 64 * 1024;

interface Pending {
  resolve: (output: SupervisorOutput) => void;
  reject: (error: Error) => void;
  watchdog: NodeJS.Timeout;
  /** The supervisor said it began the request (its sandbox holds what it did since). */
  began: boolean;
}

export class Supervisor {
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending: Pending | null = null;
  private stderr = '';

  constructor(
    private readonly python: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Starts the process now (it warms up while the caller prepares the first run). */
  start(): void {
    if (this.child) return;
    // Its own process group, so the watchdog stops it and everything it forked; the
    // sandbox's environment, so it never holds our secrets either.
    // -B: no __pycache__ beside the helpers in dist/python/.
    const child = spawn(this.python, ['-B', pythonHelper('execute_tests.py')], {
      env: this.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.stderr = '';
    // A forgotten dispose() must not keep Node alive; a pending run's watchdog does.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void }).unref?.();
    }
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_CAP);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.on('error', (error) =>
      this.onExit(`could not start ${this.python}: ${error.message}`, 'not started'),
    );
    child.on('close', (code, signal) => {
      const status = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (this.child === child) this.onExit(`exited (${signal ?? `code ${code}`})`, status);
    });
  }

  /** Runs one request; requests must not overlap (the Executor queues them). */
  run(request: SupervisorRequest): Promise<SupervisorOutput> {
    if (this.pending) return Promise.reject(new Error('the test supervisor is busy'));
    this.start();
    const child = this.child!;
    return new Promise((resolve, reject) => {
      const watchdog = setTimeout(
        () => {
          const why = 'the test supervisor did not finish within its budget; it was stopped';
          const pending = this.pending;
          this.fail(pending?.began ? new SupervisorDied(why, why, true) : new Error(why));
          this.kill(child);
        },
        request.options.budgetSec * 1000 + GRACE_MS,
      );
      this.pending = { resolve, reject, watchdog, began: false };
      child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Ends the process: it exits when its input closes; it is killed if it lingers. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => this.kill(child), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    const pending = this.pending;
    if (!pending || !line.trim()) return;
    let message: unknown;
    let isJson = true;
    try {
      message = JSON.parse(line);
    } catch {
      isJson = false;
    }
    const fields = (typeof message === 'object' && message !== null ? message : {}) as {
      progress?: unknown;
      error?: string;
      trace?: string;
    };
    if (fields.progress !== undefined) {
      if (fields.progress === 'begin') pending.began = true;
      return;
    }
    this.pending = null;
    clearTimeout(pending.watchdog);
    if (!isJson) {
      pending.reject(
        new Error(`the test supervisor wrote a report that is not JSON: ${line.slice(0, 200)}`),
      );
    } else if (fields.error) {
      pending.reject(new Error(`the test supervisor failed: ${fields.error}\n${fields.trace}`));
    } else {
      try {
        pending.resolve(checkSupervisorOutput(message, line));
      } catch (error) {
        pending.reject(error as Error);
      }
    }
  }

  private onExit(how: string, status: string): void {
    this.child = null;
    const detail = this.stderr.trim().split('\n').slice(-8).join('\n');
    const message = `the test supervisor ${how}${detail ? `: ${detail}` : ''}`;
    this.fail(
      this.pending?.began ? new SupervisorDied(message, status, false) : new Error(message),
    );
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    clearTimeout(pending.watchdog);
    pending.reject(error);
  }

  private kill(child: ChildProcessWithoutNullStreams): void {
    if (this.child === child) this.child = null;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
