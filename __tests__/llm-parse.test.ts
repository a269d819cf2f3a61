import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractCode,
  extractCodeBlocks,
  parseAnswer,
  parseRefined,
  topLevelEquals,
  withPrefix,
} from '../src/llm/parse.js';

describe('extractCodeBlocks', () => {
  const cases: [string, string, ReturnType<typeof extractCodeBlocks>][] = [
    ['no fences', 'just prose', []],
    [
      'a tagged block in prose',
      'Here:\n```python\nx = 1\n```\nDone.',
      [{ language: 'python', code: 'x = 1', closed: true }],
    ],
    ['an untagged block', '```\nx = 1\n```', [{ language: '', code: 'x = 1', closed: true }]],
    [
      'a block cut by a length limit',
      '```py\ndef f():\n    return',
      [{ language: 'py', code: 'def f():\n    return', closed: false }],
    ],
    [
      'several blocks, tags lower-cased',
      '```Python\na\n```\ntext\n```bash\nls\n```',
      [
        { language: 'python', code: 'a', closed: true },
        { language: 'bash', code: 'ls', closed: true },
      ],
    ],
    [
      'a longer fence holding a shorter one',
      '````python\ns = """\n```\n```py\n"""\n````',
      [{ language: 'python', code: 's = """\n```\n```py\n"""', closed: true }],
    ],
    [
      'tilde fences and CRLF',
      '~~~python\r\nx = 1\r\n~~~\r\n',
      [{ language: 'python', code: 'x = 1', closed: true }],
    ],
    [
      'an indented fence with an info string',
      '  ```python title="t.py"\n  x = 1\n  ```',
      [{ language: 'python', code: 'x = 1', closed: true }],
    ],
    [
      "a fence in a list item: its indentation is not the code's",
      '1. The tests:\n   ```python\n   def test_a():\n       pass\n   ```',
      [{ language: 'python', code: 'def test_a():\n    pass', closed: true }],
    ],
    [
      'a file name after the language, pandoc braces',
      '```python:tests/test_x.py\na\n```\n```{python}\nb\n```\n```{.py}\nc\n```',
      [
        { language: 'python', code: 'a', closed: true },
        { language: 'python', code: 'b', closed: true },
        { language: 'py', code: 'c', closed: true },
      ],
    ],
    [
      'a fence with an info string inside a block opens the next one',
      '```python\nimport x\n\n```py\ndef test_a():\n    pass\n```',
      [
        { language: 'python', code: 'import x\n', closed: true },
        { language: 'py', code: 'def test_a():\n    pass', closed: true },
      ],
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(extractCodeBlocks(text), expected));
  }
});

describe('extractCode', () => {
  const cases: [string, string, string][] = [
    [
      'prose around a block',
      'Sure! Here you go:\n```python\nimport x\n```\nHope it helps.',
      'import x',
    ],
    [
      'python blocks joined, other languages skipped',
      '```python\ndef test_a():\n    pass\n```\n```bash\npytest -q\n```\n```py\ndef test_b():\n    pass\n```',
      'def test_a():\n    pass\n\n\ndef test_b():\n    pass',
    ],
    [
      'python-labelled blocks preferred to untagged and text ones',
      '```python\ndef test_a():\n    pass\n```\nRun it:\n```\npytest -q\n```\n```text\n1 passed\n```',
      'def test_a():\n    pass',
    ],
    [
      'untagged and text blocks when none is labelled Python',
      '```\ndef test_a():\n    pass\n```\n```text\ndef test_b():\n    pass\n```',
      'def test_a():\n    pass\n\n\ndef test_b():\n    pass',
    ],
    ...(
      [
        ['python:path', '```python:tests/test_mean.py'],
        ['text', '```text'],
        ['{python}', '```{python}'],
        ['py', '```py'],
        ['python3', '```python3'],
        ['untagged', '```'],
        ['tilde', '~~~python'],
      ] as const
    ).map(([name, fence]): [string, string, string] => [
      `a ${name} fence`,
      `Here they are:\n${fence}\ndef test_a():\n    assert mean([1]) == 1\n${fence.slice(0, 3)}\nDone.`,
      'def test_a():\n    assert mean([1]) == 1',
    ]),
    [
      'a fence indented in a markdown list item',
      'Tests:\n\n1. Typical inputs:\n\n   ```python\n   def test_a():\n       assert mean([1]) == 1\n   ```\n',
      'def test_a():\n    assert mean([1]) == 1',
    ],
    [
      "code, then a closing fence, then prose (a chat reply continuing the prompt's block)",
      'def test_a():\n    assert mean([1]) == 1\n```\n\nThese tests check typical inputs.',
      'def test_a():\n    assert mean([1]) == 1',
    ],
    [
      'prose, code, a closing fence, prose, and another block',
      'Sure.\nimport pytest\n\ndef test_a():\n    pass\n```\n\nAlso:\n```python\ndef test_b():\n    pass\n```',
      'import pytest\n\ndef test_a():\n    pass\n\n\ndef test_b():\n    pass',
    ],
    [
      'a markdown heading before a fence is no code',
      '# Tests for mean\n```\ndef test_a():\n    pass\n```',
      'def test_a():\n    pass',
    ],
    [
      'a missing closing fence',
      '```python\ndef test_a():\n    assert f(1) ==',
      'def test_a():\n    assert f(1) ==',
    ],
    ['only non-Python blocks', '```bash\npip install x\n```', ''],
    ['empty blocks are skipped', '```python\n\n```', ''],
    [
      'no fences: from the first code line on',
      'The tests are below.\nimport pytest\n\ndef test_a():\n    pass\n\n',
      'import pytest\n\ndef test_a():\n    pass',
    ],
    ['no fences, no code', 'I cannot help with that.', ''],
    ['a bare assert', 'assert f(1) == 2', 'assert f(1) == 2'],
    ['trailing spaces trimmed', '```python\nx = 1   \n\n```', 'x = 1'],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.equal(extractCode(text), expected));
  }
});

