import path from 'node:path';
import { analyseChanges } from '../changes/detect.js';
import type { ChangedFunction } from '../changes/types.js';
import { Executor } from '../execute/executor.js';
import type { Interpreter } from '../execute/interpreter.js';
import {
  displayEndpoint as endpointForDisplay,
  endpointSecrets,
  modelClientFor,
  loadFunctionContexts,
  type ModelClient,
} from '../llm/index.js';
import { HelperSession } from '../python-helpers.js';
import { renderComment, type CommentOptions } from '../report/comment.js';
import { failOnReason, headline } from '../report/fail-on.js';
import { summarize } from '../report/totals.js';
import type { Report, SkippedItem } from '../report/types.js';
import { testFileName, writeReviewFiles } from '../report/write.js';
import type { ReviewSettings } from '../settings.js';
import { finalizeTests, functionReport } from './finalize.js';
import { ModelGate } from './model-gate.js';
import { silentProgress, type Progress } from './progress.js';
import { deepen, generate, repair, type Rounds } from './rounds.js';
import { selectFunctions } from './select.js';
import { newState, subject, type FunctionState } from './state.js';
import { verifyOracles } from './verify.js';

export interface ReviewResult {
  report: Report;
  /** The PR comment body, as written to comment.md. */
  comment: string;
  outDir: string;
  /** Set when a fail-on condition was met: the message, with the numbers. */
  failure: string | null;
}

export interface ReviewOptions {
  progress?: Progress;
  comment?: Omit<CommentOptions, 'marker'>;
  /** Rewrites the finished report before it is rendered and written (the action scrubs it). */
  prepare?: (report: Report) => Report;
}

/** The endpoint as shown in reports: no credentials, no query string. */
export function displayEndpoint(settings: Pick<ReviewSettings, 'endpoint' | 'replay'>): string {
  return settings.replay ? `replay:${settings.replay}` : endpointForDisplay(settings.endpoint);
}

/** Builds each function's context for the prompts from its module's source at head. */
async function prepareStates(
  settings: ReviewSettings,
  sources: Map<string, string>,
  functions: ChangedFunction[],
  skipped: SkippedItem[],
): Promise<FunctionState[]> {
  const files = [...new Set(functions.map((fn) => fn.file))];
  const contexts = await loadFunctionContexts(
    files.map((file) => {
      const inFile = functions.filter((fn) => fn.file === file);
      return {
        file,
        module: inFile[0]!.module,
        source: sources.get(file) ?? '',
        qualnames: inFile.map((fn) => fn.qualname),
      };
    }),
    { python: settings.python },
  );
  const taken = new Set<string>();
  const states: FunctionState[] = [];
  for (const fn of functions) {
    const found = contexts.find((c) => c.file === fn.file && c.qualname === fn.qualname);
    if (!found?.context) {
      skipped.push({ file: fn.file, qualname: fn.qualname, reason: found?.error ?? 'no context' });
      continue;
    }
    states.push(newState(fn, found.context, testFileName(fn.module, fn.qualname, taken)));
  }
  return states;
}

/** The rounds of the pipeline, over every function at once (each round is concurrent). */
async function runRounds(rounds: Rounds, states: FunctionState[], settings: ReviewSettings) {
  await generate(rounds, states);
  const live = () => states.filter((s) => !s.skipped);
  await repair(rounds, live(), settings.maxRetries);
  for (let round = 2; round <= settings.maxRounds; round++) {
    if (!(await deepen(rounds, live(), settings.maxRetries))) break;
  }
  await verifyOracles(rounds, live());
  await finalizeTests(live(), settings.python);
  for (const state of states) {
    rounds.progress.update(subject(state), state.skipped ? 'skipped' : 'done');
  }
}

type RoundsOutcome = Pick<Rounds, 'timings' | 'incomplete' | 'sandbox'>;

