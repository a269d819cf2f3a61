import type { Completion } from './types.js';

/**
 * Tolerant reading of model output. Pure text work: finding code in prose and fences, and
 * answers in SemCoder's tags. Whether the code is valid Python is decided by Python
 * (src/python/test_files.py), never here.
 */

export interface CodeBlock {
  /** The fence's language, lower-cased ('' when untagged): `python` for ```python:t.py or ```{python}. */
  language: string;
  code: string;
  /** False when the text ended before the closing fence (a length cut). */
  closed: boolean;
}

const OPEN_FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const PYTHON_TAGS = new Set(['python', 'py', 'python3', 'py3', 'pytest', 'pycon']);
/** Blocks that may hold the code when no block is labelled Python. */
const PLAIN_TAGS = new Set(['', 'text', 'txt', 'plaintext']);
/** Lines that start Python code, to find where it begins in unfenced prose. */
const CODE_START =
  /^(import\s|from\s+[\w.]+\s+import\s|def\s|async\s+def\s|class\s|@|assert\s|#|if\s+__name__)/;
/** Lines that can only be Python (not a markdown heading or prose): code before a fence. */
const SURE_CODE =
  /^(import\s+\w|from\s+[\w.]+\s+import\s|(async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[:(]|@\w|assert\s)/;

/**
 * The language of a fence's info string: its first word, without pandoc's braces and dot
 * (```{python}, ```{.python}) or a file name after a colon (```python:tests/test_x.py).
 */
function fenceLanguage(info: string): string {
  return info
    .replace(/^\{\.?/, '')
    .replace(/\}$/, '')
    .split(':')[0]!
    .toLowerCase();
}

/** Removes up to `width` leading spaces, as CommonMark does inside an indented fence. */
function outdent(line: string, width: number): string {
  let i = 0;
  while (i < width && line[i] === ' ') i += 1;
  return line.slice(i);
}

/**
 * Every fenced block, in order; a fence left open runs to the end of the text. Inside a block,
 * a fence line with an info string cannot close it (CommonMark) and cannot be Python: it opens
 * the next block (a model that opens its own ```py block inside the prompt's ```python one).
 */
export function extractCodeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split(/\r?\n/);
  let open: { fence: string; indent: number; language: string; lines: string[] } | undefined;
  for (const line of lines) {
    const match = OPEN_FENCE.exec(line);
    if (open) {
      const trimmed = line.trim();
      const closes =
        trimmed.length >= open.fence.length &&
        trimmed === (open.fence[0] as string).repeat(trimmed.length);
      // Only a fence that could have closed this block re-opens: a longer one may quote it.
      const reopens =
        !closes &&
        match !== null &&
        match[3] !== '' &&
        (match[2] as string).length >= open.fence.length &&
        match[2]![0] === open.fence[0];
      if (!closes && !reopens) {
        open.lines.push(outdent(line, open.indent));
        continue;
      }
      blocks.push({ language: open.language, code: open.lines.join('\n'), closed: true });
      open = undefined;
      if (closes) continue;
    }
    if (match) {
      open = {
        indent: (match[1] ?? '').length,
        fence: match[2] as string,
        language: fenceLanguage(match[3] ?? ''),
        lines: [],
      };
    }
  }
  if (open) blocks.push({ language: open.language, code: open.lines.join('\n'), closed: false });
  return blocks;
}

/**
 * Code before the first fence when that fence is a bare closing one: a chat reply continuing
 * the prompt's open ```python block ("def test_a(): ...\n```\n\nThese tests check..."). Returns
 * the code and the text after the fence, or null when the text does not start that way.
 */
function leadingBlock(lines: string[]): { block: CodeBlock; rest: string[] } | null {
  const fenceAt = lines.findIndex((line) => OPEN_FENCE.test(line));
  if (fenceAt === -1 || OPEN_FENCE.exec(lines[fenceAt] as string)?.[3] !== '') return null;
  const before = lines.slice(0, fenceAt);
  if (!before.some((line) => SURE_CODE.test(line))) return null;
  const start = before.findIndex((line) => CODE_START.test(line));
  return {
    block: { language: 'python', code: before.slice(start).join('\n'), closed: true },
    rest: lines.slice(fenceAt + 1),
  };
}

/**
 * The Python code in a model's answer: its fenced blocks labelled Python joined (or, when none
 * is, its untagged and text blocks), or, without fences, the text from its first line that
 * starts Python code. Code before a bare closing fence counts as a Python block. '' when
 * there is none.
 */
export function extractCode(text: string): string {
  const lines = text.split(/\r?\n/);
  const leading = leadingBlock(lines);
  const blocks = leading
    ? [leading.block, ...extractCodeBlocks(leading.rest.join('\n'))]
    : extractCodeBlocks(text);
  if (blocks.length > 0) {
    const python = blocks.filter((block) => PYTHON_TAGS.has(block.language));
    const chosen = python.length > 0 ? python : blocks.filter((b) => PLAIN_TAGS.has(b.language));
    return chosen
      .map((block) => block.code.replace(/\s+$/, ''))
      .filter((code) => code.trim() !== '')
      .join('\n\n\n');
  }
  const start = lines.findIndex((line) => CODE_START.test(line));
  return start === -1 ? '' : lines.slice(start).join('\n').replace(/\s+$/, '');
}

/** A fence line opening the model's continuation, and its info string. */
const LEADING_FENCE = /^\s*(?:`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*\n/;

/**
 * The text a prompt's response prefix and the model's continuation make together. A chat
 * reply starts afresh (the prefix was part of the user's message), so it stands alone. When
 * the prefix ends inside an open block and the continuation opens a block of its own (```py,
 * or a bare fence followed by code), the continuation's fence line is left out: the model
 * re-opened the block it was already in. A bare fence followed by prose closes the block.
 */
export function withPrefix(prefix: string, completion: Pick<Completion, 'text' | 'api'>): string {
  if (completion.api === 'chat') return completion.text;
  const fence = LEADING_FENCE.exec(completion.text);
  if (!fence || extractCodeBlocks(prefix).at(-1)?.closed !== false) return prefix + completion.text;
  const rest = completion.text.slice(fence[0].length);
  const firstLine = rest.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const reopens = fence[1] !== '' || CODE_START.test(firstLine);
  return prefix + (reopens ? rest : completion.text);
}

/** Index of the first `==` outside strings and brackets, or -1. */
export function topLevelEquals(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i += 1;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    } else if ('([{'.includes(c)) depth += 1;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith('==', i)) return i;
  }
  return -1;
}

