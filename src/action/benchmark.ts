import * as core from '@actions/core';
import path from 'node:path';
import { defaultRunId, HEADLINES } from '../bench/history.js';
import { benchRunSettingsSchema, type BenchRunSettings } from '../bench/run-settings.js';
import type { TrackRun } from '../bench/track.js';
import { runTrack } from '../bench/tracks.js';
import { BENCH_TITLES, type BenchSuite } from '../bench/types.js';
import { errorMessage } from '../errors.js';
import { filesUnder, uploadArtifact } from '../github/artifact.js';
import { writeJobSummary } from '../github/summary.js';
import { escapeText } from '../report/markdown.js';
import { parseSettings } from '../settings.js';
import type { RunPlan } from './events.js';
import { requireEndpoint, reviewReportDir, secretValues, type ActionInputs } from './inputs.js';
import { redactFiles, redactSecrets } from './secrets.js';

/**
 * mode: benchmark (schedule, and workflow_dispatch without a pull request or range): runs
 * each suite of the `suite` input against the endpoint with the action's inputs, writes their
 * summaries to the job summary, sets the outputs, uploads the results as an artifact, and
 * fails the step when a suite's regression gate fails or a suite could not run. One suite
 * failing does not stop the others.
 */

export type BenchmarkPlan = Extract<RunPlan, { kind: 'benchmark' }>;

/** The input each setting comes from, so a problem names what the workflow set. */
const INPUT_OF: Record<string, string> = {
  samplesPerTask: 'samples',
  failBelow: 'fail-below',
  maxDrop: 'max-drop',
  testsPerFunction: 'tests-per-function',
  maxRetries: 'max-retries',
  testTimeout: 'test-timeout',
  waitForEndpoint: 'wait-for-endpoint',
};
const inputName = (key: string) =>
  `Input '${INPUT_OF[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}'`;

/** The settings of one suite's run, from the inputs. */
export function benchmarkSettings(
  inputs: ActionInputs,
  suite: BenchSuite,
  options: { outDir: string; runId: string; waitForEndpoint: number },
): BenchRunSettings {
  return parseSettings(
    benchRunSettingsSchema,
    {
      suite,
      dataset: inputs.dataset,
      out: path.join(options.outDir, suite),
      endpoint: requireEndpoint(inputs),
      model: inputs.model,
      api: inputs.api,
      apiKey: inputs.apiKey,
      limit: inputs.limit,
      shard: inputs.shard,
      python: inputs.python,
      samplesPerTask: inputs.samples,
      temperature: inputs.temperature,
      concurrency: inputs.concurrency,
      waitForEndpoint: options.waitForEndpoint,
      testsPerFunction: inputs.testsPerFunction,
      maxRetries: inputs.maxRetries,
      testTimeout: inputs.testTimeout,
      // Read by swebench only (the other suites ignore it).
      maxFunctions: inputs.maxFunctions,
      history: inputs.history,
      failBelow: inputs.failBelow,
      maxDrop: inputs.maxDrop,
      runId: options.runId,
    },
    inputName,
  );
}

/** The output (action.yml) that carries each suite's headline figure. */
export const OUTPUT_OF: Record<BenchSuite, string> = {
  humaneval: 'pass-at-1',
  humanevalplus: 'pass-at-1',
  testgen: 'kill-rate',
  swebench: 'success-rate',
};

/**
 * The outputs of the runs: each suite's headline figure (pass@1, kill rate, success rate); of
 * two code-generation suites, the first one run sets pass-at-1.
 */
export function benchmarkOutputs(runs: readonly TrackRun[]): Record<string, number> {
  const outputs: Record<string, number> = {};
  for (const run of runs) {
    const value = HEADLINES[run.suite]?.pick(run.figures) ?? null;
    const name = OUTPUT_OF[run.suite];
    if (value !== null && !(name in outputs)) outputs[name] = value;
  }
  return outputs;
}

/** Carries out a benchmark plan: the action's side of `mode: benchmark`. */
export async function runBenchmarkMode(
  plan: BenchmarkPlan,
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  requireEndpoint(inputs);
  const outDir = reviewReportDir(inputs, env);
  const now = new Date();
  const runId = defaultRunId(env, now);
  core.info(
    `semcoder-action: benchmarks ${inputs.suites.join(', ')} (triggered by ${plan.trigger})`,
  );
  const runs: TrackRun[] = [];
  const problems: string[] = [];
  for (const suite of inputs.suites) {
    try {
      // The server is up once the first suite started: wait only before that.
      const wait = runs.length === 0 && problems.length === 0 ? inputs.waitForEndpoint : 0;
      const settings = benchmarkSettings(inputs, suite, { outDir, runId, waitForEndpoint: wait });
      const run = await runTrack(settings, {
        log: (line) => core.info(line),
        now,
        runId,
        gateNames: { failBelow: "input 'fail-below'", maxDrop: "input 'max-drop'" },
      });
      for (const line of run.lines) core.info(line);
      runs.push(run);
      if (run.report.gate?.failed) problems.push(...run.report.gate.messages);
    } catch (error) {
      problems.push(`${BENCH_TITLES[suite]}: ${errorMessage(error)}`);
    }
  }
  const secrets = secretValues(inputs);
  const sections = [
    `# SemCoder benchmarks\n\nTriggered by \`${escapeText(plan.trigger)}\` on ${escapeText(`${plan.owner}/${plan.repo}`)}.`,
    ...runs.map((run) => run.report.summary.trimEnd()),
  ];
  if (problems.length > 0) {
    // Scrubbed before escaping, which changes a secret's spelling (sk_live -> sk\\_live).
    const listed = problems.map((p) => `- ${escapeText(redactSecrets(p, secrets), 400)}`);
    sections.push(`## Problems\n\n${listed.join('\n')}`);
  }
  await writeJobSummary(redactSecrets(`${sections.join('\n\n')}\n`, secrets));
  for (const [name, value] of Object.entries(benchmarkOutputs(runs))) core.setOutput(name, value);
  core.setOutput('results-dir', outDir);
  await redactFiles(outDir, secrets);
  const files = await filesUnder(outDir).catch(() => []);
  const upload = await uploadArtifact(inputs.artifactName, outDir, files);
  if (upload.uploaded) core.info(`Uploaded the results as the artifact '${upload.name}'.`);
  if (problems.length > 0) core.setFailed(problems.join('\n'));
}
