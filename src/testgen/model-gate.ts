import {
  completionRequest,
  ModelError,
  ModelUnavailableError,
  withPrefix,
  type ModelClient,
  type PromptSpec,
} from '../llm/index.js';
import pLimit, { type LimitFunction } from 'p-limit';
import { subject, type FunctionState } from './state.js';

/** How the reason of a function skipped for want of a model answer begins (report.json). */
const NO_ANSWER = 'generate request failed: ';

/**
 * Whether a function was skipped because the model gave it no usable answer, rather than for
 * its environment (a module that cannot be imported).
 */
export function skippedForNoAnswer(reason: string | null | undefined): boolean {
  return reason?.startsWith(NO_ANSWER) ?? false;
}

/**
 * The pipeline's only door to the model. A request that fails after the client's retries
 * never stops the run: the first-round request marks the function skipped, a later one leaves
 * a note. After `breakAfter` unavailable answers in a row the endpoint is taken as dead, and
 * the remaining requests are not sent (each would wait out its own retries for nothing).
 * Requests queue here, at the client's concurrency, so that the check happens when a request
 * would go out rather than when it was queued.
 */
export class ModelGate {
  private unavailableInARow = 0;
  private lastFailure = '';
  private readonly limit: LimitFunction;

  constructor(
    private readonly client: ModelClient,
    concurrency: number,
    private readonly breakAfter = 3,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** The model's whole answer (prefix included), or null when there is none. */
  ask(state: FunctionState, spec: PromptSpec): Promise<string | null> {
    return this.limit(() => this.send(state, spec));
  }

  private async send(state: FunctionState, spec: PromptSpec): Promise<string | null> {
    if (this.unavailableInARow >= this.breakAfter) {
      this.fail(
        state,
        spec.kind,
        `not sent: the endpoint failed ${this.unavailableInARow} requests in a row (last: ${this.lastFailure})`,
      );
      return null;
    }
    try {
      const completion = await this.client.complete(completionRequest(spec, subject(state)));
      this.unavailableInARow = 0;
      return withPrefix(spec.prefix, completion);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      if (error instanceof ModelUnavailableError) {
        this.unavailableInARow += 1;
        this.lastFailure = error.message;
      }
      this.fail(state, spec.kind, error.message);
      return null;
    }
  }

  private fail(state: FunctionState, kind: string, message: string): void {
    if (kind === 'generate' && state.file === null) state.skipped = `${NO_ANSWER}${message}`;
    else state.notes.push(`${kind} request failed: ${message}`);
  }
}