/** Reviews the prepared functions: the executor, the model, the rounds. */
async function reviewFunctions(
  settings: ReviewSettings,
  head: string,
  states: FunctionState[],
  client: ModelClient,
  progress: Progress,
  interpreter: Interpreter,
): Promise<RoundsOutcome> {
  // The sandbox's pristine tree takes a moment: prepare it while the first requests are out.
  const creating = Executor.create(
    settings.repo,
    head,
    {
      python: settings.python,
      testTimeoutSec: settings.testTimeout,
      budgetSec: settings.budget,
      reruns: settings.reruns,
      memoryBytes: settings.memoryMb * 1024 * 1024,
      passEnv: settings.passEnv,
      // Secrets given as flags, which no environment variable holds.
      secrets: [settings.apiKey, ...endpointSecrets(settings.endpoint)],
    },
    interpreter,
  );
  creating.catch(() => undefined); // awaited in the rounds; this only avoids an unhandled rejection
  const rounds: Rounds = {
    gate: new ModelGate(client, settings.concurrency),
    executor: creating,
    python: settings.python,
    api: settings.api,
    testsPerFunction: settings.testsPerFunction,
    maxTokens: settings.maxTokens,
    background: settings.background,
    progress,
    timings: { llmMs: 0, executeMs: 0 },
    incomplete: null,
    sandbox: null,
  };
  try {
    if (settings.waitForEndpoint > 0) await client.waitUntilReady(settings.waitForEndpoint);
    await runRounds(rounds, states, settings);
    return rounds;
  } finally {
    await (await creating.catch(() => null))?.dispose();
    progress.done();
  }
}

/**
 * `review`: from a change set to measured, verified tests. Writes report.json, comment.md
 * and tests/ under settings.out, and returns them.
 */
export async function runReview(
  settings: ReviewSettings,
  options: ReviewOptions = {},
): Promise<ReviewResult> {
  const started = Date.now();
  // One helper process serves every Python helper call of the review.
  const helpers = HelperSession.open(settings.python);
  try {
    // Beside change detection: an interpreter without pytest stops before any model request.
    const checking = Executor.checkInterpreter(settings);
    checking.catch(() => undefined); // awaited below, only when there is something to test
    const { changes, sources } = await analyseChanges(settings);
    const { selected, skipped: notSelected } = selectFunctions(
      changes.functions,
      settings.maxFunctions,
    );
    // report.json names a qualname in every skipped entry (DESIGN.md): null for a whole file.
    const skipped: SkippedItem[] = [
      ...changes.skipped.map(({ file, reason }) => ({ file, qualname: null, reason })),
      ...notSelected,
    ];
    const states = await prepareStates(settings, sources, selected, skipped);
    const client = modelClientFor(settings);
    const outcome: RoundsOutcome =
      states.length > 0
        ? await reviewFunctions(
            settings,
            changes.head,
            states,
            client,
            options.progress ?? silentProgress,
            await checking,
          )
        : { timings: { llmMs: 0, executeMs: 0 }, incomplete: null, sandbox: null };

    const functions = states.map((state) => functionReport(state, `tests/${state.fileName}`));
    const finished: Report = {
      version: 1,
      base: changes.base,
      head: changes.head,
      mergeBase: changes.mergeBase,
      model: settings.model,
      api: settings.api,
      endpoint: displayEndpoint(settings),
      functions,
      skipped,
      totals: summarize(functions),
      llm: client.usage(),
      timings: { totalMs: Date.now() - started, ...outcome.timings },
      ...(outcome.sandbox ? { sandbox: outcome.sandbox } : {}),
      incomplete: outcome.incomplete,
    };
    const report = options.prepare ? options.prepare(finished) : finished;
    const outDir = path.resolve(settings.out);
    const comment = renderComment(report, options.comment);
    await writeReviewFiles(outDir, report, comment);
    return { report, comment, outDir, failure: failOnReason(settings.failOn, headline(report)) };
  } finally {
    helpers.close();
  }
}
