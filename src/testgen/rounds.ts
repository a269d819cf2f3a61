import type { Executor } from '../execute/executor.js';
import type { FunctionCoverage, IsolationInfo, TestFile, TestResult } from '../execute/types.js';
import {
  assembleTestFile,
  deepenTestsPrompt,
  extractCode,
  generateTestsPrompt,
  parseRefined,
  repairTestsPrompt,
  type ModelApi,
} from '../llm/index.js';
import {
  addCandidates,
  ensureSplits,
  importsOf,
  testSource,
  type Candidate,
} from './candidates.js';
import { mergeCoverage } from './coverage.js';
import type { ModelGate } from './model-gate.js';
import type { Progress } from './progress.js';
import {
  moduleImportFailure,
  subject,
  targetOf,
  testId,
  testsWith,
  type FunctionState,
} from './state.js';

/** What every round needs: the model, the executor, the limits, and where time goes. */
export interface Rounds {
  gate: ModelGate;
  /** Being prepared while the first requests are out; awaited before the first run. */
  executor: Promise<Executor>;
  python: string;
  api: ModelApi;
  testsPerFunction: number;
  /** New tokens of a test-writing answer (--max-tokens); the prompts' default when unset. */
  maxTokens?: number;
  /** What the change is about, for the generation prompts. */
  background?: string;
  progress: Progress;
  timings: { llmMs: number; executeMs: number };
  /** Why some tests did not run (the executor's budget), if it happened. */
  incomplete: string | null;
  sandbox: IsolationInfo | null;
}

async function timed<T>(rounds: Rounds, key: 'llmMs' | 'executeMs', work: () => Promise<T>) {
  const started = Date.now();
  try {
    return await work();
  } finally {
    rounds.timings[key] += Date.now() - started;
  }
}

/** Asks the model once per state, concurrently (the client bounds the concurrency). */
async function askAll(
  rounds: Rounds,
  states: FunctionState[],
  build: (state: FunctionState) => {
    spec: Parameters<ModelGate['ask']>[1];
    read: (text: string) => Omit<Candidate, 'state'>;
  },
): Promise<Candidate[]> {
  return timed(rounds, 'llmMs', async () => {
    const answers = await Promise.all(
      states.map(async (state) => {
        const { spec, read } = build(state);
        const text = await rounds.gate.ask(state, spec);
        return text === null ? null : { state, ...read(text) };
      }),
    );
    return answers.filter((a): a is Candidate => a !== null);
  });
}

/**
 * The file to run for some of a state's tests: the current file without the others, so tests
 * keep their names and the imports, fixtures and helpers they need.
 */
function sourceOf(state: FunctionState, ids: string[]): string {
  const file = state.file!;
  const others = file.tests.map((t) => t.id).filter((id) => !ids.includes(id));
  if (others.length === 0 || !state.split) return file.source;
  return assembleTestFile([state.split], {
    target: state.target,
    maxTests: file.tests.length,
    drop: others,
  }).source;
}

/** Runs the given tests of each state (all of them with 'all') and records what happened. */
export async function execute(
  rounds: Rounds,
  states: FunctionState[],
  only: Map<FunctionState, string[]> | 'all',
): Promise<void> {
  const files: TestFile[] = [];
  for (const state of states) {
    const ids = only === 'all' ? state.file?.tests.map((t) => t.id) : only.get(state);
    if (!state.file?.source || !ids || ids.length === 0) continue;
    files.push({ name: state.fileName, content: sourceOf(state, ids), functionId: state.id });
  }
  if (files.length === 0) return;
  const byId = new Map(states.map((s) => [s.id, s]));
  const executor = await rounds.executor;
  const result = await timed(rounds, 'executeMs', () => executor.run(states.map(targetOf), files));
  rounds.sandbox = result.isolation;
  if (result.incomplete) rounds.incomplete = result.incomplete;
  const fresh = new Map<FunctionState, Map<string, TestResult[]>>();
  for (const test of result.tests) {
    const state = byId.get(test.functionId);
    if (!state) continue;
    const perTest = fresh.get(state) ?? new Map<string, TestResult[]>();
    const id = testId(test.name);
    perTest.set(id, [...(perTest.get(id) ?? []), test]);
    fresh.set(state, perTest);
  }
  for (const [state, perTest] of fresh)
    for (const [id, results] of perTest) state.results.set(id, results);
  for (const [id, coverage] of Object.entries(result.coverage) as [string, FunctionCoverage][]) {
    const state = byId.get(id);
    if (state) state.coverage = mergeCoverage(state.coverage, coverage);
  }
  for (const state of fresh.keys()) state.skipped ??= moduleImportFailure(state);
  for (const state of states) {
    const passed = [...state.results.values()].flat().filter((r) => r.outcome === 'passed').length;
    rounds.progress.update(
      subject(state),
      `${passed}/${state.file?.tests.length ?? 0} tests passed`,
    );
  }
}

