import { runJsonHelper } from '../python-helpers.js';

/**
 * Thin adapters over the Python helpers that read Python for the model-facing half: each call
 * is one process for a whole batch (Python is parsed by Python; see DESIGN.md).
 */

export interface PythonOptions {
  /** The user's interpreter (`--python`). */
  python: string;
}

/** What a prompt gets to know about one function (src/python/function_context.py). */
export interface FunctionContext {
  file: string;
  module: string;
  qualname: string;
  name: string;
  /** Dotted class path for a method (`Outer.Inner`), else null. */
  owner: string | null;
  /** The top-level name a test imports: the function, or the outermost class of a method. */
  importName: string;
  isAsync: boolean;
  start: number;
  end: number;
  /** The def with its decorators, dedented. */
  source: string;
  /** `def f(a: int, b=2) -> int:` on one line. */
  signature: string;
  docstring: string | null;
  /** The enclosing class: header, attributes, `__init__` and this method in full, stubs for the rest. */
  classContext: string | null;
  /** Signatures and docstrings only (class, `__init__`, the function): no body anywhere. */
  spec: string;
  /** The module's import statements. */
  imports: string[];
  /** Module-level definitions the function uses, nearest first, within the budget. */
  helpers: string[];
  /** Names of helpers left out for the budget. */
  omittedHelpers: string[];
}

export interface ContextRequest {
  /** Repository-relative path, for messages. */
  file: string;
  /** The import path: `pkg.mod`. */
  module: string;
  /** The module's source text at head. */
  source: string;
  qualnames: string[];
}

export type ContextResult =
  | { file: string; qualname: string; context: FunctionContext; error: null }
  | { file: string; qualname: string; context: null; error: string };

/** Default characters of module-level helpers shown per function: about 1000 tokens. */
export const DEFAULT_HELPER_BUDGET = 4000;

type RawFunction = Omit<FunctionContext, 'file' | 'module'> & { error: string | null };

interface RawContexts {
  modules: { path: string; error: string | null; functions: RawFunction[] }[];
}

/** One helper process for every requested function of every module. */
export async function loadFunctionContexts(
  requests: ContextRequest[],
  options: PythonOptions & { helperBudget?: number },
): Promise<ContextResult[]> {
  if (requests.length === 0) return [];
  const raw = await runJsonHelper<RawContexts>(
    'function_context.py',
    {
      helperBudget: options.helperBudget ?? DEFAULT_HELPER_BUDGET,
      modules: requests.map((r) => ({
        path: r.file,
        module: r.module,
        source: r.source,
        qualnames: r.qualnames,
      })),
    },
    { python: options.python },
  );
  return requests.flatMap((request, index): ContextResult[] => {
    const module = raw.modules[index];
    return request.qualnames.map((qualname, at): ContextResult => {
      const fn = module?.functions[at];
      const error = module?.error ?? fn?.error ?? (fn ? null : 'not analysed');
      if (error !== null || !fn) {
        return { file: request.file, qualname, context: null, error: error ?? 'not analysed' };
      }
      const context = { ...fn, file: request.file, module: request.module };
      delete (context as { error?: unknown }).error;
      return { file: request.file, qualname, context, error: null };
    });
  });
}

/** What a test file must import and must not redefine. */
export interface TestTarget {
  module: string;
  /** The top-level name a test imports (the class for a method). */
  importName: string;
  /** The function's own name (the method's name for a method). */
  name: string;
}

/** A call of the target found in a test: `assert <call> == <expected>` or under pytest.raises. */
export interface TargetCall {
  call: string;
  expected: string | null;
  raises: string | null;
  /** 1-based line in the candidate file it came from. */
  line: number;
  /**
   * The call needs only importable names and literals (`f(1)`, `Stack([1]).push(2)`), so it can
   * be put in a verification prompt on its own.
   */
  selfContained: boolean;
}

export type PieceKind =
  | 'import'
  | 'test'
  | 'fixture'
  | 'helper'
  | 'class'
  | 'assert'
  | 'other'
  | 'shadow'
  | 'main'
  | 'stray';

/** A top-level statement of a candidate test file (src/python/test_files.py). */
export interface Piece {
  kind: PieceKind;
  name: string | null;
  /** 1-based line in the candidate file (of the comment above it, if any). */
  line: number;
  source: string;
  comment: string | null;
  docstring: string | null;
  fingerprint: string | null;
  /** The names it binds: an import's names, a definition's name, assignment targets. */
  binds: string[];
  /**
   * The names it mentions, fixtures it asks for by parameter and `usefixtures` names (an
   * over-approximation). Absent from pieces made elsewhere: then nothing is pruned.
   */
  uses?: string[];
  targetImport: 'ok' | 'elsewhere' | null;
  withoutTarget: string | null;
  header: string | null;
  members: Piece[] | null;
  calls: TargetCall[];
}

/** A top-level chunk that does not parse. */
export interface BrokenChunk {
  line: number;
  message: string;
  source: string;
}

export interface SplitFile {
  id: string;
  pieces: Piece[];
  broken: BrokenChunk[];
}

export interface SplitRequest {
  id: string;
  source: string;
  target: TestTarget;
}

/** Splits (and syntax-checks) many candidate test files in one helper process. */
export async function splitTestFiles(
  files: SplitRequest[],
  options: PythonOptions,
): Promise<SplitFile[]> {
  if (files.length === 0) return [];
  const raw = await runJsonHelper<{ files: SplitFile[] }>(
    'test_files.py',
    { files },
    { python: options.python },
  );
  return raw.files;
}

export interface ValueComparison {
  equal: boolean;
  /** 'value': both literals, compared with ==; 'syntax': both expressions; 'text': neither. */
  how: 'value' | 'syntax' | 'text';
}

/** Compares values written as Python source, as Python values, in one helper process. */
export async function compareValues(
  pairs: { left: string; right: string }[],
  options: PythonOptions,
): Promise<ValueComparison[]> {
  if (pairs.length === 0) return [];
  const raw = await runJsonHelper<{ results: ValueComparison[] }>(
    'compare_values.py',
    { pairs },
    { python: options.python },
  );
  return raw.results;
}
