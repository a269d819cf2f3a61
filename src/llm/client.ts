import OpenAI, { APIError } from 'openai';
import pLimit from 'p-limit';
import { UsageError } from '../errors.js';
import {
  ModelError,
  ModelRejectedError,
  ModelUnavailableError,
  ReplayMissError,
} from './errors.js';
import { parseEndpoint, redactor, type Endpoint } from './endpoint.js';
import { waitForEndpoint } from './readiness.js';
import { exchangeKey, fromRecording, RecordingStore, toRecording } from './recordings.js';
import { EXCHANGE_HEADER, observingFetch, type ExchangeLog } from './transport.js';
import type {
  Completion,
  CompletionRequest,
  LlmUsage,
  ModelApi,
  ModelClient,
  ModelClientOptions,
} from './types.js';

export const DEFAULT_MODEL = 'semcoder/semcoder_s_1030';

/** Longest Retry-After the client honours: a polite server never needs more in a CI job. */
const MAX_RETRY_AFTER_SECONDS = 60;

/** Statuses the SDK retries; any other 4xx is a refusal that retrying cannot change. */
const RETRIED_STATUSES = new Set([408, 409, 429]);

function hintFor(status: number): string {
  if (status === 401 || status === 403) return 'Check --api-key (or SEMCODER_API_KEY).';
  if (status === 404) return 'Check --endpoint (it usually ends with /v1) and --model.';
  return 'Check --model, and that the prompt fits the served context length.';
}

interface Choice {
  text?: string | null;
  message?: { content?: string | null } | null;
  finish_reason?: string | null;
}

interface CompletionBody {
  choices: Choice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

class Client implements ModelClient {
  readonly model: string;
  readonly api: ModelApi;
  private readonly counters: LlmUsage = {
    requests: 0,
    retries: 0,
    failures: 0,
    promptTokens: 0,
    completionTokens: 0,
  };
  private readonly logs = new Map<string, ExchangeLog>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly sdk: OpenAI | undefined;
  private readonly recorder: RecordingStore | undefined;
  private readonly replayer: RecordingStore | undefined;
  private readonly endpoint: Endpoint | undefined;
  private readonly redact: (text: string) => string;
  private sequence = 0;

  constructor(private readonly options: ModelClientOptions) {
    this.model = options.model;
    this.api = options.api;
    this.limit = pLimit(options.concurrency);
    this.redact = redactor([options.apiKey]);
    if (options.record && options.replay) {
      throw new UsageError('--record and --replay exclude each other: record once, then replay.');
    }
    if (options.replay) {
      this.replayer = RecordingStore.forReplay(options.replay);
      return;
    }
    if (!options.endpoint) {
      throw new UsageError(
        'No model endpoint: pass --endpoint URL (e.g. http://host:8000/v1) or --replay DIR.',
      );
    }
    const endpoint = parseEndpoint(options.endpoint);
    this.endpoint = endpoint;
    this.redact = redactor([options.apiKey, ...endpoint.secrets]);
    if (endpoint.authorization && options.apiKey) {
      throw new UsageError(
        '--endpoint holds a user name and password (HTTP Basic) and an API key is set (--api-key ' +
          'or SEMCODER_API_KEY): both would go in the Authorization header. Give only one of them.',
      );
    }
    if (options.record) this.recorder = RecordingStore.forRecording(options.record);
    const redact = (text: string) => this.redact(text);
    // Without a key, no Authorization header is sent, unless the URL held credentials.
    const authorization = endpoint.authorization ?? (options.apiKey ? undefined : null);
    this.sdk = new OpenAI({
      baseURL: endpoint.baseUrl,
      ...(Object.keys(endpoint.query).length > 0 ? { defaultQuery: endpoint.query } : {}),
      // Every credential is passed explicitly so that none is read from OPENAI_* variables and
      // sent to a self-hosted endpoint.
      apiKey: options.apiKey || 'no-key',
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      ...(authorization !== undefined ? { defaultHeaders: { Authorization: authorization } } : {}),
      timeout: Math.max(1, Math.ceil(options.timeoutMs)),
      maxRetries: options.maxRetries,
      fetch: observingFetch(this.logs, {
        timeoutMs: options.timeoutMs,
        maxRetryAfterSeconds: MAX_RETRY_AFTER_SECONDS,
        redact,
      }),
    });
  }

  usage(): LlmUsage {
    return { ...this.counters };
  }

  async waitUntilReady(seconds: number, options: { intervalMs?: number } = {}): Promise<void> {
    if (this.replayer || !this.endpoint) return;
    await waitForEndpoint({
      endpoint: this.endpoint,
      apiKey: this.options.apiKey,
      seconds,
      intervalMs: options.intervalMs,
      redact: (text) => this.redact(text),
    });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const key = exchangeKey(this.model, this.api, request);
    if (this.replayer) return this.replay(this.replayer, key, request);
    return this.limit(() => this.callEndpoint(key, request));
  }

