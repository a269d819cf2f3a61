// npm run bench:review — reviews 30 changed functions against the scripted test server with
// 250 ms of latency per request, and prints actual time / ideal time (target <= 1.2).
// Ideal: the model request rounds at full concurrency (ceil(requests per round / concurrency)
// x latency, per round) plus the executor's measured time. The scripted answers are written
// for this bench (two passing tests and one wrong oracle per function) and say nothing about
// the model's quality.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TestRepo } from '../../__tests__/support/git-repo.js';
import { startScriptedServer } from '../../__tests__/support/openai-server.js';
import { testPython } from '../../__tests__/support/python.js';
import { parseSettings, reviewSettingsSchema } from '../../src/settings.js';
import { runReview } from '../../src/testgen/review.js';

const { values } = parseArgs({
  options: {
    functions: { type: 'string', default: '30' },
    latency: { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '4' },
  },
});
const FUNCTIONS = Number(values.functions);
const LATENCY_MS = Number(values.latency);
const CONCURRENCY = Number(values.concurrency);

const module = (version: number) =>
  Array.from(
    { length: FUNCTIONS },
    (_, i) =>
      `def scale_${i}(x):\n    """Return x times ${i + 2}."""\n    return x * ${i + 2}${version ? ' + 0' : ''}\n`,
  ).join('\n\n');

const repo = new TestRepo('semcoder-bench-review-');
const base = repo.commit({ 'pkg/__init__.py': '', 'pkg/scales.py': module(0) });
repo.commit({ 'pkg/scales.py': module(1) });

const server = await startScriptedServer({
  latencyMs: LATENCY_MS,
  rules: [
    {
      match: 'Simulate the Execution',
      reply: (request) => {
        const call = /assert (scale_\d+\(3\)) == \?\?/.exec(request.prompt)?.[1] ?? 'f(3)';
        const factor = Number(/scale_(\d+)/.exec(call)?.[1] ?? 0) + 2;
        return { text: `[ANSWER]assert ${call} == ${3 * factor}[/ANSWER]` };
      },
    },
    {
      match: 'Write pytest tests',
      reply: (request) => {
        const i = Number(/`scale_(\d+)` of module/.exec(request.prompt)?.[1]);
        const f = `scale_${i}`;
        return {
          text:
            `def test_one():\n    """x=1."""\n    assert ${f}(1) == ${i + 2}\n\n\n` +
            `def test_zero():\n    """Zero."""\n    assert ${f}(0) == 0\n\n\n` +
            `def test_three():\n    """A wrong oracle."""\n    assert ${f}(3) == ${3 * (i + 2) + 1}\n\`\`\`\n`,
        };
      },
    },
  ],
});

try {
  const settings = parseSettings(reviewSettingsSchema, {
    repo: repo.dir,
    base,
    endpoint: server.url,
    python: testPython(),
    concurrency: CONCURRENCY,
    maxFunctions: FUNCTIONS,
    out: `${repo.dir}-out`,
  });
  const started = Date.now();
  const { report } = await runReview(settings);
  const actualMs = Date.now() - started;

  // Requests per round, from what the server saw: generation, then verification.
  const kinds = new Map<string, number>();
  for (const r of server.requests.filter((r) => r.api === 'completions')) {
    const kind = r.prompt.startsWith('Simulate') ? 'verify' : 'generate';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const rounds = [...kinds.values()].reduce((a, n) => a + Math.ceil(n / CONCURRENCY), 0);
  const idealMs = rounds * LATENCY_MS + report.timings.executeMs;
  console.log(
    `review: ${report.functions.length} functions, ${report.totals.generated} tests, ` +
      `${[...kinds].map(([k, n]) => `${n} ${k}`).join(' + ')} requests at ${LATENCY_MS} ms, concurrency ${CONCURRENCY}`,
  );
  console.log(
    `  ideal:  ${(idealMs / 1000).toFixed(2)} s = ${rounds} request rounds x ${LATENCY_MS} ms + ${(report.timings.executeMs / 1000).toFixed(2)} s measured execution`,
  );
  console.log(`  actual: ${(actualMs / 1000).toFixed(2)} s`);
  const { llmMs, executeMs } = report.timings;
  const other = actualMs - llmMs - executeMs;
  console.log(
    `          model ${(llmMs / 1000).toFixed(2)} s + tests ${(executeMs / 1000).toFixed(2)} s + the rest ${(other / 1000).toFixed(2)} s`,
  );
  console.log(`  ratio:  ${(actualMs / idealMs).toFixed(2)} — target <= 1.2`);
  rmSync(`${repo.dir}-out`, { recursive: true, force: true });
} finally {
  await server.stop();
  repo.remove();
}
