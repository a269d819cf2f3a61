/** The model-facing half: the endpoint client, SemCoder prompts, and reading model output. */
export { createModelClient, DEFAULT_MODEL, modelClientFor } from './client.js';
export { displayEndpoint, endpointSecrets, parseEndpoint } from './endpoint.js';
export type { Endpoint } from './endpoint.js';
export {
  ModelError,
  ModelRejectedError,
  ModelUnavailableError,
  ReplayMissError,
} from './errors.js';
export {
  compareValues,
  DEFAULT_HELPER_BUDGET,
  loadFunctionContexts,
  splitTestFiles,
} from './helpers.js';
export type {
  BrokenChunk,
  ContextRequest,
  ContextResult,
  FunctionContext,
  Piece,
  PieceKind,
  PythonOptions,
  SplitFile,
  SplitRequest,
  TargetCall,
  TestTarget,
  ValueComparison,
} from './helpers.js';
export {
  extractCode,
  extractCodeBlocks,
  parseAnswer,
  parseRefined,
  topLevelEquals,
  withPrefix,
} from './parse.js';
export type { Answer, CodeBlock } from './parse.js';
export {
  completionRequest,
  deepenTestsPrompt,
  generateTestsPrompt,
  humanEvalPrompt,
  humanEvalSolution,
  importLine,
  labelLines,
  markUncovered,
  nl2codePrompt,
  repairTestsPrompt,
  TEST_MAX_TOKENS,
  VERIFY_MAX_TOKENS,
  verifyOraclePrompt,
} from './prompts.js';
export type {
  DeepenOptions,
  GenerateOptions,
  HumanEvalProblem,
  PromptKind,
  PromptSpec,
  RepairInput,
  VerifyInput,
} from './prompts.js';
export { assembleTestFile, rationaleOf } from './test-file.js';
export type {
  AssembledFile,
  AssembledTest,
  AssembleOptions,
  DropReason,
  DroppedPiece,
} from './test-file.js';
export type {
  Completion,
  CompletionRequest,
  LlmUsage,
  ModelApi,
  ModelClient,
  ModelClientOptions,
} from './types.js';
