import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { defaultCacheDir, md5 } from '../src/bench/dataset-cache.js';
import { loadDataset } from '../src/bench/datasets.js';
import { parseSamples, readSamples } from '../src/bench/samples.js';
import { UsageError } from '../src/errors.js';
import {
  HUMANEVAL,
  HUMANEVAL_PLUS,
  SWEBENCH_DEV,
  SWEBENCH_TEST,
  serveFiles,
  type StaticServer,
} from './support/bench-fixture.js';

const HUMANEVAL_MD5 = '88771747746422b8669027625578460c';
const HUMANEVAL_PLUS_MD5 = 'fe585eb4df8c88d844eeb463ea4d0302';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'semcoder-datasets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');

function usageError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

describe('loadDataset from files', () => {
  it('loads HumanEval with the md5 of its decompressed content', async () => {
    const dataset = await loadDataset('humaneval', HUMANEVAL, { cacheDir });
    assert.equal(dataset.records.length, 164);
    assert.equal(dataset.md5, HUMANEVAL_MD5);
    assert.equal(dataset.file, HUMANEVAL);
    assert.equal(dataset.records[0]?.task_id, 'HumanEval/0');
    assert.deepEqual(dataset.warnings, []);
  });

  it('loads HumanEval+ v0.1.10 with the md5 EvalPlus keys it by', async () => {
    const dataset = await loadDataset('humanevalplus', HUMANEVAL_PLUS, { cacheDir });
    assert.equal(dataset.md5, HUMANEVAL_PLUS_MD5);
    assert.equal(dataset.records.length, 164);
    const count = (field: 'base_input' | 'plus_input') =>
      dataset.records.reduce((total, record) => total + record[field].length, 0);
    assert.equal(count('base_input'), 1570);
    assert.equal(count('plus_input'), 122683);
    assert.equal(dataset.records.find((r) => r.task_id === 'HumanEval/32')?.atol, 0.0001);
  });

  it('loads SWE-bench with its JSON-encoded test lists decoded', async () => {
    const dataset = await loadDataset('swebench', SWEBENCH_TEST, { cacheDir });
    assert.equal(dataset.records.length, 300);
    const astropy = dataset.records.find((r) => r.instance_id === 'astropy__astropy-12907');
    assert.ok(astropy);
    assert.ok(Array.isArray(astropy.FAIL_TO_PASS) && astropy.FAIL_TO_PASS.length > 0);
    assert.ok(astropy.FAIL_TO_PASS.every((test) => typeof test === 'string'));
  });

  it('reads a .json array and a .parquet file in the SWE-bench schema', async () => {
    const rows = readFileSync(SWEBENCH_DEV, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const jsonFile = path.join(tmp, 'dev.json');
    writeFileSync(jsonFile, JSON.stringify(rows));
    const fields = Object.keys(rows[0]!);
    const parquetFile = path.join(tmp, 'dev.parquet');
    writeFileSync(
      parquetFile,
      Buffer.from(
        parquetWriteBuffer({
          columnData: fields.map((name) => ({
            name,
            data: rows.map((row) => String(row[name] ?? '')),
            type: 'STRING' as const,
          })),
        }),
      ),
    );
    const fromJsonl = await loadDataset('swebench', SWEBENCH_DEV, { cacheDir });
    const fromJson = await loadDataset('swebench', jsonFile, { cacheDir });
    const fromParquet = await loadDataset('swebench', parquetFile, { cacheDir });
    assert.equal(fromJsonl.records.length, 23);
    assert.deepEqual(fromJson.records, fromJsonl.records);
    assert.deepEqual(fromParquet.records, fromJsonl.records);
    assert.equal(fromParquet.md5, md5(readFileSync(parquetFile)));
  });

  it('recognises gzip by its content, whatever the name', async () => {
    const file = path.join(tmp, 'humaneval-no-suffix.jsonl');
    writeFileSync(file, readFileSync(HUMANEVAL));
    const dataset = await loadDataset('humaneval', file, { cacheDir });
    assert.equal(dataset.md5, HUMANEVAL_MD5);
  });

  it('skips invalid and duplicate records with a warning', async () => {
    const first = {
      task_id: 'T/0',
      prompt: 'def f():\n',
      entry_point: 'f',
      canonical_solution: '    return 1\n',
      test: '',
    };
    const second = { task_id: 'T/1', entry_point: 'f', canonical_solution: '', test: '' };
    const file = path.join(tmp, 'mixed.jsonl');
    writeFileSync(file, [first, second, first].map((r) => JSON.stringify(r)).join('\n'));
    const dataset = await loadDataset('humaneval', file, { cacheDir });
    assert.deepEqual(
      dataset.records.map((r) => r.task_id),
      ['T/0'],
    );
    assert.deepEqual(dataset.warnings, [
      'record 2: prompt: Invalid input: expected string, received undefined',
      "record 3: duplicate task_id 'T/0' skipped",
    ]);
  });

  it('says what is wrong with an unusable source', async () => {
    await assert.rejects(
      loadDataset('humaneval', path.join(tmp, 'missing.jsonl'), { cacheDir }),
      usageError(/Cannot read the dataset .*missing\.jsonl/),
    );
    await assert.rejects(
      loadDataset('humanevalplus', HUMANEVAL, { cacheDir }),
      usageError(/has no valid humanevalplus record\. First problem: record 1: contract/),
    );
    const parquet = path.join(tmp, 'he.parquet');
    writeFileSync(parquet, 'PAR1');
    await assert.rejects(
      loadDataset('humaneval', parquet, { cacheDir }),
      usageError(/only SWE-bench datasets may be parquet/),
    );
    const garbage = path.join(tmp, 'garbage.jsonl');
    writeFileSync(garbage, '{"task_id": "T/0"}\nnot json\n');
    await assert.rejects(
      loadDataset('humaneval', garbage, { cacheDir }),
      usageError(/Cannot parse the dataset .*line 2 is not JSON/),
    );
    await assert.rejects(
      loadDataset('humaneval', HUMANEVAL, { cacheDir, expectedMd5: 'abc' }),
      usageError(/has md5 88771747746422b8669027625578460c, not the expected abc/),
    );
  });
});

describe('loadDataset from URLs', () => {
  let server: StaticServer;
  before(async () => {
    server = await serveFiles({
      '/v0.1.10/HumanEvalPlus.jsonl.gz': readFileSync(HUMANEVAL_PLUS),
      '/HumanEval.jsonl.gz': readFileSync(HUMANEVAL),
    });
  });
  after(() => server.close());

  it('downloads once, then serves the cached copy of a known md5 without asking again', async () => {
    const url = `${server.url}/v0.1.10/HumanEvalPlus.jsonl.gz`;
    const cache = path.join(tmp, 'url-cache');
    const notices: string[] = [];
    const known = {
      cacheDir: cache,
      expectedMd5: HUMANEVAL_PLUS_MD5,
      log: (line: string) => notices.push(line),
    };
    const first = await loadDataset('humanevalplus', url, known);
    const second = await loadDataset('humanevalplus', url, known);
    assert.equal(server.hits.get('/v0.1.10/HumanEvalPlus.jsonl.gz'), 1);
    assert.equal(first.md5, HUMANEVAL_PLUS_MD5);
    assert.equal(second.md5, HUMANEVAL_PLUS_MD5);
    assert.equal(second.file, first.file);
    assert.ok(first.file.startsWith(path.join(cache, 'datasets', 'blobs')));
    assert.equal(first.source, url);
    assert.deepEqual(notices, []);
  });

  it('downloads again when the cached copy was damaged', async () => {
    const url = `${server.url}/HumanEval.jsonl.gz`;
    const cache = path.join(tmp, 'damaged-cache');
    const first = await loadDataset('humaneval', url, { cacheDir: cache });
    writeFileSync(first.file, 'damaged');
    const second = await loadDataset('humaneval', url, { cacheDir: cache });
    assert.equal(server.hits.get('/HumanEval.jsonl.gz'), 2);
    assert.equal(second.md5, HUMANEVAL_MD5);
  });

  it('refuses a download with another md5 than expected, and HTTP errors', async () => {
    const cache = path.join(tmp, 'refuse-cache');
    await assert.rejects(
      loadDataset('humaneval', `${server.url}/HumanEval.jsonl.gz`, {
        cacheDir: cache,
        expectedMd5: HUMANEVAL_PLUS_MD5,
      }),
      usageError(/not the expected fe585eb4df8c88d844eeb463ea4d0302/),
    );
    await assert.rejects(
      loadDataset('humaneval', `${server.url}/nothing.jsonl`, { cacheDir: cache }),
      usageError(/Could not download the dataset .*: HTTP 404/),
    );
  });

  it('keeps its cache under $SEMCODER_CACHE, else ~/.cache/semcoder-action', () => {
    assert.equal(defaultCacheDir({ SEMCODER_CACHE: '/x/y' }), '/x/y');
    assert.equal(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'semcoder-action'));
  });
});

