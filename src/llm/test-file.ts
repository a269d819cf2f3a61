import type { BrokenChunk, Piece, SplitFile, TargetCall, TestTarget } from './helpers.js';

/**
 * Assembles one pytest file from the pieces of one or more candidate files (a first draft,
 * then repairs and deeper rounds): imports merged and fixed, duplicates dropped, name
 * collisions renamed, at most `maxTests` tests, and the import of the target added when the
 * model forgot it. Pure: the pieces come from src/python/test_files.py via splitTestFiles().
 */

export interface AssembleOptions {
  target: TestTarget;
  /** At most this many tests in the file (a test class counts its test methods). */
  maxTests: number;
  /**
   * Test ids to leave out of the first file (origin 0, the current file when later files are
   * repairs or a deeper round): `test_x`, `TestC::test_y`. A repair may then reuse the name.
   */
  drop?: string[];
  /**
   * The later files replace the dropped tests (a repair): the first file's imports, fixtures
   * and helpers that neither its kept tests nor the later files need go too, so a repair's
   * imports replace those of the tests it fixes (a wrong import is not carried along).
   */
  replace?: boolean;
}

export interface AssembledTest {
  /** pytest's id within the file: `test_x` or `TestC::test_y`. */
  id: string;
  name: string;
  className: string | null;
  /** Which of the input files it came from. */
  origin: number;
  /** The model's one-line reason for the oracle (docstring or comment), if it gave one. */
  rationale: string | null;
  calls: TargetCall[];
  fingerprint: string;
}

export type DropReason =
  | 'duplicate'
  | 'over-limit'
  | 'shadows-target'
  | 'stray-code'
  | 'main-block'
  | 'dropped'
  | 'unused';

export interface DroppedPiece {
  name: string | null;
  origin: number;
  line: number;
  reason: DropReason;
}

export interface AssembledFile {
  /** The file's text; '' when no test survived. */
  source: string;
  tests: AssembledTest[];
  dropped: DroppedPiece[];
  /** Chunks that did not parse, per origin: material for a repair round. */
  broken: (BrokenChunk & { origin: number })[];
  /** True when the target's import was missing and was added. */
  addedImport: boolean;
}

const DROPPED_KINDS: Partial<Record<Piece['kind'], DropReason>> = {
  shadow: 'shadows-target',
  stray: 'stray-code',
  main: 'main-block',
};

