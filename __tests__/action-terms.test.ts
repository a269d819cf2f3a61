import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inActionTerms, reportInActionTerms } from '../src/action/terms.js';
import { functionReport, report } from './support/report-fixture.js';

describe("the engine's messages in the action's terms", () => {
  it('names an input where the engine names the flag of the same setting', () => {
    assert.equal(
      inActionTerms('Check --api-key (or SEMCODER_API_KEY).'),
      "Check 'api-key' (or SEMCODER_API_KEY).",
    );
    assert.equal(
      inActionTerms('--endpoint is not an http(s) URL. Check --endpoint and --model.'),
      "'endpoint' is not an http(s) URL. Check 'endpoint' and 'model'.",
    );
    assert.equal(
      inActionTerms('or wait longer with --wait-for-endpoint.'),
      "or wait longer with 'wait-for-endpoint'.",
    );
  });

  it('leaves flags without an input, and other programs’ options, as they are', () => {
    const text =
      'a lower --concurrency or more --request-retries may help; run git fetch --unshallow; ' +
      'record with --record DIR; --max-tokens-x; x--model';
    assert.equal(
      inActionTerms(text),
      "a lower 'concurrency' or more --request-retries may help; run git fetch --unshallow; " +
        'record with --record DIR; --max-tokens-x; x--model',
    );
  });

  it("rewrites the report's reasons, never the generated tests", () => {
    const testCode = 'def test_cli():\n    assert parse(["--model", "x"]).model == "x"\n';
    const original = report(
      [
        functionReport({ testCode, notes: ['repair request failed: check --model'] }),
        functionReport({
          qualname: 'sub',
          skipped: 'generate request failed: a lower --concurrency may help',
        }),
        functionReport({ qualname: 'mul', noUsableTests: 'raise --tests-per-function' }),
      ],
      {
        skipped: [{ file: 'pkg/a.py', qualname: 'f', reason: 'over --max-functions' }],
        incomplete: 'the budget ran out: raise --test-timeout',
      },
    );
    const rewritten = reportInActionTerms(original);
    assert.equal(rewritten.functions[0]!.testCode, testCode);
    assert.deepEqual(rewritten.functions[0]!.notes, ["repair request failed: check 'model'"]);
    assert.equal(
      rewritten.functions[1]!.skipped,
      "generate request failed: a lower 'concurrency' may help",
    );
    assert.equal(rewritten.functions[2]!.noUsableTests, "raise 'tests-per-function'");
    assert.equal(rewritten.skipped[0]!.reason, "over 'max-functions'");
    assert.equal(rewritten.incomplete, "the budget ran out: raise 'test-timeout'");
    assert.match(original.skipped[0]!.reason, /--max-functions/, 'the input is not changed');
  });
});