  private async replay(
    store: RecordingStore,
    key: string,
    request: CompletionRequest,
  ): Promise<Completion> {
    this.counters.requests += 1;
    const recording = await store.read(key).catch((error: unknown) => {
      this.counters.failures += 1;
      throw error;
    });
    if (!recording) {
      this.counters.failures += 1;
      throw new ReplayMissError(
        `No recorded answer for the ${request.kind} prompt of ${request.subject} in ${store.dir} ` +
          `(key ${key.slice(0, 12)}). The prompt, model or settings changed since recording: ` +
          `record again with --record ${store.dir}.`,
        request.kind,
        request.subject,
        key,
      );
    }
    const completion = fromRecording(recording);
    this.count(completion);
    return completion;
  }

  private async callEndpoint(key: string, request: CompletionRequest): Promise<Completion> {
    this.counters.requests += 1;
    const id = String(++this.sequence);
    const log: ExchangeLog = { attempts: 0 };
    this.logs.set(id, log);
    let completion: Completion;
    try {
      completion = this.toCompletion(await this.send(request, id));
    } catch (error) {
      this.counters.failures += 1;
      throw this.explain(error, request, log);
    } finally {
      this.counters.retries += Math.max(0, log.attempts - 1);
      this.logs.delete(id);
    }
    this.count(completion);
    if (this.recorder) {
      await this.recorder.write(toRecording(key, this.model, this.api, request, completion));
    }
    return completion;
  }

  private async send(request: CompletionRequest, id: string): Promise<CompletionBody> {
    const sdk = this.sdk as OpenAI;
    const sampling = {
      model: this.model,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
    };
    const requestOptions = { headers: { [EXCHANGE_HEADER]: id } };
    if (this.api === 'chat') {
      // SemCoder's formats are raw prompts; on a chat server the whole prompt is one user
      // message, and the served chat template wraps it.
      const messages = [{ role: 'user' as const, content: request.prompt }];
      return sdk.chat.completions.create(
        { ...sampling, messages, stream: false },
        requestOptions,
      ) as unknown as Promise<CompletionBody>;
    }
    return sdk.completions.create(
      { ...sampling, prompt: request.prompt, stream: false },
      requestOptions,
    ) as unknown as Promise<CompletionBody>;
  }

  private toCompletion(body: CompletionBody): Completion {
    const choice = body.choices[0] as Choice;
    const text = this.api === 'chat' ? choice.message?.content : choice.text;
    return {
      text: typeof text === 'string' ? text : '',
      finishReason: choice.finish_reason ?? 'stop',
      promptTokens: body.usage?.prompt_tokens ?? 0,
      completionTokens: body.usage?.completion_tokens ?? 0,
      fromReplay: false,
      api: this.api,
    };
  }

  private count(completion: Completion): void {
    this.counters.promptTokens += completion.promptTokens;
    this.counters.completionTokens += completion.completionTokens;
  }

  /** Turns whatever went wrong into a ModelError whose message holds no secret. */
  private explain(error: unknown, request: CompletionRequest, log: ExchangeLog): Error {
    if (error instanceof ModelError || error instanceof UsageError) return error;
    const what = `the ${request.kind} request for ${request.subject}`;
    const status = error instanceof APIError ? error.status : undefined;
    if (status !== undefined && status < 500 && !RETRIED_STATUSES.has(status)) {
      const seen = log.lastFailure ?? `HTTP ${status}`;
      return new ModelRejectedError(
        this.redact(`The endpoint refused ${what}: ${seen}. ${hintFor(status)}`),
        request.kind,
        request.subject,
        status,
      );
    }
    const seen =
      log.lastFailure ?? this.redact(error instanceof Error ? error.message : String(error));
    const attempts = Math.max(1, log.attempts);
    return new ModelUnavailableError(
      this.redact(
        `The endpoint ${this.endpoint?.display ?? 'unknown'} gave no usable answer to ${what} after ` +
          `${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${seen}). ` +
          'Check that the server is up and not overloaded; a lower --concurrency or more --request-retries may help.',
      ),
      request.kind,
      request.subject,
      attempts,
    );
  }
}

/**
 * The one way the rest of the code talks to the model: an OpenAI-compatible endpoint with
 * bounded concurrency, per-attempt timeouts, retries, usage accounting, and record/replay.
 */
export function createModelClient(options: ModelClientOptions): ModelClient {
  return new Client(options);
}

/** The model flags `review` and `bench run` share, as their settings spell them. */
export interface ModelFlags extends Pick<
  ModelClientOptions,
  'endpoint' | 'apiKey' | 'model' | 'api' | 'concurrency' | 'record' | 'replay'
> {
  /** Seconds. */
  requestTimeout: number;
  requestRetries: number;
}

/** The client a command's validated settings describe. */
export function modelClientFor(settings: ModelFlags): ModelClient {
  return createModelClient({
    endpoint: settings.endpoint,
    apiKey: settings.apiKey,
    model: settings.model,
    api: settings.api,
    timeoutMs: settings.requestTimeout * 1000,
    maxRetries: settings.requestRetries,
    concurrency: settings.concurrency,
    record: settings.record,
    replay: settings.replay,
  });
}
