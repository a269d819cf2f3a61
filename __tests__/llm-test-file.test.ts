import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { splitTestFiles, type Piece, type SplitFile, type TestTarget } from '../src/llm/helpers.js';
import { extractCode, withPrefix } from '../src/llm/parse.js';
import { assembleTestFile, rationaleOf } from '../src/llm/test-file.js';
import { testPython } from './support/python.js';

const target: TestTarget = { module: 'pkg.mod', importName: 'slugify', name: 'slugify' };

function piece(fields: Partial<Piece> & Pick<Piece, 'kind' | 'source'>): Piece {
  return {
    name: null,
    line: 1,
    comment: null,
    docstring: null,
    fingerprint: null,
    binds: [],
    targetImport: null,
    withoutTarget: null,
    header: null,
    members: null,
    calls: [],
    ...fields,
  };
}

const test = (name: string, body: string, extra: Partial<Piece> = {}) =>
  piece({ kind: 'test', name, source: `def ${name}():\n    ${body}`, fingerprint: body, ...extra });
const file = (...pieces: Piece[]): SplitFile => ({ id: 'f', pieces, broken: [] });
const okImport = piece({
  kind: 'import',
  source: 'from pkg.mod import slugify',
  binds: ['slugify'],
  targetImport: 'ok',
});

