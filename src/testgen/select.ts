import type { ChangedFunction } from '../changes/types.js';
import type { SkippedItem } from '../report/types.js';

const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield'
  ).split(' '),
);

const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

/**
 * Why a test cannot import the function's module by name (`scripts/build-docs.py`), or null.
 * Such files are still reported by `changes`; reviewing them would only waste model requests.
 */
export function unimportable(fn: ChangedFunction): string | null {
  const parts = fn.module.split('.');
  // Python's identifier rule (str.isidentifier): XID_Start or '_', then XID_Continue.
  const bad = parts.find((part) => !IDENTIFIER.test(part) || KEYWORDS.has(part));
  if (bad === undefined) return null;
  const what = bad === '' ? 'it has no module name' : `'${bad}' is not a Python identifier`;
  return `${fn.file} cannot be imported by name (${what}), so no test can import ${fn.qualname}`;
}

/**
 * Picks the functions to review: those a test can import, the most-changed first (changed lines, then span size), at
 * most `max`; the rest are skipped with the reason, so nothing disappears silently.
 */
export function selectFunctions(
  functions: readonly ChangedFunction[],
  max: number,
): { selected: ChangedFunction[]; skipped: SkippedItem[] } {
  const notImportable: SkippedItem[] = [];
  const importable = functions.filter((fn) => {
    const reason = unimportable(fn);
    if (reason) notImportable.push({ file: fn.file, qualname: fn.qualname, reason });
    return reason === null;
  });
  const ranked = [...importable].sort(
    (a, b) =>
      b.changedLines.length - a.changedLines.length ||
      b.end - b.start - (a.end - a.start) ||
      a.file.localeCompare(b.file) ||
      a.start - b.start,
  );
  const chosen = new Set(ranked.slice(0, max));
  return {
    // Keep the review in file order: reports read like the diff.
    selected: importable.filter((fn) => chosen.has(fn)),
    skipped: [
      ...notImportable,
      ...ranked.slice(max).map((fn) => ({
        file: fn.file,
        qualname: fn.qualname,
        reason: `over the limit of ${max} functions per run (--max-functions; the most-changed are reviewed first)`,
      })),
    ],
  };
}