describe('withPrefix', () => {
  const prefix = '```python\nimport pytest\nfrom m import mean\n\n';
  const read = (text: string) => extractCode(withPrefix(prefix, { text, api: 'completions' }));
  const imports = 'import pytest\nfrom m import mean';
  const cases: [string, string, string][] = [
    [
      'code, a closing fence, then prose',
      'def test_a():\n    assert mean([1]) == 1\n```\n\nThese tests check typical inputs.',
      `${imports}\n\ndef test_a():\n    assert mean([1]) == 1`,
    ],
    [
      'a ```py fence re-opening the block',
      '```py\ndef test_a():\n    pass',
      `${imports}\n\ndef test_a():\n    pass`,
    ],
    [
      'a ```python:path fence re-opening the block',
      '```python:tests/test_mean.py\ndef test_a():\n    pass\n```\nDone.',
      `${imports}\n\ndef test_a():\n    pass`,
    ],
    [
      'a bare fence, then code',
      '```\ndef test_a():\n    pass',
      `${imports}\n\ndef test_a():\n    pass`,
    ],
    ['a bare fence, then prose: the block is closed', '```\n\nNo tests needed.', imports],
    ['an empty completion', '', imports],
  ];
  for (const [name, text, expected] of cases) {
    it(`completions: ${name}`, () => assert.equal(read(text), expected));
  }

  it('continues the prefix on completions and stands alone on chat', () => {
    assert.equal(
      withPrefix('```python\nimport x\n', { text: 'y = 1\n```', api: 'completions' }),
      '```python\nimport x\ny = 1\n```',
    );
    assert.equal(
      withPrefix('```python\nimport x\n', { text: '```python\ny = 1\n```', api: 'chat' }),
      '```python\ny = 1\n```',
    );
  });
});

describe('topLevelEquals', () => {
  const cases: [string, number][] = [
    ['f(1) == 2', 5],
    ['f("a == b") == "c"', 12],
    ["f('''x == y''') == 1", 16],
    ['f(a == b, [c == d]) == {"k": 1 == 1}', 20],
    ['f("\\" == ") == 3', 12],
    ['f(1) != 2', -1],
    ['f(1) <= 2', -1],
    ['x', -1],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(topLevelEquals(text), expected));
  }
});

describe('parseAnswer', () => {
  const cases: [string, string, { value: string | null; rationale: string | null }][] = [
    [
      'the paper format, cut before [/ANSWER] by the stop sequence',
      'The function lowers the text.\nSo the result is "a-b".\n[/MONOLOGUE]\n[ANSWER]\nassert slugify("A B") == "a-b"\n',
      { value: '"a-b"', rationale: 'So the result is "a-b".' },
    ],
    [
      'the closing tag present, text after it ignored',
      '[ANSWER]\nassert f(1) == [1, 2]\n[/ANSWER]\nassert f(1) == 3',
      { value: '[1, 2]', rationale: null },
    ],
    [
      'the last [ANSWER] wins',
      'Example: [ANSWER] assert f(0) == 0 [/ANSWER]\nNow ours.\n[ANSWER]\nassert f(2) == 4\n',
      { value: '4', rationale: 'Now ours.' },
    ],
    [
      '== inside the arguments',
      '[ANSWER]\nassert f("a == b", x == y) == "a"\n',
      { value: '"a"', rationale: null },
    ],
    ['a bare value', '[ANSWER]\n{"k": (1, 2)}\n', { value: '{"k": (1, 2)}', rationale: null }],
    [
      'a fenced answer',
      '[ANSWER]\n```python\nassert f(1) == None\n```\n',
      { value: 'None', rationale: null },
    ],
    ['no answer tag', 'I think it returns 3', { value: null, rationale: 'I think it returns 3' }],
    ['an unfinished answer', '[ANSWER]\nassert f(1) == ??\n', { value: null, rationale: null }],
    ['an empty answer', 'thinking\n[ANSWER]', { value: null, rationale: 'thinking' }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(parseAnswer(text), expected));
  }

  it('keeps the rationale to one line of at most 200 characters', () => {
    const long = 'x'.repeat(300);
    assert.equal(parseAnswer(`${long}\n[ANSWER]\n1`).rationale?.length, 200);
  });
});

describe('parseRefined', () => {
  const cases: [string, string, string][] = [
    [
      'code between the tags, in a fence',
      'The root cause is a typo.\n[Refined]\n```python\ndef test_a():\n    assert f(1) == 1\n```\n[/Refined]',
      'def test_a():\n    assert f(1) == 1',
    ],
    ['unfenced code between the tags', '[Refined]\nx = f(1)\n', 'x = f(1)'],
    [
      'no tags: the fenced code',
      'Fixed:\n```python\ndef test_b():\n    pass\n```',
      'def test_b():\n    pass',
    ],
    ['the last [Refined] wins', '[Refined]a[/Refined] and [Refined]\nb = 1\n[/Refined]', 'b = 1'],
    ['an empty fenced block is no code', '[Refined]\n```python\n```\n[/Refined]', ''],
    ['a fenced block of prose is no code', '[Refined]\n```bash\nmake test\n```\n[/Refined]', ''],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.equal(parseRefined(text), expected));
  }
});
