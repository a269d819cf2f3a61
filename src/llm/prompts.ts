import type { FunctionContext } from './helpers.js';
import { extractCode } from './parse.js';
import type { CompletionRequest, ModelApi } from './types.js';

/**
 * SemCoder's prompt formats, filled in for our tasks. Pure functions: a context in, the exact
 * prompt text and sampling parameters out. The templates are SemCoder's own (src/prompts.py and
 * experiments/*.py in ARiSE-Lab/SemCoder, MIT), kept verbatim, typos included, because the
 * released checkpoints were trained and evaluated on exactly these strings.
 */

/** NL -> Code (src/prompts.py NL2CODE_PROMPT). */
const NL2CODE_HEADER =
  'You are an exceptionally intelligent coding assistant that consistently delivers accurate and reliable <Code> according to <NL_Description>';

/** Execution simulation (src/prompts.py EXEC_O_PROMPT). */
const EXEC_O_HEADER =
  'Simulate the Execution: You are given a Python function and an assertion containing a function input. Complete the assertion containing the execution output corresponding to the given input in [ANSWER] and [/ANSWER] tags.';

/**
 * The forward-monologue opening tag and line labels exactly as the paper's CRUXEval-O run used
 * them (experiments/cruxeval_prompts.py, run_cruxeval.py --forward_monologue --prompt_prefix
 * --annotate_src): the tag is spelled `[SCRACHPAD]`, and every non-empty code line i (1-based)
 * ends with ` # [L{i + 4}]`.
 */
const MONOLOGUE_TAG = '[SCRACHPAD]';
const LINE_LABEL_OFFSET = 4;

/** Refinement (src/prompts.py REFINE_PROMPT), the trailing space of its second line included. */
const REFINE_HEADER =
  'Debug and Refine the Code: You are given a a problem to be implemented in Python, and a buggy code that tries to solve the problem but fails the test case.\n' +
  'You should firstly simulate the execution with the buggy code and the failed test to identify the root cause of the failure. \n' +
  'Then, you should fix the bug and wrap the refined code in between [Refined] and [/Refined].';

export type PromptKind = 'generate' | 'repair' | 'verify' | 'deepen' | 'codegen';

/** A prompt and the sampling it is meant for. */
export interface PromptSpec {
  kind: PromptKind;
  prompt: string;
  /**
   * The start of the answer, written into the prompt for the model to continue (completions
   * API). Read the whole answer with `withPrefix(spec.prefix, completion)`.
   */
  prefix: string;
  maxTokens: number;
  temperature: number;
  topP?: number;
  stop?: string[];
}

/** The request to send for a prompt, on behalf of `subject` (for messages). */
export function completionRequest(spec: PromptSpec, subject: string): CompletionRequest {
  return {
    kind: spec.kind,
    subject,
    prompt: spec.prompt,
    maxTokens: spec.maxTokens,
    temperature: spec.temperature,
    ...(spec.topP !== undefined ? { topP: spec.topP } : {}),
    ...(spec.stop ? { stop: spec.stop } : {}),
  };
}

export function nl2codePrompt(instruction: string, response: string): string {
  return `${NL2CODE_HEADER}\n\n<NL_Description>\n${instruction}\n\n<Code>\n${response}`;
}

const fenced = (code: string): string => `\`\`\`python\n${code}\n\`\`\``;

/**
 * On the completions API the answer is continued inside an open ```python block, so the first
 * closing fence ends it. A chat reply opens its own block, where that stop would cut it short.
 */
const fenceStop = (api: ModelApi): string[] | undefined =>
  api === 'completions' ? ['\n```'] : undefined;

/** The import line a test file uses for the function (the outermost class for a method). */
export function importLine(context: Pick<FunctionContext, 'module' | 'importName'>): string {
  return `from ${context.module} import ${context.importName}`;
}

/** How a test reaches the function: `slugify(...)`, `Stack(...).push(...)`. */
function callForm(context: FunctionContext): string {
  return context.owner ? `${context.owner}(...).${context.name}(...)` : `${context.name}(...)`;
}

function callHint(context: FunctionContext): string {
  const call = callForm(context);
  const lines = [
    context.owner
      ? `Each test creates a \`${context.owner}\` as its \`__init__\` allows and calls \`${call}\``
      : `Each test calls \`${call}\``,
  ];
  if (context.isAsync) lines.push('(a coroutine function: run it with `asyncio.run(...)`)');
  return lines.join(' ');
}

/**
 * What the model must know about the function: imports, helpers, the code (its class for a
 * method). `marked` is the function's source with unrun lines marked, for the deepen round.
 */
