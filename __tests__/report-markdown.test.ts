import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeBlock, codeSpan, escapeText, ratio, truncate } from '../src/report/markdown.js';

describe('markdown escaping of model text', () => {
  const cases: [string, string, string][] = [
    ['plain', 'hello world', 'hello world'],
    ['emphasis and links', '*x* [a](b)', '\\*x\\* \\[a\\](b)'],
    ['line-start characters stay', '-1 + 2. #3 (4)!', '-1 + 2. #3 (4)!'],
    ['html', '<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
    ['mentions', 'ping @octocat', 'ping @&#8203;octocat'],
    ['table pipes', 'a | b', 'a \\| b'],
    ['newlines', 'line1\nline2', 'line1 line2'],
    ['entities', 'a & b', 'a &amp; b'],
    ['bare links', 'see https://evil.example/x', 'see https&#8203;://evil.example/x'],
    ['www links', 'go to www.evil.example', 'go to www&#8203;.evil.example'],
  ];
  for (const [name, input, expected] of cases) {
    it(`escapeText: ${name}`, () => assert.equal(escapeText(input), expected));
  }

  it('truncates long text with a mark', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(escapeText('x'.repeat(500)).length, 160);
  });

  const spans: [string, string, string][] = [
    ['simple', 'f(1)', '`f(1)`'],
    ['backticks inside', 'a`b', '``a`b``'],
    ['leading backtick', '`x', '`` `x ``'],
    ['pipes', '1 | 2', '`1 \\| 2`'],
    ['newlines', 'a\nb', '`a⏎b`'],
    ['empty', '', '` `'],
  ];
  for (const [name, input, expected] of spans) {
    it(`codeSpan: ${name}`, () => assert.equal(codeSpan(input), expected));
  }

  it('codeBlock uses a fence the content cannot close', () => {
    assert.equal(codeBlock('x = 1\n', 'python'), '```python\nx = 1\n```');
    const hostile = 'x = """\n```\n"""';
    const block = codeBlock(hostile, 'python');
    assert.ok(block.startsWith('````python\n'));
    assert.ok(block.endsWith('\n````'));
  });

  it('ratio shows percent and counts, or a dash when empty', () => {
    assert.equal(ratio(2, 3), '67% (2/3)');
    assert.equal(ratio(0, 0), '–');
  });
});
