import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  INPUTS,
  parseInputs,
  requireEndpoint,
  reviewReportDir,
  secretValues,
} from '../src/action/inputs.js';
import { UsageError } from '../src/errors.js';
import { repoRoot } from './support/python.js';

const actionYml = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

function problems(raw: Record<string, string>): string {
  try {
    parseInputs(raw);
  } catch (error) {
    assert.ok(error instanceof UsageError, 'a UsageError (exit code 2 for the CLI)');
    return error.message;
  }
  assert.fail('expected the inputs to be refused');
}

describe('inputs: action.yml and the parser agree', () => {
  it('declares exactly the inputs the parser reads, in the same order', () => {
    assert.deepEqual(Object.keys(actionYml.inputs), Object.keys(INPUTS));
  });

  it("uses action.yml's defaults when an input is empty", () => {
    for (const [name, spec] of Object.entries(INPUTS)) {
      if (name === 'github-token') {
        assert.equal(actionYml.inputs[name]!.default, '${{ github.token }}');
        continue;
      }
      assert.equal(actionYml.inputs[name]!.default ?? '', spec.default ?? '', `default of ${name}`);
    }
  });

  it('declares the outputs the issue names, on node24', () => {
    assert.deepEqual(Object.keys(actionYml.outputs), [
      'pass-rate',
      'edge-cases',
      'likely-bugs',
      'functions',
      'tests',
      'changed-lines-coverage',
      'report-path',
      'comment-url',
      'pass-at-1',
      'kill-rate',
      'success-rate',
      'results-dir',
    ]);
    assert.deepEqual(actionYml.runs, { using: 'node24', main: 'dist/index.js' });
  });
});

describe('inputs: documented for the README', () => {
  const doc = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  it('every input is in the Inputs table with its default', () => {
    for (const [name, spec] of Object.entries(actionYml.inputs)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      assert.ok(row, `${name} is documented`);
      if (spec.default) assert.ok(row.includes(`\`${spec.default}\``), `${name} shows its default`);
    }
  });
  it('every output is in the Outputs table', () => {
    for (const name of Object.keys(actionYml.outputs))
      assert.ok(doc.includes(`| \`${name}\``), name);
  });
});

