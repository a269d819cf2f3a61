import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseInputs, secretValues } from '../src/action/inputs.js';
import {
  endpointSecrets,
  redactBytes,
  redactDeep,
  redactFiles,
  redactSecrets,
} from '../src/action/secrets.js';
import { renderComment } from '../src/report/comment.js';
import { functionReport, report } from './support/report-fixture.js';

describe('secrets: which values', () => {
  const cases: [string, string | undefined, string[]][] = [
    ['no credentials', 'http://localhost:8000/v1', []],
    ['empty', undefined, []],
    ['not a URL', 'localhost:8000', []],
    ['a query token', 'https://llm.example/v1?token=qs-secret-999', ['qs-secret-999']],
    [
      'userinfo and two query values',
      'https://bot:pw-secret-1234@llm.example/v1?key=k3y-value&region=eu',
      ['pw-secret-1234', 'k3y-value'],
    ],
    [
      'a percent-encoded value, as written and decoded',
      'http://h/v1?k=ab%2Fcd%3D',
      ['ab%2Fcd%3D', 'ab/cd='],
    ],
    ['a bare query value', 'http://h/v1?sk-bare-value', ['sk-bare-value']],
    ['short values are not secrets', 'http://u:pw@h/v1?v=1&x=abc', []],
  ];
  for (const [name, url, expected] of cases) {
    it(`endpoint: ${name}`, () => assert.deepEqual(endpointSecrets(url), expected));
  }

  it('secretValues: the key, the token and the endpoint credentials, once each', () => {
    const inputs = parseInputs({
      endpoint: 'http://127.0.0.1:9/v1?token=qs-secret-999',
      'api-key': 'sk-key-0001',
      'github-token': 'ghs_token',
    });
    assert.deepEqual(secretValues(inputs), ['sk-key-0001', 'ghs_token', 'qs-secret-999']);
  });
});

describe('secrets: scrubbing', () => {
  it('redacts the longest secret first, and token-shaped strings', () => {
    const token = `ghp_${'a'.repeat(36)}`;
    assert.equal(
      redactSecrets(`sk-abcd and sk-abcdef and ${token}`, ['sk-abcd', 'sk-abcdef']),
      '*** and *** and ***',
    );
  });

  it('redacts data before it is rendered: escaping would hide a secret from the markdown', () => {
    const secret = 'sk_live_key*1';
    const data = report([
      functionReport({ skipped: `the endpoint said ${secret}`, tests: [], testCode: null }),
    ]);
    assert.ok(!renderComment(data).includes(secret), 'the rendering spells the secret otherwise');
    assert.ok(redactSecrets(renderComment(data), [secret]).includes('sk\\_live\\_key\\*1'));
    const scrubbed = redactDeep(data, [secret]);
    assert.equal(scrubbed.functions[0]!.skipped, 'the endpoint said ***');
    assert.equal(data.functions[0]!.skipped, `the endpoint said ${secret}`, 'not mutated');
    assert.deepEqual(scrubbed.totals, data.totals);
  });

  it('redacts the bytes of any file: plain, JSON-escaped, and binary around them', () => {
    const secret = 'pa"ss\\word';
    const json = Buffer.from(JSON.stringify({ reason: `got ${secret}` }));
    assert.equal(redactBytes(json, [secret])?.toString(), '{"reason":"got ***"}');
    const binary = Buffer.from([0xff, 0x00, ...Buffer.from(`x${secret}y`), 0xfe, 0xe2, 0x82]);
    assert.deepEqual(
      redactBytes(binary, [secret]),
      Buffer.from([0xff, 0x00, ...Buffer.from('x***y'), 0xfe, 0xe2, 0x82]),
    );
    assert.equal(redactBytes(Buffer.from('nothing here'), [secret]), null);
  });

  it('redactFiles rewrites only the files that held a secret', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-secrets-'));
    mkdirSync(path.join(dir, 'tests'));
    writeFileSync(path.join(dir, 'tests', 'test_a.py'), 'def test_a():\n    """key sk-0042x"""\n');
    writeFileSync(path.join(dir, 'clean.md'), 'nothing');
    const changed = await redactFiles(dir, ['sk-0042x']);
    assert.deepEqual(changed, [path.join('tests', 'test_a.py')]);
    assert.equal(
      readFileSync(path.join(dir, 'tests', 'test_a.py'), 'utf8'),
      'def test_a():\n    """key ***"""\n',
    );
  });
});