/** Round 1: a test file per function. */
export async function generate(rounds: Rounds, states: FunctionState[]): Promise<void> {
  for (const state of states) rounds.progress.update(subject(state), 'generating tests');
  const candidates = await askAll(rounds, states, (state) => ({
    spec: generateTestsPrompt(state.context, {
      maxTests: rounds.testsPerFunction,
      api: rounds.api,
      maxTokens: rounds.maxTokens,
      background: rounds.background,
    }),
    read: (text) => ({ code: extractCode(text), maxTests: rounds.testsPerFunction }),
  }));
  const added = await addCandidates(candidates, rounds.python);
  await execute(rounds, states, added);
}

/** What a repair must fix for a state: broken chunks and tests whose own code is wrong. */
function repairWork(state: FunctionState): { tests: string; error: string; drop: string[] } | null {
  const drop = testsWith(state, ['test-error']);
  if (drop.length === 0 && state.broken.length === 0) return null;
  const sources = drop.map((id) => testSource(state.split, id)).filter((s): s is string => !!s);
  const tests = [...importsOf(state.split), ...sources, ...state.broken.map((b) => b.source)].join(
    '\n\n',
  );
  const errors = [
    ...state.broken.map((b) => `SyntaxError at line ${b.line}: ${b.message}`),
    ...drop.map((id) => `${id}: ${state.results.get(id)?.[0]?.message ?? 'test error'}`),
  ];
  return { tests, error: errors.join('\n'), drop };
}

/**
 * Repair rounds: broken chunks and test-error tests go back to the model with their errors
 * (SemCoder's refinement format), at most `maxRetries` times. Only repaired tests rerun.
 */
export async function repair(
  rounds: Rounds,
  states: FunctionState[],
  maxRetries: number,
): Promise<void> {
  for (let attempt = 1; attempt <= maxRetries; attempt++) {
    // A repair prompt quotes the broken tests: their files must be split.
    await ensureSplits(
      states.filter((s) => !s.skipped && testsWith(s, ['test-error']).length > 0),
      rounds.python,
    );
    const work = new Map<FunctionState, NonNullable<ReturnType<typeof repairWork>>>();
    for (const state of states) {
      const needed = state.skipped ? null : repairWork(state);
      if (needed) work.set(state, needed);
    }
    if (work.size === 0) return;
    for (const state of work.keys())
      rounds.progress.update(subject(state), `repairing (attempt ${attempt})`);
    const candidates = await askAll(rounds, [...work.keys()], (state) => {
      const { tests, error, drop } = work.get(state)!;
      return {
        spec: repairTestsPrompt(state.context, { tests, error, maxTokens: rounds.maxTokens }),
        read: (text) => ({
          code: parseRefined(text),
          maxTests: limitOf(state, rounds),
          repairs: { drop },
        }),
      };
    });
    const added = await addCandidates(candidates, rounds.python);
    await execute(rounds, [...work.keys()], added);
  }
}

/** The test count a function may reach: one round's worth per round it has had. */
function limitOf(state: FunctionState, rounds: Rounds): number {
  return Math.max(state.file?.tests.length ?? 0, rounds.testsPerFunction);
}

/**
 * Deepen: functions whose changed lines are still uncovered get one more request listing the
 * uncovered lines and branches; the new tests run and are repaired like the first ones.
 */
export async function deepen(
  rounds: Rounds,
  states: FunctionState[],
  maxRetries: number,
): Promise<boolean> {
  const shallow = states.filter(
    (s) => !s.skipped && s.coverage && s.coverage.missingChangedLines.length > 0,
  );
  if (shallow.length === 0) return false;
  for (const state of shallow) rounds.progress.update(subject(state), 'deepening');
  const candidates = await askAll(rounds, shallow, (state) => ({
    spec: deepenTestsPrompt(state.context, {
      maxTests: rounds.testsPerFunction,
      uncoveredLines: state.coverage!.missingLines,
      uncoveredBranches: state.coverage!.missingBranches,
      existingTests: state.file?.tests.map((t) => t.id) ?? [],
      api: rounds.api,
      maxTokens: rounds.maxTokens,
      background: rounds.background,
    }),
    read: (text) => ({
      code: extractCode(text),
      maxTests: (state.file?.tests.length ?? 0) + rounds.testsPerFunction,
    }),
  }));
  const added = await addCandidates(candidates, rounds.python);
  await execute(rounds, shallow, added);
  await repair(rounds, shallow, maxRetries);
  return true;
}
