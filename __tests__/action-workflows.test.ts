import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from './support/python.js';

/**
 * The example workflows users copy (in .github/workflows/, beside this repository's own) are
 * checked against action.yml and the security rules the README promises: every `with:` key is
 * a real input, and the fork-safe pair keeps secrets and write access away from the pull
 * request's code. In this repository they must not run: each job carries the example guard,
 * explained at the top of the file and easy to remove in a copy.
 */

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[]; if?: string; 'runs-on': unknown }>;
}

const EXAMPLES = [
  'manual-eval.yml',
  'publish-fork.yml',
  'review-fork.yml',
  'review-gpu.yml',
  'review-shared-endpoint.yml',
];
const folder = path.join(repoRoot, '.github', 'workflows');
const texts = Object.fromEntries(
  EXAMPLES.map((f) => [f, readFileSync(path.join(folder, f), 'utf8')]),
);
const workflows = Object.fromEntries(
  Object.entries(texts).map(([f, t]) => [f, parse(t) as Workflow]),
);
const inputs = Object.keys(
  (parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: object }).inputs,
);
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const ours = (w: Workflow) =>
  steps(w).filter((s) => s.uses?.startsWith('semcoder-action/semcoder-action@'));

describe('example workflows', () => {
  it("ships the five examples beside the repository's own workflows, linked from the README", () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const all = readdirSync(folder).filter((f) => f.endsWith('.yml'));
    assert.deepEqual(all.sort(), [...EXAMPLES, 'benchmark.yml', 'ci.yml'].sort());
    for (const file of EXAMPLES) assert.ok(readme.includes(`](.github/workflows/${file})`), file);
    assert.ok(!readme.includes('docs/workflows'));
  });

  /** What each job's `if:` is without the guard: the conditions the example needs. */
  const CONDITIONS: Record<string, string | undefined> = {
    'manual-eval.yml': undefined,
    'publish-fork.yml':
      "github.event.workflow_run.event == 'pull_request' && github.event.workflow_run.conclusion != 'cancelled'",
    'review-fork.yml': undefined,
    'review-gpu.yml': undefined,
    'review-shared-endpoint.yml':
      'github.event.pull_request.head.repo.full_name == github.repository',
  };

  /** The copy a user makes, following the instructions at the top of the file. */
  const unguard = (text: string) =>
    text
      .replace(/^ *if: vars\.SEMCODER_EXAMPLE_WORKFLOWS == 'true' # example guard.*\n/gm, '')
      .replace(/vars\.SEMCODER_EXAMPLE_WORKFLOWS == 'true' && /g, '');

  for (const [file, text] of Object.entries(texts)) {
    it(`${file}: every job is guarded here, and the top of the file says how to remove it`, () => {
      const header = text.slice(0, text.indexOf('\nname:'));
      assert.match(header, /Example guard:[\s\S]*SEMCODER_EXAMPLE_WORKFLOWS[\s\S]*In your copy/);
      for (const [name, job] of Object.entries(workflows[file]!.jobs)) {
        assert.match(job.if ?? '', /^vars\.SEMCODER_EXAMPLE_WORKFLOWS == 'true'( && |$)/, name);
      }
      const copy = unguard(text);
      const body = copy.split('\n').filter((l) => !l.trimStart().startsWith('#'));
      assert.ok(!body.join('\n').includes('SEMCODER_EXAMPLE_WORKFLOWS'), 'guard left in the copy');
      const copied = parse(copy) as Workflow;
      assert.deepEqual(Object.keys(copied.jobs), Object.keys(workflows[file]!.jobs));
      const conditions = Object.values(copied.jobs).map((job) => job.if);
      assert.deepEqual(conditions, [CONDITIONS[file]]);
    });
  }

  it('the shared-endpoint example waits for the endpoint, so a down server fails the step', () => {
    const w = workflows['review-shared-endpoint.yml']!;
    assert.ok(Number(ours(w)[0]!.with!['wait-for-endpoint']) > 0);
  });

  for (const [file, workflow] of Object.entries(workflows)) {
    it(`${file}: uses the action with real inputs only`, () => {
      assert.ok(ours(workflow).length >= 1);
      for (const step of ours(workflow)) {
        for (const key of Object.keys(step.with ?? {}))
          assert.ok(inputs.includes(key), `${file}: unknown input ${key}`);
      }
    });
  }

  it('the GPU example serves SemCoder-S in bf16, waits for it, and always stops it', () => {
    const w = workflows['review-gpu.yml']!;
    const start = steps(w).find((s) => s.run?.includes('vllm serve'))!;
    assert.match(
      start.run!,
      /vllm serve semcoder\/semcoder_s_1030 \\\s*\n\s*--dtype bfloat16 --port 8000/,
    );
    assert.ok(Number(ours(w)[0]!.with!['wait-for-endpoint']) > 0);
    const stop = steps(w).at(-1)!;
    assert.equal(stop.if, 'always()');
    assert.match(stop.run!, /kill -TERM -- "-\$pgid"/);
  });

  it('the fork review has no secrets and no write permission', () => {
    const text = texts['review-fork.yml']!;
    const w = workflows['review-fork.yml']!;
    assert.ok(!text.includes('${{ secrets.'));
    assert.deepEqual(w.permissions, { contents: 'read' });
    assert.deepEqual(Object.keys(w.on), ['pull_request']);
    assert.equal(ours(w)[0]!.with!.comment, false);
  });

  it('the fork publish runs nothing from the pull request and posts from the artifact', () => {
    const w = workflows['publish-fork.yml']!;
    const review = workflows['review-fork.yml']!;
    assert.deepEqual((w.on.workflow_run as { workflows: string[] }).workflows, [review.name]);
    assert.ok(!steps(w).some((s) => s.uses?.startsWith('actions/checkout')), 'no checkout');
    assert.ok(!steps(w).some((s) => s.run), 'no shell step');
    const download = steps(w).find((s) => s.uses?.startsWith('actions/download-artifact'))!;
    assert.equal(download.with!['run-id'], '${{ github.event.workflow_run.id }}');
    assert.equal(download.with!.name, ours(review)[0]!.with!['artifact-name']);
    assert.equal(ours(w)[0]!.with!.mode, 'publish');
    assert.equal(ours(w)[0]!.with!['report-dir'], download.with!.path);
    assert.equal(w.permissions?.['pull-requests'], 'write');
  });

  it('the reviews that comment ask for pull-requests: write and contents: read only', () => {
    for (const file of ['review-gpu.yml', 'review-shared-endpoint.yml', 'manual-eval.yml']) {
      assert.deepEqual(
        workflows[file]!.permissions,
        { contents: 'read', 'pull-requests': 'write' },
        file,
      );
    }
  });

  it('the manual evaluation has typed inputs, all passed to the action', () => {
    const w = workflows['manual-eval.yml']!;
    const dispatch = (w.on.workflow_dispatch as { inputs: Record<string, { type: string }> })
      .inputs;
    for (const [name, spec] of Object.entries(dispatch)) {
      assert.ok(['number', 'string', 'choice', 'boolean'].includes(spec.type), `${name} is typed`);
      assert.equal(ours(w)[0]!.with![name], `\${{ inputs.${name} }}`);
    }
  });
});