describe('assembleTestFile', () => {
  it('keeps a clean file as it is, imports first', () => {
    const result = assembleTestFile(
      [
        file(
          piece({ kind: 'import', source: 'import pytest', binds: ['pytest'] }),
          okImport,
          test('test_a', 'assert slugify("a") == "a"'),
        ),
      ],
      { target, maxTests: 8 },
    );
    assert.equal(
      result.source,
      'import pytest\nfrom pkg.mod import slugify\n\n\ndef test_a():\n    assert slugify("a") == "a"\n',
    );
    assert.equal(result.addedImport, false);
    assert.deepEqual(
      result.tests.map((t) => t.id),
      ['test_a'],
    );
    assert.deepEqual(result.dropped, []);
  });

  it('adds the import of the target when the model forgot it', () => {
    const result = assembleTestFile([file(test('test_a', 'assert slugify("") == ""'))], {
      target,
      maxTests: 8,
    });
    assert.equal(result.addedImport, true);
    assert.ok(result.source.startsWith('from pkg.mod import slugify\n\n\ndef test_a'));
  });

  it('replaces an import from a guessed module, keeping its other names', () => {
    const guessed = piece({
      kind: 'import',
      source: 'from solution import slugify, helper',
      binds: ['slugify', 'helper'],
      targetImport: 'elsewhere',
      withoutTarget: 'from solution import helper',
    });
    const alone = piece({
      kind: 'import',
      source: 'from main import slugify',
      targetImport: 'elsewhere',
    });
    const result = assembleTestFile([file(guessed, alone, test('test_a', 'pass'))], {
      target,
      maxTests: 8,
    });
    assert.ok(
      result.source.startsWith('from solution import helper\nfrom pkg.mod import slugify\n\n\n'),
    );
    assert.ok(!result.source.includes('from main'));
  });

  it('drops duplicates by fingerprint and renames name collisions', () => {
    const result = assembleTestFile(
      [
        file(
          okImport,
          test('test_a', 'assert 1'),
          test('test_b', 'assert 1'),
          test('test_a', 'assert 2'),
          test('test_a', 'assert 3'),
        ),
      ],
      { target, maxTests: 8 },
    );
    assert.deepEqual(
      result.tests.map((t) => t.id),
      ['test_a', 'test_a_2', 'test_a_3'],
    );
    assert.ok(result.source.includes('def test_a_2():\n    assert 2'));
    assert.ok(result.source.includes('def test_a_3():\n    assert 3'));
    assert.deepEqual(result.dropped, [{ name: 'test_b', origin: 0, line: 1, reason: 'duplicate' }]);
  });

  it('caps the number of tests, counting test methods of classes', () => {
    const cls = piece({
      kind: 'class',
      name: 'TestX',
      source: '',
      header: 'class TestX:',
      members: [
        piece({
          kind: 'fixture',
          name: 'fx',
          source: '    @pytest.fixture\n    def fx(self):\n        return 1',
        }),
        piece({
          kind: 'test',
          name: 'test_m',
          source: '    def test_m(self):\n        assert 1',
          fingerprint: 'm1',
        }),
        piece({
          kind: 'test',
          name: 'test_n',
          source: '    def test_n(self):\n        assert 2',
          fingerprint: 'm2',
        }),
      ],
    });
    const result = assembleTestFile(
      [file(okImport, test('test_a', 'a'), cls, test('test_b', 'b'))],
      { target, maxTests: 2 },
    );
    assert.deepEqual(
      result.tests.map((t) => t.id),
      ['test_a', 'TestX::test_m'],
    );
    assert.ok(
      result.source.includes(
        'class TestX:\n\n    @pytest.fixture\n    def fx(self):\n        return 1\n\n    def test_m(self):',
      ),
    );
    assert.ok(!result.source.includes('test_n') && !result.source.includes('test_b'));
    assert.deepEqual(
      result.dropped.map((d) => [d.name, d.reason]),
      [
        ['TestX::test_n', 'over-limit'],
        ['test_b', 'over-limit'],
      ],
    );
  });

  it('renames a test class that collides, and drops a class left without tests', () => {
    const cls = (name: string, fingerprint: string) =>
      piece({
        kind: 'class',
        name,
        source: '',
        header: `class ${name}:`,
        members: [
          piece({
            kind: 'test',
            name: 'test_m',
            source: '    def test_m(self):\n        pass',
            fingerprint,
          }),
        ],
      });
    const result = assembleTestFile(
      [file(okImport, cls('TestX', 'a'), cls('TestX', 'b'), cls('TestY', 'a'))],
      { target, maxTests: 8 },
    );
    assert.deepEqual(
      result.tests.map((t) => t.id),
      ['TestX::test_m', 'TestX_2::test_m'],
    );
    assert.ok(result.source.includes('class TestX_2:'));
    assert.ok(!result.source.includes('TestY'));
  });

  it('wraps bare asserts into tests and drops code that must not run at import', () => {
    const result = assembleTestFile(
      [
        file(
          okImport,
          piece({
            kind: 'assert',
            source: '# empty stays empty\nassert slugify("") == ""',
            comment: 'empty stays empty',
            fingerprint: 'x',
          }),
          piece({
            kind: 'shadow',
            name: 'slugify',
            source: 'def slugify(t):\n    return t',
            line: 4,
          }),
          piece({ kind: 'stray', source: 'test_a()', line: 6 }),
          piece({ kind: 'main', source: 'if __name__ == "__main__":\n    pytest.main()', line: 7 }),
        ),
      ],
      { target, maxTests: 8 },
    );
    assert.equal(
      result.source,
      'from pkg.mod import slugify\n\n\ndef test_assertion_1():\n    # empty stays empty\n    assert slugify("") == ""\n',
    );
    assert.equal(result.tests[0]?.rationale, 'empty stays empty');
    assert.deepEqual(
      result.dropped.map((d) => d.reason),
      ['shadows-target', 'stray-code', 'main-block'],
    );
  });

  it('keeps fixtures, helpers and other statements in order, without exact repeats', () => {
    const fixture = piece({
      kind: 'fixture',
      name: 'fx',
      source: '@pytest.fixture\ndef fx():\n    return 1',
    });
    const cases = piece({ kind: 'other', source: 'CASES = [1, 2]' });
    const result = assembleTestFile(
      [file(okImport, cases, fixture, test('test_a', 'a')), file(fixture, test('test_b', 'b'))],
      { target, maxTests: 8 },
    );
    assert.equal(result.source.match(/def fx/g)?.length, 1);
    assert.ok(result.source.indexOf('CASES') < result.source.indexOf('def fx'));
    assert.ok(result.source.indexOf('def fx') < result.source.indexOf('def test_a'));
  });

  it('merges a repair into the current file: the replaced test is dropped and its name reused', () => {
    const current = file(okImport, test('test_a', 'a'), test('test_broken', 'old'));
    const repair = file(okImport, test('test_broken', 'new'), test('test_a', 'a'));
    const result = assembleTestFile([current, repair], {
      target,
      maxTests: 8,
      drop: ['test_broken'],
    });
    assert.deepEqual(
      result.tests.map((t) => [t.id, t.origin]),
      [
        ['test_a', 0],
        ['test_broken', 1],
      ],
    );
    assert.ok(result.source.includes('def test_broken():\n    new'));
    assert.ok(!result.source.includes('old'));
    assert.equal(result.source.match(/from pkg\.mod import slugify/g)?.length, 1);
    assert.deepEqual(
      result.dropped.map((d) => [d.name, d.origin, d.reason]),
      [
        ['test_broken', 0, 'dropped'],
        ['test_a', 1, 'duplicate'],
      ],
    );
  });

  it("replaces the imports and helpers of the tests a repair replaces with the repair's own", () => {
    const imp = (source: string, binds: string[], extra: Partial<Piece> = {}) =>
      piece({ kind: 'import', source, binds, uses: [], ...extra });
    const current = file(
      imp('import math', ['math']),
      imp('import hypothesis_nope', ['hypothesis_nope']),
      imp('from pkg.helpers_nope import make_list', ['make_list']),
      { ...okImport, uses: [] },
      piece({
        kind: 'fixture',
        name: 'three',
        source: '@pytest.fixture\ndef three():\n    return make_list(3)',
        binds: ['three'],
        uses: ['make_list', 'pytest'],
      }),
      piece({
        kind: 'fixture',
        name: 'env',
        source: '@pytest.fixture(autouse=True)\ndef env():\n    return math.pi',
        binds: ['env'],
        uses: ['math', 'pytest'],
      }),
      test('test_kept', 'assert slugify(str(math.e))', { uses: ['math', 'slugify'] }),
      test('test_three', 'assert slugify(three)', { uses: ['slugify', 'three'] }),
    );
    const repair = file(
      imp('from pkg.helpers import make_list', ['make_list']),
      test('test_three', 'assert slugify(make_list(3))', { uses: ['make_list', 'slugify'] }),
    );
    const options = { target, maxTests: 8, drop: ['test_three'] };
    const result = assembleTestFile([current, repair], { ...options, replace: true });
    assert.equal(
      result.source.split('\n\n\n')[0],
      'import math\nfrom pkg.mod import slugify\nfrom pkg.helpers import make_list',
    );
    assert.doesNotMatch(result.source, /_nope|def three/);
    assert.match(result.source, /def env\(\)/, 'an autouse fixture stays');
    assert.deepEqual(
      result.dropped.filter((d) => d.reason === 'unused').map((d) => d.name ?? d.line),
      [1, 1, 'three'],
    );
    assert.equal(result.addedImport, false);
    // Without `replace` (a deeper round), the current file's imports all stay.
    assert.match(assembleTestFile([current, repair], options).source, /import hypothesis_nope/);
  });

  it('still imports the target when the repair drops the import of it', () => {
    const current = file(
      { ...okImport, uses: [] },
      test('test_a', 'assert slugify("a") == "a"', { uses: ['slugify'] }),
    );
    const repair = file(
      piece({ kind: 'helper', name: 'h', source: 'def h():\n    pass', uses: [] }),
      test('test_a', 'pass', { uses: [] }),
    );
    const result = assembleTestFile([current, repair], {
      target,
      maxTests: 8,
      drop: ['test_a'],
      replace: true,
    });
    assert.equal(result.addedImport, true);
    assert.ok(result.source.startsWith('from pkg.mod import slugify\n'));
  });

  it('gives an empty file when no test survives, and passes broken chunks on', () => {
    const result = assembleTestFile(
      [
        {
          id: 'f',
          pieces: [okImport],
          broken: [{ line: 3, message: 'invalid syntax', source: 'def test_x(:' }],
        },
      ],
      { target, maxTests: 8 },
    );
    assert.equal(result.source, '');
    assert.deepEqual(result.tests, []);
    assert.deepEqual(result.broken, [
      { line: 3, message: 'invalid syntax', source: 'def test_x(:', origin: 0 },
    ]);
  });
});