function codeSections(context: FunctionContext, marked?: string): string[] {
  const sections: string[] = [];
  if (context.imports.length > 0) {
    sections.push(`The module's imports:\n${fenced(context.imports.join('\n'))}`);
  }
  if (context.helpers.length > 0) {
    const omitted = context.omittedHelpers.length
      ? `\n(Not shown, for length: ${context.omittedHelpers.join(', ')}.)`
      : '';
    sections.push(`Module-level code it uses:\n${fenced(context.helpers.join('\n\n'))}${omitted}`);
  } else if (context.omittedHelpers.length) {
    sections.push(`It also uses, not shown for length: ${context.omittedHelpers.join(', ')}.`);
  }
  if (context.classContext) {
    const what = `The class \`${context.owner}\`, with the method \`${context.name}\` under test:`;
    sections.push(`${what}\n${fenced(context.classContext)}`);
  }
  if (marked !== undefined) {
    const what = context.classContext ? `The method` : `The function under test`;
    sections.push(
      `${what}; the existing tests never run the lines marked \`# NOT COVERED\`:\n${fenced(marked)}`,
    );
  } else if (!context.classContext) {
    sections.push(`The function under test:\n${fenced(context.source)}`);
  }
  return sections;
}

function testRules(context: FunctionContext, maxTests: number): string {
  return [
    `Write one pytest file with at most ${maxTests} test functions. ${callHint(context)} with concrete inputs and asserts the exact expected result (\`assert ${callForm(context)} == <value>\`), or uses \`pytest.raises\` when an exception is the right outcome.`,
    'Cover typical inputs and edge cases: empty values, boundaries, negative numbers, None, large values, unicode.',
    'Give each test a one-line docstring that says why its expected value is right.',
    `Import the code under test with \`${importLine(context)}\`; do not redefine or mock it, and do not read files or use the network.`,
  ].join('\n');
}

function testFilePrefix(context: FunctionContext): string {
  return `\`\`\`python\nimport pytest\n${importLine(context)}\n\n`;
}

/**
 * New tokens a test-writing answer (generate, deepen, repair) may take unless the caller says
 * otherwise (--max-tokens): a file of eight tests with docstrings fits with room to spare.
 */
export const TEST_MAX_TOKENS = 2048;

/** New tokens of an execution-reasoning answer (verify): the paper's monologue budget. */
export const VERIFY_MAX_TOKENS = 1024;

export interface GenerateOptions {
  maxTests: number;
  api?: ModelApi;
  /** New tokens the answer may take (default TEST_MAX_TOKENS). */
  maxTokens?: number;
  /** What the change is about (an issue, a PR description), to aim the tests at it. */
  background?: string;
}

/** The change's background, fenced as text, or nothing. */
function backgroundSection(background: string | undefined): string[] {
  const text = background?.trim();
  if (!text) return [];
  // A fence longer than any in the text, so an issue quoting code cannot close it early.
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return [`What the change is meant to do:\n${fence}text\n${truncateText(text, 6000)}\n${fence}`];
}

function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[...]`;
}

/** First round: a pytest file for one function (NL -> Code format). */
export function generateTestsPrompt(
  context: FunctionContext,
  options: GenerateOptions,
): PromptSpec {
  const instruction = [
    `Write pytest tests for the Python function \`${context.qualname}\` of module \`${context.module}\` (file ${context.file}).`,
    ...backgroundSection(options.background),
    ...codeSections(context),
    testRules(context, options.maxTests),
  ].join('\n\n');
  const prefix = testFilePrefix(context);
  return {
    kind: 'generate',
    prompt: nl2codePrompt(instruction, prefix),
    prefix,
    maxTokens: options.maxTokens ?? TEST_MAX_TOKENS,
    temperature: 0,
    stop: fenceStop(options.api ?? 'completions'),
  };
}

export interface DeepenOptions extends GenerateOptions {
  /** Lines of the file (1-based) inside the function that no test ran. */
  uncoveredLines: number[];
  /** Branches never taken, as coverage.py arcs: [from, to], `to` < 0 for an exit. */
  uncoveredBranches?: [number, number][];
  /** Names of the tests that exist already. */
  existingTests?: string[];
}

/** The function's own source with each unrun line marked, for the deepen round. */
export function markUncovered(context: FunctionContext, uncovered: number[]): string {
  const missing = new Set(uncovered);
  return context.source
    .split('\n')
    .map((line, i) => (missing.has(context.start + i) ? `${line}  # NOT COVERED` : line))
    .join('\n');
}