describe('inputs: parsing and validation', () => {
  it('parses the defaults into typed values', () => {
    assert.deepEqual(parseInputs({}), {
      endpoint: undefined,
      apiKey: undefined,
      model: 'semcoder/semcoder_s_1030',
      api: 'completions',
      githubToken: undefined,
      mode: 'auto',
      python: 'python3',
      include: [],
      exclude: [],
      maxFunctions: 20,
      testsPerFunction: 8,
      maxRetries: 2,
      testTimeout: 10,
      concurrency: 4,
      waitForEndpoint: 0,
      comment: true,
      inline: false,
      failOn: { kind: 'none' },
      pr: undefined,
      base: undefined,
      head: undefined,
      includeDrafts: false,
      allowPullRequestTarget: false,
      path: undefined,
      reportDir: undefined,
      artifactName: 'semcoder-report',
      suites: ['humanevalplus'],
      dataset: undefined,
      limit: undefined,
      samples: 1,
      temperature: 0,
      shard: undefined,
      history: undefined,
      failBelow: undefined,
      maxDrop: undefined,
    });
  });

  it('parses the benchmark inputs', () => {
    const inputs = parseInputs({
      suite: 'humaneval,\n testgen',
      limit: '0',
      samples: '10',
      temperature: '0.8',
      shard: '2/4',
      'fail-below': '75.5',
      'max-drop': '3',
    });
    assert.deepEqual(inputs.suites, ['humaneval', 'testgen']);
    assert.equal(inputs.limit, undefined, '0 means every task');
    assert.equal(parseInputs({ limit: '20' }).limit, 20);
    assert.deepEqual(
      [inputs.samples, inputs.temperature, inputs.shard, inputs.failBelow, inputs.maxDrop],
      [10, 0.8, '2/4', 75.5, 3],
    );
  });

  it('parses given values', () => {
    const inputs = parseInputs({
      endpoint: 'http://localhost:8000/v1/',
      api: 'chat',
      include: 'src/**\n  lib/*.py, tools/**',
      'max-functions': '7',
      comment: 'False',
      inline: 'TRUE',
      'fail-on': 'pass-rate-below:0.75',
      pr: '42',
      'wait-for-endpoint': '600',
    });
    assert.equal(inputs.endpoint, 'http://localhost:8000/v1');
    assert.equal(inputs.api, 'chat');
    assert.deepEqual(inputs.include, ['src/**', 'lib/*.py', 'tools/**']);
    assert.equal(inputs.maxFunctions, 7);
    assert.equal(inputs.comment, false);
    assert.equal(inputs.inline, true);
    assert.deepEqual(inputs.failOn, { kind: 'pass-rate-below', threshold: 0.75 });
    assert.equal(inputs.pr, 42);
    assert.equal(inputs.waitForEndpoint, 600);
  });

  const failOnCases: [string, unknown][] = [
    ['none', { kind: 'none' }],
    ['edge-cases', { kind: 'edge-cases' }],
    ['likely-bugs', { kind: 'likely-bugs' }],
    ['pass-rate-below:0', { kind: 'pass-rate-below', threshold: 0 }],
    ['pass-rate-below:1', { kind: 'pass-rate-below', threshold: 1 }],
    ['pass-rate-below:0.9', { kind: 'pass-rate-below', threshold: 0.9 }],
  ];
  for (const [value, expected] of failOnCases) {
    it(`fail-on: ${value}`, () =>
      assert.deepEqual(parseInputs({ 'fail-on': value }).failOn, expected));
  }

  const invalid: [Record<string, string>, RegExp][] = [
    [
      { 'max-functions': 'ten' },
      /^Invalid input 'max-functions': 'ten'\. Expected a whole number from 1 to 1000\.$/,
    ],
    [{ 'max-functions': '0' }, /'max-functions': '0'\. Expected a whole number from 1 to 1000/],
    [{ 'test-timeout': '1.5' }, /'test-timeout': '1\.5'\. Expected a number of seconds/],
    [{ concurrency: '-1' }, /'concurrency': '-1'/],
    [{ comment: 'yes' }, /^Invalid input 'comment': 'yes'\. Expected true or false\.$/],
    [
      { 'fail-on': 'pass-rate-below:1.5' },
      /'fail-on': 'pass-rate-below:1\.5'\. Expected one of none, edge-cases, likely-bugs, pass-rate-below:<0\.\.1>/,
    ],
    [{ 'fail-on': 'bugs' }, /'fail-on': 'bugs'/],
    [{ mode: 'fast' }, /'mode': 'fast'\. Expected one of auto, review, benchmark, publish/],
    [{ api: 'responses' }, /'api': 'responses'\. Expected 'completions' or 'chat'/],
    [
      { endpoint: 'localhost:8000' },
      /'endpoint': 'localhost:8000'\. Expected an http\(s\) URL such as http:\/\/localhost:8000\/v1/,
    ],
    [{ endpoint: 'ftp://x/v1' }, /'endpoint'/],
    [{ pr: '#42' }, /'pr': '#42'\. Expected a pull request number such as 42/],
    [
      { base: '--upload-pack=evil' },
      /'base': '--upload-pack=evil'\. Expected a branch, tag or commit sha/,
    ],
    [{ head: 'a b', base: 'main' }, /'head': 'a b'/],
    [{ 'artifact-name': 'a/b' }, /'artifact-name': 'a\/b'/],
    [{ pr: '4', base: 'main' }, /'pr' and 'base'\/'head' exclude each other/],
    [
      { suite: 'mbpp' },
      /'suite': 'mbpp'\. Expected one or more of humaneval, humanevalplus, testgen/,
    ],
    [{ samples: '0' }, /'samples': '0'\. Expected a whole number of samples per task/],
    [{ temperature: '3' }, /'temperature': '3'\. Expected a sampling temperature from 0 to 2/],
    [{ shard: '2' }, /'shard': '2'\. Expected K\/N/],
    [{ 'fail-below': '101' }, /'fail-below': '101'\. Expected a percentage/],
    [{ 'max-drop': '-1' }, /'max-drop': '-1'/],
    [{ head: 'feature' }, /'head' needs 'base'/],
  ];
  for (const [raw, pattern] of invalid) {
    it(`refuses ${JSON.stringify(raw)}`, () => assert.match(problems(raw), pattern));
  }

  it('lists every problem at once, one per line', () => {
    const message = problems({ 'max-functions': 'x', comment: 'maybe', mode: 'y' });
    assert.equal(message.split('\n').length, 3);
  });

  it('takes the key and the token from the environment when the inputs are empty', () => {
    const inputs = parseInputs(
      {},
      { SEMCODER_API_KEY: 'sk-from-env', GITHUB_TOKEN: 'ghs_fromEnv' },
    );
    assert.equal(inputs.apiKey, 'sk-from-env');
    assert.equal(inputs.githubToken, 'ghs_fromEnv');
    const given = parseInputs({ 'api-key': 'sk-input' }, { SEMCODER_API_KEY: 'sk-from-env' });
    assert.equal(given.apiKey, 'sk-input');
    assert.deepEqual(secretValues(given), ['sk-input']);
  });

  it('the report folder defaults to $RUNNER_TEMP/semcoder-report', () => {
    assert.equal(
      reviewReportDir(parseInputs({}), { RUNNER_TEMP: '/runner/tmp' }),
      '/runner/tmp/semcoder-report',
    );
    assert.equal(
      reviewReportDir(parseInputs({ 'report-dir': 'out/r' }), { RUNNER_TEMP: '/x' }),
      'out/r',
    );
  });

  it('an endpoint is required to review', () => {
    assert.throws(
      () => requireEndpoint(parseInputs({})),
      /'endpoint' is required.*http:\/\/localhost:8000\/v1/,
    );
    assert.equal(
      requireEndpoint(parseInputs({ endpoint: 'https://llm.example/v1' })),
      'https://llm.example/v1',
    );
  });
});

describe('inputs: read from the runner', () => {
  it('masks the key and the token before anything else is printed', async () => {
    const script = [
      "import { readInputs } from './src/action/inputs.ts';",
      'try { readInputs(); } catch (error) { console.log(String(error.message)); }',
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          'INPUT_API-KEY': 'sk-secret-key-123',
          'INPUT_GITHUB-TOKEN': 'ghs_secretToken456',
          'INPUT_MAX-FUNCTIONS': 'lots',
        },
      },
    );
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), [
      '::add-mask::sk-secret-key-123',
      '::add-mask::ghs_secretToken456',
    ]);
    assert.match(stdout, /Invalid input 'max-functions': 'lots'/);
    assert.equal(
      stdout.split('sk-secret-key-123').length,
      2,
      'the key appears only in the mask command',
    );
  });
});