/** HumanEval's first n records, as a .jsonl body. */
function humanEvalLines(n: number): Buffer {
  const lines = gunzipSync(readFileSync(HUMANEVAL)).toString('utf8').split('\n').slice(0, n);
  return Buffer.from(`${lines.join('\n')}\n`);
}

interface Exchange {
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  status: number;
}

/**
 * One file on 127.0.0.1 whose content the test changes, with the validators a test asks for,
 * answering conditional GETs with 304 when they still hold (or 500 when told to fail).
 */
async function changingFile(validators: { etag: boolean; lastModified: boolean }) {
  let version = 1;
  let body = humanEvalLines(3);
  let failing = false;
  const exchanges: Exchange[] = [];
  const modified = (v: number) => new Date(Date.UTC(2026, 0, v)).toUTCString();
  const server = http.createServer((request, response) => {
    const ifNoneMatch = request.headers['if-none-match'] ?? null;
    const ifModifiedSince = request.headers['if-modified-since'] ?? null;
    const etag = `"v${version}"`;
    const headers: Record<string, string> = {};
    if (validators.etag) headers.etag = etag;
    if (validators.lastModified) headers['last-modified'] = modified(version);
    let status = 200;
    if (failing) status = 500;
    else if (validators.etag && ifNoneMatch === etag) status = 304;
    else if (!validators.etag && validators.lastModified && ifModifiedSince === modified(version))
      status = 304;
    exchanges.push({ ifNoneMatch, ifModifiedSince, status });
    response.writeHead(status, headers).end(status === 200 ? body : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/HumanEval.jsonl`,
    exchanges,
    change: (records: number) => {
      version += 1;
      body = humanEvalLines(records);
    },
    fail: (on: boolean) => (failing = on),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('loadDataset revalidates a URL on each run', () => {
  it('keeps the cached copy on 304, and downloads a changed file again (ETag)', async () => {
    const file = await changingFile({ etag: true, lastModified: true });
    after(() => file.close());
    const cache = path.join(tmp, 'etag-cache');
    const first = await loadDataset('humaneval', file.url, { cacheDir: cache });
    const logged: string[] = [];
    const logging = { cacheDir: cache, log: (line: string) => logged.push(line) };
    const again = await loadDataset('humaneval', file.url, logging);
    assert.equal(first.records.length, 3);
    assert.equal(again.md5, first.md5);
    assert.equal(again.file, first.file);
    assert.deepEqual(logged, []);
    file.change(4);
    const changed = await loadDataset('humaneval', file.url, logging);
    assert.equal(changed.records.length, 4);
    assert.notEqual(changed.md5, first.md5);
    assert.notEqual(changed.file, first.file); // stored under its own content hash
    assert.equal(logged.length, 1);
    assert.match(
      logged[0]!,
      /The dataset .* changed since the copy downloaded .*: downloaded again/,
    );
    const still = await loadDataset('humaneval', file.url, { cacheDir: cache });
    assert.equal(still.md5, changed.md5);
    assert.deepEqual(
      file.exchanges.map((e) => [e.ifNoneMatch, e.status]),
      [
        [null, 200],
        ['"v1"', 304],
        ['"v1"', 200],
        ['"v2"', 304],
      ],
    );
  });

  it('asks with If-Modified-Since when the server sends Last-Modified only', async () => {
    const file = await changingFile({ etag: false, lastModified: true });
    after(() => file.close());
    const cache = path.join(tmp, 'modified-cache');
    const first = await loadDataset('humaneval', file.url, { cacheDir: cache });
    const again = await loadDataset('humaneval', file.url, { cacheDir: cache });
    assert.equal(again.md5, first.md5);
    file.change(5);
    const changed = await loadDataset('humaneval', file.url, { cacheDir: cache });
    assert.equal(changed.records.length, 5);
    assert.deepEqual(
      file.exchanges.map((e) => [e.ifModifiedSince, e.status]),
      [
        [null, 200],
        ['Thu, 01 Jan 2026 00:00:00 GMT', 304],
        ['Thu, 01 Jan 2026 00:00:00 GMT', 200],
      ],
    );
  });

  it('uses the cached copy, with a notice, when the server cannot be asked', async () => {
    const file = await changingFile({ etag: true, lastModified: false });
    const cache = path.join(tmp, 'offline-cache');
    const first = await loadDataset('humaneval', file.url, { cacheDir: cache });
    file.fail(true);
    const logged: string[] = [];
    const logging = { cacheDir: cache, log: (line: string) => logged.push(line) };
    const failing = await loadDataset('humaneval', file.url, logging);
    assert.equal(failing.md5, first.md5);
    assert.equal(logged.length, 1);
    assert.match(
      logged[0]!,
      /^Could not check the dataset http:\/\/127\.0\.0\.1:\d+\/HumanEval\.jsonl for changes \(HTTP 500\): using the copy downloaded \d{4}-/,
    );
    await file.close();
    const offline = await loadDataset('humaneval', file.url, logging);
    assert.equal(offline.md5, first.md5);
    assert.equal(logged.length, 2);
    assert.match(
      logged[1]!,
      /^Could not check the dataset .* for changes \(.+\): using the copy downloaded/,
    );
    await assert.rejects(
      loadDataset('humaneval', file.url, { cacheDir: path.join(tmp, 'empty-cache') }),
      usageError(/Could not download the dataset .*Check the URL and the network/),
    );
  });
});

describe('samples', () => {
  const prompts = new Map([
    ['HumanEval/0', 'def f(x):\n'],
    ['HumanEval/1', 'def g(x):\n'],
  ]);

  it('reads solutions and completions, in file order, repeating task ids', () => {
    const text = [
      JSON.stringify({ task_id: 'HumanEval/0', completion: '    return x\n' }),
      '',
      JSON.stringify({ task_id: 'HumanEval/1', solution: 'def g(x):\n    return 2\n' }),
      JSON.stringify({ task_id: 'HumanEval/0', solution: 'whole', completion: 'ignored' }),
    ].join('\n');
    assert.deepEqual(parseSamples(text, prompts), {
      samples: [
        { taskId: 'HumanEval/0', solution: 'def f(x):\n    return x\n' },
        { taskId: 'HumanEval/1', solution: 'def g(x):\n    return 2\n' },
        { taskId: 'HumanEval/0', solution: 'whole' },
      ],
      skipped: [],
    });
  });

  it('skips what it cannot use and says which line and why', () => {
    const text = [
      'not json',
      JSON.stringify({ completion: 'x' }),
      JSON.stringify({ task_id: 'Other/1', completion: 'x' }),
      JSON.stringify({ task_id: 'HumanEval/1', completion: 3 }),
      'null',
    ].join('\n');
    assert.deepEqual(parseSamples(text, prompts).skipped, [
      { taskId: null, line: 1, reason: 'not a JSON object' },
      { taskId: null, line: 2, reason: 'no string task_id' },
      { taskId: 'Other/1', line: 3, reason: 'the task is not in the dataset' },
      {
        taskId: 'HumanEval/1',
        line: 4,
        reason: 'neither a string solution nor a string completion',
      },
      { taskId: null, line: 5, reason: 'no string task_id' },
    ]);
  });

  it('reads gzipped samples files, and says when the file is missing', async () => {
    const file = path.join(tmp, 'samples.jsonl.gz');
    writeFileSync(
      file,
      gzipSync(`${JSON.stringify({ task_id: 'HumanEval/1', completion: '    pass\n' })}\n`),
    );
    assert.deepEqual((await readSamples(file, prompts)).samples, [
      { taskId: 'HumanEval/1', solution: 'def g(x):\n    pass\n' },
    ]);
    await assert.rejects(
      readSamples(path.join(tmp, 'none.jsonl'), prompts),
      usageError(/Cannot read the samples file/),
    );
  });
});