/** Follow-up round: tests that reach the lines and branches still uncovered. */
export function deepenTestsPrompt(context: FunctionContext, options: DeepenOptions): PromptSpec {
  const sourceLine = (n: number) =>
    n >= context.start && n <= context.end
      ? `\`${context.source.split('\n')[n - context.start]?.trim() ?? ''}\``
      : `line ${n}`;
  const branches = (options.uncoveredBranches ?? []).map(
    ([from, to]) =>
      `- from ${sourceLine(from)} to ${to < 0 ? 'the function exit' : sourceLine(to)}`,
  );
  const marked = markUncovered(context, options.uncoveredLines);
  const existing = options.existingTests?.length
    ? `Tests that exist already (do not repeat them): ${options.existingTests.join(', ')}.`
    : '';
  const instruction = [
    `Write more pytest tests for the Python function \`${context.qualname}\` of module \`${context.module}\` (file ${context.file}).`,
    ...backgroundSection(options.background),
    ...codeSections(context, marked),
    branches.length ? `Nor do they take these branches:\n${branches.join('\n')}` : '',
    existing,
    `Choose inputs that make exactly those lines and branches run. ${testRules(context, options.maxTests)}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const prefix = testFilePrefix(context);
  return {
    kind: 'deepen',
    prompt: nl2codePrompt(instruction, prefix),
    prefix,
    maxTokens: options.maxTokens ?? TEST_MAX_TOKENS,
    temperature: 0,
    stop: fenceStop(options.api ?? 'completions'),
  };
}

export interface RepairInput {
  /** The failing tests (and the imports they need), as the model should fix them. */
  tests: string;
  /** What went wrong: a syntax error with its line, or pytest's error output. */
  error: string;
  /** New tokens the answer (reasoning, then the refined tests) may take (default TEST_MAX_TOKENS). */
  maxTokens?: number;
}

/** Repair round: broken tests and their error, in SemCoder's refinement format. */
export function repairTestsPrompt(context: FunctionContext, input: RepairInput): PromptSpec {
  const problem = [
    `Write pytest tests for the Python function \`${context.qualname}\` of module \`${context.module}\`: each test calls it with concrete inputs and asserts the exact expected result. The function is correct as given; the tests are the buggy solution, and only they may change. Import it with \`${importLine(context)}\`.`,
    fenced(context.classContext ?? context.source),
  ].join('\n');
  const instruction = `### Problem\n${problem}\n\n### Buggy Solution\n${fenced(input.tests)}\n\n### Failed Test\n${fenced(input.error)}\n`;
  return {
    kind: 'repair',
    prompt: `${REFINE_HEADER}\n${instruction}\n`,
    prefix: '',
    maxTokens: input.maxTokens ?? TEST_MAX_TOKENS,
    temperature: 0,
    stop: ['[/Refined]'],
  };
}

/** Labels every non-empty line with ` # [L{n}]`, as the monologue format expects. */
export function labelLines(code: string): string {
  return code
    .split('\n')
    .map((line, i) => (line.trim() ? `${line} # [L${i + 1 + LINE_LABEL_OFFSET}]` : line))
    .join('\n');
}

export interface VerifyInput {
  /** The call whose result is in question, as Python source: `slugify("a b")`. */
  call: string;
}

/**
 * Oracle verification: the intended result of one call, from the specification alone (the
 * signature and docstring in `context.spec`; the body is withheld from the whole prompt), in
 * the forward-monologue format. Read the answer with parseAnswer().
 */
export function verifyOraclePrompt(context: FunctionContext, input: VerifyInput): PromptSpec {
  const code = labelLines(context.spec);
  return {
    kind: 'verify',
    prompt: `${EXEC_O_HEADER}\n[PYTHON]\n${code}\nassert ${input.call} == ??\n[/PYTHON]\n${MONOLOGUE_TAG}\n`,
    prefix: '',
    maxTokens: VERIFY_MAX_TOKENS,
    temperature: 0.2,
    topP: 0.95,
    stop: ['[/ANSWER]'],
  };
}

export interface HumanEvalProblem {
  /** The signature and docstring the solution continues. */
  prompt: string;
  /** The function the tests call. */
  entryPoint: string;
}

/**
 * HumanEval code generation as in the paper (experiments/run_evalplus.py): the stripped
 * prompt in the instruction and as the response prefix; greedy, at most 1024 new tokens.
 */
export function humanEvalPrompt(
  problem: HumanEvalProblem,
  options: { api?: ModelApi } = {},
): PromptSpec {
  const code = problem.prompt.trim();
  const prefix = `\`\`\`python\n${code}`;
  return {
    kind: 'codegen',
    prompt: nl2codePrompt(`Write a solution to the following problem:\n${fenced(code)}`, prefix),
    prefix,
    maxTokens: 1024,
    temperature: 0,
    stop: fenceStop(options.api ?? 'completions'),
  };
}

/**
 * A HumanEval sample from the model's text. Completions continue the prompt: the text up to
 * the first fence is the body (the paper's cut). A chat reply is a whole block: when it defines
 * the entry point it follows the prompt (keeping its imports) and replaces the stub.
 */
export function humanEvalSolution(
  problem: HumanEvalProblem,
  completion: { text: string; api: ModelApi },
): { completion: string; solution: string } {
  const code = problem.prompt.trim();
  if (completion.api === 'completions') {
    const end = completion.text.indexOf('```');
    const body = end === -1 ? completion.text : completion.text.slice(0, end);
    return { completion: body, solution: `${code}${body}` };
  }
  const reply = extractCode(completion.text) || completion.text;
  const defines = new RegExp(`^\\s*(async\\s+)?def\\s+${problem.entryPoint}\\s*\\(`, 'm').test(
    reply,
  );
  const solution = defines ? `${code}\n\n\n${reply}\n` : `${code}\n${reply}\n`;
  return { completion: solution.slice(code.length), solution };
}
