import { assembleTestFile, splitTestFiles, type Piece, type SplitFile } from '../llm/index.js';
import type { FunctionState } from './state.js';

/** Whether split code holds a test: a test function, a test class's method, a bare assert. */
function holdsTests(split: SplitFile): boolean {
  return split.pieces.some(
    (piece) =>
      piece.kind === 'test' ||
      piece.kind === 'assert' ||
      (piece.kind === 'class' && (piece.members ?? []).some((m) => m.kind === 'test')),
  );
}

/** A model answer's code for one function, to assemble onto its current test file. */
export interface Candidate {
  state: FunctionState;
  code: string;
  /** At most this many tests in the assembled file. */
  maxTests: number;
  /** A repair: it replaces these current tests and every broken chunk waiting for it. */
  repairs?: { drop: string[] };
}

/**
 * Adds candidates to their functions' test files. One helper process splits (and
 * syntax-checks) every candidate, together with the current files that lack an up-to-date
 * split; each file is then assembled from its current pieces plus the candidate's. Returns the
 * ids of the tests each candidate added: the only ones that need running.
 *
 * A file's split is refreshed only when a run needs part of it (the new tests of a repair or
 * a deeper round, see `sourceOf` in rounds.ts); otherwise the next round's call splits it.
 */
export async function addCandidates(
  candidates: Candidate[],
  python: string,
): Promise<Map<FunctionState, string[]>> {
  const added = new Map<FunctionState, string[]>();
  if (candidates.length === 0) return added;
  const stale = candidates.map((c) => c.state).filter((s) => s.file?.source && !s.split);
  const splits = await splitTestFiles(
    [
      ...candidates.map((c) => ({ source: c.code, target: c.state.target })),
      ...stale.map((s) => ({ source: s.file!.source, target: s.target })),
    ].map((request, i) => ({ id: String(i), ...request })),
    { python },
  );
  stale.forEach((state, i) => (state.split = splits[candidates.length + i] ?? null));

  const partial: FunctionState[] = [];
  candidates.forEach((candidate, i) => {
    const { state } = candidate;
    const split = splits[i]!;
    const hasTests = holdsTests(split);
    // An answer parsed when it held tests and nothing broken; the prompt's own prefix (the
    // imports a completion continues) does not make an empty answer a parsed one.
    state.responses.total += 1;
    if (hasTests && split.broken.length === 0) state.responses.parsed += 1;
    else if (!hasTests && split.broken.length === 0) state.responses.empty += 1;
    else state.responses.broken += 1;
    if (candidate.repairs && !hasTests && split.broken.length === 0) {
      // An empty repair replaces nothing: what it was for stays as it was.
      added.set(state, []);
      return;
    }
    const files = state.split ? [state.split, split] : [split];
    const drop = state.split ? (candidate.repairs?.drop ?? []) : [];
    const file = assembleTestFile(files, {
      target: state.target,
      maxTests: candidate.maxTests,
      drop,
      replace: candidate.repairs !== undefined,
    });
    state.broken = candidate.repairs ? split.broken : [...state.broken, ...split.broken];
    const kept = new Set(file.tests.filter((t) => t.origin === 0).map((t) => t.id));
    for (const id of drop) if (!kept.has(id)) state.results.delete(id);
    const origin = files.length - 1;
    const fresh = file.tests.filter((t) => t.origin === origin).map((t) => t.id);
    if (file.source !== '' || state.file === null) {
      state.file = file;
      state.split = null;
      if (fresh.length < file.tests.length) partial.push(state);
    }
    added.set(state, fresh);
  });

  // Only part of these files will run: their new split tells which pieces the new tests need.
  const resplit = await splitTestFiles(
    partial.map((s, i) => ({ id: String(i), source: s.file!.source, target: s.target })),
    { python },
  );
  partial.forEach((state, i) => (state.split = resplit[i] ?? null));
  return added;
}

/** Splits the current files of the states that lack an up-to-date split, in one process. */
export async function ensureSplits(states: FunctionState[], python: string): Promise<void> {
  const stale = states.filter((s) => s.file?.source && !s.split);
  const splits = await splitTestFiles(
    stale.map((s, i) => ({ id: String(i), source: s.file!.source, target: s.target })),
    { python },
  );
  stale.forEach((state, i) => (state.split = splits[i] ?? null));
}

/** The source of a test in a split file (`test_x`, or `TestC::test_y` inside its class). */
export function testSource(split: SplitFile | null, id: string): string | null {
  if (!split) return null;
  const [first, second] = id.split('::');
  const match = (piece: Piece, name: string | undefined) => piece.name === name;
  const top = split.pieces.find((piece) => match(piece, first));
  if (!top) return null;
  if (second === undefined) return top.source;
  return top.header && top.members?.some((m) => match(m, second)) ? top.source : null;
}

/** The import statements of a split file, to give a repair prompt what the tests use. */
export function importsOf(split: SplitFile | null): string[] {
  return (split?.pieces ?? []).filter((p) => p.kind === 'import').map((p) => p.source);
}