export interface Answer {
  /** The predicted value as Python source (right side of `==`), or null when none was given. */
  value: string | null;
  /** The reasoning's last line before the answer, as a one-line rationale. */
  rationale: string | null;
}

function lastLine(text: string): string | null {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\[\/?[A-Z]+\]/g, '').trim())
    .filter(Boolean);
  const line = lines[lines.length - 1];
  if (!line) return null;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * Reads SemCoder's execution-reasoning answer: the text after the last `[ANSWER]` (up to
 * `[/ANSWER]`), `assert f(x) == VALUE` giving VALUE; a bare value is taken as it is.
 */
export function parseAnswer(text: string): Answer {
  const at = text.lastIndexOf('[ANSWER]');
  if (at === -1) return { value: null, rationale: lastLine(text) };
  let answer = text.slice(at + '[ANSWER]'.length);
  const end = answer.indexOf('[/ANSWER]');
  if (end !== -1) answer = answer.slice(0, end);
  answer = extractCode(answer) || answer;
  answer = answer.trim().replace(/^assert\s+/, '');
  const eq = topLevelEquals(answer);
  const value = (eq === -1 ? answer : answer.slice(eq + 2)).trim();
  return {
    value: value === '' || value === '??' ? null : value,
    rationale: lastLine(text.slice(0, at)),
  };
}

/**
 * The code of SemCoder's refinement answer, between `[Refined]` and `[/Refined]`. A fenced
 * answer is its fences' code, even when that is empty; unfenced text is taken as it is.
 */
export function parseRefined(text: string): string {
  const at = text.lastIndexOf('[Refined]');
  if (at === -1) return extractCode(text);
  let refined = text.slice(at + '[Refined]'.length);
  const end = refined.indexOf('[/Refined]');
  if (end !== -1) refined = refined.slice(0, end);
  const code = extractCode(refined);
  return code !== '' || extractCodeBlocks(refined).length > 0 ? code : refined.trim();
}
