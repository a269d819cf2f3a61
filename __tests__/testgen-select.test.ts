import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangedFunction } from '../src/changes/types.js';
import { selectFunctions, unimportable } from '../src/testgen/select.js';

function changed(file: string, module: string, qualname: string, lines: number): ChangedFunction {
  return {
    file,
    qualname,
    status: 'modified',
    start: 1,
    end: 10,
    changedLines: Array.from({ length: lines }, (_, i) => i + 2),
    module,
    importRoot: '',
  };
}

describe('selectFunctions', () => {
  it('reviews the most-changed first, in file order, and lists the rest with the reason', () => {
    const fns = [
      changed('a.py', 'a', 'small', 1),
      changed('b.py', 'b', 'big', 5),
      changed('c.py', 'c', 'middle', 3),
    ];
    const { selected, skipped } = selectFunctions(fns, 2);
    assert.deepEqual(
      selected.map((fn) => fn.qualname),
      ['big', 'middle'],
    );
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.qualname, 'small');
    assert.match(skipped[0]!.reason, /over the limit of 2 functions per run/);
  });

  it('skips functions whose module cannot be imported by name, without counting them', () => {
    const fns = [
      changed('scripts/build-docs.py', 'scripts.build-docs', 'main', 9),
      changed('pkg/class.py', 'pkg.class', 'f', 8),
      changed('2024/report.py', '2024.report', 'g', 7),
      changed('pkg/données.py', 'pkg.données', 'h', 1),
      changed('pkg/ok.py', 'pkg.ok', 'k', 1),
    ];
    const { selected, skipped } = selectFunctions(fns, 2);
    assert.deepEqual(
      selected.map((fn) => fn.qualname),
      ['h', 'k'],
    );
    assert.deepEqual(
      skipped.map((s) => s.reason),
      [
        "scripts/build-docs.py cannot be imported by name ('build-docs' is not a Python identifier), so no test can import main",
        "pkg/class.py cannot be imported by name ('class' is not a Python identifier), so no test can import f",
        "2024/report.py cannot be imported by name ('2024' is not a Python identifier), so no test can import g",
      ],
    );
  });

  it("follows Python's identifier rule (str.isidentifier), not letters and digits", () => {
    // A macOS file name is NFD: 'i' and a combining diaeresis, which Python accepts.
    assert.equal(unimportable(changed('pkg/nai\u0308ve.py', 'pkg.nai\u0308ve', 'f', 1)), null);
    // A superscript two is a digit to Unicode, but no identifier character to Python.
    assert.match(
      unimportable(changed('pkg/x\u00b2.py', 'pkg.x\u00b2', 'f', 1)) ?? '',
      /'x\u00b2' is not a Python identifier/,
    );
  });
});
