// npm run demo — the review end to end on a small demo repository, with the scripted test
// server standing in for SemCoder. The server's answers are written by hand for this demo
// (the same ones the test suite uses): they show what the action does with a model's output,
// not how good the model is.
//
//   npm run demo                      review the demo change with dist/cli.js, print comment.md
//   npm run demo -- --serve --dir D   CI: make the demo repository in D, serve the scripted
//                                     answers, print DEMO_* variables, run until killed
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startScriptedServer } from '../__tests__/support/openai-server.js';
import { repoRoot, testPython } from '../__tests__/support/python.js';
import { reviewRepo, reviewScript } from '../__tests__/support/review-fixture.js';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    dir: { type: 'string' },
    port: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});

const dir = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'semcoder-demo-'));
const { base, head } = reviewRepo(path.resolve(dir));
const server = await startScriptedServer({ rules: reviewScript(), port: Number(values.port) });

if (values.serve) {
  const env = {
    DEMO_REPO: path.resolve(dir),
    DEMO_BASE: base,
    DEMO_HEAD: head,
    DEMO_ENDPOINT: server.url,
  };
  process.stdout.write(
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  process.stdout.write('Serving the scripted answers; stop with Ctrl-C.\n');
} else {
  const out = values.out ?? path.join(dir, 'semcoder-review');
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const args = ['review', '--repo', dir, '--base', base, '--head', head, '--endpoint', server.url];
  // Not spawnSync: the scripted server answers from this very process.
  const child = spawn(process.execPath, [cli, ...args, '--out', out, '--python', testPython()], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await server.stop();
  const comment = path.join(out, 'comment.md');
  // No comment: the CLI stopped before reviewing (e.g. an interpreter without pytest) and
  // said why on stderr.
  if (existsSync(comment)) {
    process.stdout.write(`\n--- ${comment} ---\n`);
    process.stdout.write(readFileSync(comment, 'utf8'));
  }
  process.exit(status ?? 1);
}