describe('rationaleOf', () => {
  const cases: [Partial<Piece>, string | null][] = [
    [{ docstring: 'Empty input gives an empty slug.\nMore.' }, 'Empty input gives an empty slug.'],
    [{ docstring: null, comment: 'spaces become dashes' }, 'spaces become dashes'],
    [{ docstring: 'doc', comment: 'comment' }, 'doc'],
    [{ docstring: '   ', comment: null }, null],
    [{ docstring: null, comment: null }, null],
    [{ docstring: 'y'.repeat(250) }, `${'y'.repeat(197)}...`],
  ];
  for (const [fields, expected] of cases) {
    it(JSON.stringify(fields).slice(0, 60), () =>
      assert.equal(rationaleOf({ docstring: null, comment: null, ...fields }), expected),
    );
  }
});

describe('model output to a runnable pytest file (real Python and pytest)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-testfile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('splits, assembles and runs what a sloppy model wrote', async () => {
    mkdirSync(path.join(dir, 'pkg'));
    writeFileSync(path.join(dir, 'pkg', '__init__.py'), '');
    writeFileSync(
      path.join(dir, 'pkg', 'mod.py'),
      'def slugify(text):\n    return "-".join(text.lower().split())\n',
    );
    // What a completion might look like after the prompt's prefix: a guessed import, a
    // duplicate, a name collision, a redefinition of the target, a bare assert, a call at
    // import time, and a last test cut off by the length limit.
    const prefix = '```python\nimport pytest\n';
    const text = [
      'from solution import slugify',
      '',
      'def test_words():',
      '    """Spaces become dashes."""',
      "    assert slugify('Hello World') == 'hello-world'",
      '',
      'def test_same():',
      "    assert slugify('Hello World') == 'hello-world'",
      '',
      'def test_words():',
      '    assert slugify("") == ""',
      '',
      'def slugify(text):',
      '    return text',
      '',
      'assert slugify("A") == "a"',
      '',
      'test_words()',
      '',
      'def test_wrong_oracle():',
      '    assert slugify("a b") == "a_b"',
      '',
      'def test_cut():',
      '    assert slugify("x',
    ].join('\n');
    const code = extractCode(withPrefix(prefix, { text, api: 'completions' }));
    const [split] = await splitTestFiles([{ id: 'pkg/mod.py::slugify', source: code, target }], {
      python: testPython(),
    });
    assert.ok(split);
    assert.deepEqual(
      split.broken.map((b) => b.line),
      [25],
    ); // the unterminated string, after the prefix's line
    const assembled = assembleTestFile([split], { target, maxTests: 8 });
    assert.deepEqual(
      assembled.tests.map((t) => t.id),
      ['test_words', 'test_words_2', 'test_assertion_1', 'test_wrong_oracle'],
    );
    assert.equal(assembled.tests[0]?.rationale, 'Spaces become dashes.');
    assert.deepEqual(assembled.tests[3]?.calls, [
      { call: 'slugify("a b")', expected: '"a_b"', raises: null, line: 22, selfContained: true },
    ]);
    assert.deepEqual(
      assembled.dropped.map((d) => d.reason),
      ['duplicate', 'shadows-target', 'stray-code'],
    );
    writeFileSync(path.join(dir, 'test_generated.py'), assembled.source);
    const report = (() => {
      try {
        return execFileSync(
          testPython(),
          ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_generated.py'],
          {
            cwd: dir,
            encoding: 'utf8',
          },
        );
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    })();
    assert.match(report, /1 failed, 3 passed/);
    assert.match(report, /test_wrong_oracle/);
  });
});