/** First line of a docstring, else the comment above: one line, at most 200 characters. */
export function rationaleOf(piece: Pick<Piece, 'docstring' | 'comment'>): string | null {
  const text = piece.docstring?.split('\n')[0]?.trim() || piece.comment?.trim() || '';
  if (!text) return null;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Gives `def old(` on its def line a new name; the line is known to hold it. */
function renameDef(source: string, from: string, to: string, keyword: 'def' | 'class'): string {
  const lines = source.split('\n');
  const pattern = keyword === 'def' ? /^(\s*(?:async\s+)?def\s+)(\w+)/ : /^(\s*class\s+)(\w+)/;
  const at = lines.findIndex((line) => pattern.exec(line)?.[2] === from);
  if (at === -1) return source;
  lines[at] = (lines[at] as string).replace(pattern, (_m, head: string) => `${head}${to}`);
  return lines.join('\n');
}

function freshName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  let k = 2;
  while (taken.has(`${name}_${k}`)) k += 1;
  return `${name}_${k}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() ? by + line : line))
    .join('\n');
}

/** Module-level names whose assignment matters by itself: pytest reads them. */
const PYTEST_NAMES = new Set(['pytestmark', 'pytest_plugins']);

function bindsOf(piece: Piece): string[] {
  return piece.kind === 'import' || !piece.name ? piece.binds : [...piece.binds, piece.name];
}

/** Whether a piece of the first file stays whatever uses it: kept tests and free statements. */
function standsAlone(piece: Piece, drop: Set<string>): boolean {
  switch (piece.kind) {
    case 'test':
      return !drop.has(piece.name ?? '');
    case 'class':
      return (piece.members ?? []).some(
        (m) => m.kind === 'test' && !drop.has(`${piece.name}::${m.name}`),
      );
    case 'assert':
      return true;
    case 'fixture':
      return /\bautouse\s*=\s*True\b/.test(piece.source);
    case 'import':
      return piece.binds.includes('*');
    case 'other': {
      const binds = bindsOf(piece);
      return binds.length === 0 || binds.some((name) => PYTEST_NAMES.has(name));
    }
    default:
      return false;
  }
}

/**
 * The first file's pieces that stay when later files replace its dropped tests: the kept
 * tests and statements that stand alone, and the imports, fixtures and helpers they or the
 * later files' pieces use, transitively, unless a later file binds the name itself. Null when
 * a piece does not say what it uses: then everything stays.
 */
function neededPieces(files: SplitFile[], drop: Set<string>): Set<Piece> | null {
  const [first, ...later] = files;
  const laterPieces = later.flatMap((file) => file.pieces);
  if (!first || [...first.pieces, ...laterPieces].some((piece) => !piece.uses)) return null;
  const laterBound = new Set(laterPieces.flatMap(bindsOf));
  const definers = new Map<string, Piece[]>();
  for (const piece of first.pieces) {
    if (piece.kind === 'test' || piece.kind === 'class' || piece.kind === 'assert') continue;
    for (const name of bindsOf(piece)) {
      if (!laterBound.has(name)) definers.set(name, [...(definers.get(name) ?? []), piece]);
    }
  }
  const needed = new Set<Piece>();
  const wanted = laterPieces.flatMap((piece) => piece.uses ?? []);
  const keep = (piece: Piece) => {
    if (needed.has(piece)) return;
    needed.add(piece);
    wanted.push(...(piece.uses ?? []));
  };
  first.pieces.filter((piece) => standsAlone(piece, drop)).forEach(keep);
  for (let name = wanted.pop(); name !== undefined; name = wanted.pop()) {
    (definers.get(name) ?? []).forEach(keep);
  }
  return needed;
}

class Assembler {
  readonly imports: string[] = [];
  readonly body: string[] = [];
  readonly tests: AssembledTest[] = [];
  readonly dropped: DroppedPiece[] = [];
  private readonly fingerprints = new Set<string>();
  private readonly topNames = new Set<string>();
  private readonly drop: Set<string>;
  private bindsTarget = false;
  private wrapped = 0;

  constructor(
    private readonly options: AssembleOptions,
    /** Pieces of the first file to keep when later files replace some of it (null: all). */
    private readonly needed: Set<Piece> | null = null,
  ) {
    this.drop = new Set(options.drop ?? []);
  }

  get addedImport(): boolean {
    return !this.bindsTarget;
  }

  add(piece: Piece, origin: number): void {
    const reason =
      DROPPED_KINDS[piece.kind] ??
      (origin === 0 && this.needed && !this.needed.has(piece) && !this.isTestPiece(piece)
        ? 'unused'
        : undefined);
    if (reason) {
      this.dropped.push({ name: piece.name, origin, line: piece.line, reason });
      return;
    }
    switch (piece.kind) {
      case 'import':
        return this.addImport(piece);
      case 'test':
        return this.addTest(piece, origin);
      case 'assert':
        return this.addAssert(piece, origin);
      case 'class':
        return this.addClass(piece, origin);
      default:
        if (!this.body.includes(piece.source)) this.body.push(piece.source);
        if (piece.name) this.topNames.add(piece.name);
    }
  }

  private isTestPiece(piece: Piece): boolean {
    return piece.kind === 'test' || piece.kind === 'class' || piece.kind === 'assert';
  }

  private addImport(piece: Piece): void {
    let source: string | null = piece.source;
    if (piece.targetImport === 'ok') this.bindsTarget = true;
    if (piece.targetImport === 'elsewhere') source = piece.withoutTarget;
    if (source !== null && !this.imports.includes(source.trim())) this.imports.push(source.trim());
  }

  /** Whether a test may join: not dropped by id, not a duplicate, within the limit. */
  private admit(id: string, fingerprint: string, origin: number, line: number): boolean {
    const reason: DropReason | undefined =
      origin === 0 && this.drop.has(id)
        ? 'dropped'
        : this.fingerprints.has(fingerprint)
          ? 'duplicate'
          : this.tests.length >= this.options.maxTests
            ? 'over-limit'
            : undefined;
    if (reason) {
      this.dropped.push({ name: id, origin, line, reason });
      return false;
    }
    this.fingerprints.add(fingerprint);
    return true;
  }

  private record(piece: Piece, name: string, className: string | null, origin: number): void {
    this.tests.push({
      id: className ? `${className}::${name}` : name,
      name,
      className,
      origin,
      rationale: rationaleOf(piece),
      calls: piece.calls,
      fingerprint: piece.fingerprint ?? '',
    });
  }

  private addTest(piece: Piece, origin: number): void {
    const original = piece.name as string;
    if (!this.admit(original, piece.fingerprint ?? piece.source, origin, piece.line)) return;
    const name = freshName(original, this.topNames);
    this.topNames.add(name);
    this.body.push(
      name === original ? piece.source : renameDef(piece.source, original, name, 'def'),
    );
    this.record(piece, name, null, origin);
  }

  /** A bare top-level assert would run at import time: it becomes a test of its own. */
  private addAssert(piece: Piece, origin: number): void {
    const base = `test_assertion_${this.wrapped + 1}`;
    if (!this.admit(base, piece.fingerprint ?? piece.source, origin, piece.line)) return;
    this.wrapped += 1;
    const name = freshName(base, this.topNames);
    this.topNames.add(name);
    const comment = piece.comment ? `    # ${piece.comment}\n` : '';
    const assertion = piece.source
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n');
    this.body.push(`def ${name}():\n${comment}${indent(assertion, '    ')}`);
    this.record(piece, name, null, origin);
  }

  private addClass(piece: Piece, origin: number): void {
    const originalClass = piece.name as string;
    const className = freshName(originalClass, this.topNames);
    const members: string[] = [];
    const memberNames = new Set<string>();
    let kept = 0;
    for (const member of piece.members ?? []) {
      if (member.kind !== 'test') {
        members.push(member.source);
        if (member.name) memberNames.add(member.name);
        continue;
      }
      const original = member.name as string;
      const id = `${originalClass}::${original}`;
      if (!this.admit(id, member.fingerprint ?? member.source, origin, member.line)) continue;
      const name = freshName(original, memberNames);
      memberNames.add(name);
      members.push(
        name === original ? member.source : renameDef(member.source, original, name, 'def'),
      );
      this.record(member, name, className, origin);
      kept += 1;
    }
    if (kept === 0) return;
    this.topNames.add(className);
    const header =
      className === originalClass
        ? (piece.header as string)
        : renameDef(piece.header as string, originalClass, className, 'class');
    this.body.push([header, ...members].join('\n\n'));
  }
}

/**
 * One pytest file from the split candidates, in their order: imports first (the target's own
 * import added when no import binds it), then fixtures, helpers and tests as they came.
 */
export function assembleTestFile(files: SplitFile[], options: AssembleOptions): AssembledFile {
  const needed =
    options.replace && files.length > 1 ? neededPieces(files, new Set(options.drop ?? [])) : null;
  const assembler = new Assembler(options, needed);
  files.forEach((file, origin) => file.pieces.forEach((piece) => assembler.add(piece, origin)));
  const broken = files.flatMap((file, origin) => file.broken.map((b) => ({ ...b, origin })));
  const { target } = options;
  const imports = [...assembler.imports];
  if (assembler.addedImport) imports.push(`from ${target.module} import ${target.importName}`);
  const source =
    assembler.tests.length === 0
      ? ''
      : `${[imports.join('\n'), ...assembler.body].filter(Boolean).join('\n\n\n')}\n`;
  return {
    source,
    tests: assembler.tests,
    dropped: assembler.dropped,
    broken,
    addedImport: assembler.addedImport,
  };
}
