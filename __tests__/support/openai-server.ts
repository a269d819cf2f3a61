import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The scripted test server: an OpenAI-compatible HTTP server on 127.0.0.1 that plays the
 * model endpoint in tests and benches. It never pretends to be a model: every answer comes from
 * the script the test gives it, and every request is recorded for assertions.
 *
 *   const server = await startScriptedServer({ rules: [{ match: /Simulate/, reply: { text: '...' } }] });
 *   createModelClient({ endpoint: server.url, ... });   // server.url is http://127.0.0.1:PORT/v1
 *   server.failNext({ kind: 'status', status: 429, retryAfter: 1 });
 *   await server.stop();
 *
 * Routes: POST /v1/completions, POST /v1/chat/completions, GET /v1/models.
 */

/** Something that goes wrong with one request, instead of (or before) the scripted reply. */
export type Fault =
  /** Answer with this status (e.g. 429 with Retry-After, 500, 400). */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: string }
  /** Never answer; the connection stays open until the client gives up or the server stops. */
  | { kind: 'hang' }
  /** Send the headers and half of a valid body, then close the connection. */
  | { kind: 'truncate' }
  /** Answer 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Answer 200 with JSON that is not a completion (no choices). */
  | { kind: 'not-a-completion' }
  /** Close the connection without answering. */
  | { kind: 'reset' }
  /** Answer 200 with a body of this many bytes (a broken or hostile server). */
  | { kind: 'oversize'; bytes: number };

export interface ScriptedReply {
  /** The completion text; stop sequences in the request cut it, like vLLM does. */
  text?: string;
  /** Defaults to 'stop'; script 'length' to play a reply cut by max_tokens. */
  finishReason?: string;
  /** Usage to report; by default about one token per four characters. */
  promptTokens?: number;
  completionTokens?: number;
  /** Delay before answering, in milliseconds (overrides the server's `latencyMs`). */
  latencyMs?: number;
  fault?: Fault;
}

export type Api = 'completions' | 'chat';

/** One request as the server saw it. */
export interface RecordedRequest {
  api: Api | 'models';
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined for GET or a body that is not JSON). */
  body: Record<string, unknown> | undefined;
  /** The completions prompt, or the chat messages' contents joined with blank lines. */
  prompt: string;
  /** What the server did: 'reply', a status code, or the fault kind. */
  outcome: string;
  /** Date.now() when the request arrived. */
  receivedAt: number;
}

export type Matcher = string | RegExp | ((request: RecordedRequest) => boolean);

export interface ScriptRule {
  /** A substring of the prompt, a pattern, or a predicate. */
  match: Matcher;
  reply: ScriptedReply | ((request: RecordedRequest) => ScriptedReply);
  /** How many requests this rule answers before it is used up (default: unlimited). */
  times?: number;
}

export interface ScriptedServerOptions {
  /** Rules tried in order for each request not answered by the queue. */
  rules?: ScriptRule[];
  /** Replies answered in order, before the rules. */
  queue?: ScriptedReply[];
  /** The reply when nothing matches (default: a 404 naming the prompt's first line). */
  fallback?: ScriptedReply | ((request: RecordedRequest) => ScriptedReply);
  /** Default latency of every completion, in milliseconds. */
  latencyMs?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Model ids listed by /v1/models. */
  models?: string[];
  /** False makes /v1/models answer 503 (a server still loading its model) until setReady(true). */
  ready?: boolean;
  /** A fixed port (default: any free port). */
  port?: number;
}

export interface ScriptedServer {
  /** The base URL a client uses: http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (completion and model requests). */
  readonly requests: RecordedRequest[];
  /** Completion requests being answered right now, and the most seen at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** TCP connections accepted so far (keep-alive clients reuse them). */
  readonly connections: number;
  /** Faults for the next requests, one each, in order, before any reply is chosen. */
  failNext(...faults: Fault[]): void;
  /** Replies answered before the rules, in order. */
  enqueue(...replies: ScriptedReply[]): void;
  addRule(rule: ScriptRule): void;
  setReady(ready: boolean): void;
  /** Forget recorded requests and the in-flight maximum. */
  reset(): void;
  /** Close the listener and every open connection (hanging requests included). */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
}

const tokensOf = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function matches(matcher: Matcher, request: RecordedRequest): boolean {
  if (typeof matcher === 'string') return request.prompt.includes(matcher);
  if (matcher instanceof RegExp) return matcher.test(request.prompt);
  return matcher(request);
}

/** Cuts the text at the first stop sequence, which is left out, as vLLM and OpenAI do. */
function applyStop(text: string, stop: unknown): string {
  const sequences = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  let cut = -1;
  for (const sequence of sequences) {
    if (typeof sequence !== 'string' || sequence === '') continue;
    const at = text.indexOf(sequence);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return cut === -1 ? text : text.slice(0, cut);
}

function promptOf(api: Api, body: Record<string, unknown> | undefined): string {
  if (!body) return '';
  if (api === 'completions') return typeof body.prompt === 'string' ? body.prompt : '';
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages
    .map((m: { content?: unknown }) => (typeof m.content === 'string' ? m.content : ''))
    .join('\n\n');
}

function completionBody(api: Api, request: RecordedRequest, reply: ScriptedReply): unknown {
  const body = request.body ?? {};
  const text = applyStop(reply.text ?? '', body.stop);
  const finishReason = reply.finishReason ?? 'stop';
  const promptTokens = reply.promptTokens ?? tokensOf(request.prompt);
  const completionTokens = reply.completionTokens ?? tokensOf(text);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const common = { id: 'scripted-1', created: 0, model: String(body.model ?? ''), usage };
  if (api === 'completions') {
    return {
      ...common,
      object: 'text_completion',
      choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }],
    };
  }
  return {
    ...common,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
  };
}

export async function startScriptedServer(
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const rules = [...(options.rules ?? [])].map((rule) => ({ ...rule, used: 0 }));
  const queue = [...(options.queue ?? [])];
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let ready = options.ready ?? true;
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;
  let port = options.port ?? 0;

  const chooseReply = (request: RecordedRequest): ScriptedReply => {
    const queued = queue.shift();
    if (queued) return queued;
    for (const rule of rules) {
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (!matches(rule.match, request)) continue;
      rule.used += 1;
      return typeof rule.reply === 'function' ? rule.reply(request) : rule.reply;
    }
    const fallback = options.fallback;
    if (fallback) return typeof fallback === 'function' ? fallback(request) : fallback;
    const firstLine = request.prompt.split('\n', 1)[0] ?? '';
    return {
      fault: { kind: 'status', status: 404, body: `no scripted reply for: ${firstLine}` },
    };
  };

  const sendJson = (res: http.ServerResponse, status: number, value: unknown, headers = {}) => {
    const text = JSON.stringify(value);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const performFault = (fault: Fault, res: http.ServerResponse, okBody: unknown): void => {
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        const message = fault.body ?? `scripted status ${fault.status}`;
        sendJson(res, fault.status, { error: { message, type: 'scripted', code: null } }, headers);
        return;
      }
      case 'hang':
        return; // the socket is closed by the client's timeout or by stop()
      case 'truncate': {
        const text = JSON.stringify(okBody);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        // Give the half body a moment to leave before the connection drops mid-response.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case 'malformed': {
        const text = '{"choices": [ {"text": "cut';
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      case 'not-a-completion':
        sendJson(res, 200, { object: 'error', message: 'scripted: not a completion' });
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'oversize': {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': fault.bytes });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = fault.bytes;
        const pump = (): void => {
          while (left > 0) {
            const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= part.length;
            if (!res.write(part)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (left = 0));
        pump();
        return;
      }
    }
  };

  const handleCompletion = async (
    api: Api,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
  ): Promise<void> => {
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const request: RecordedRequest = {
      api,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      prompt: promptOf(api, body),
      outcome: 'reply',
      receivedAt: Date.now(),
    };
    requests.push(request);
    if (!body) {
      request.outcome = 'bad-request';
      sendJson(res, 400, { error: { message: 'request body is not JSON', type: 'scripted' } });
      return;
    }
    const fault = faults.shift();
    const reply = fault ? { fault } : chooseReply(request);
    const latency = reply.latencyMs ?? options.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const okBody = completionBody(api, request, reply);
    if (reply.fault) {
      request.outcome =
        reply.fault.kind === 'status' ? String(reply.fault.status) : reply.fault.kind;
      performFault(reply.fault, res, okBody);
      return;
    }
    sendJson(res, 200, okBody);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = (req.url ?? '').split('?')[0] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      if (
        options.apiKey !== undefined &&
        req.headers.authorization !== `Bearer ${options.apiKey}`
      ) {
        sendJson(res, 401, { error: { message: 'scripted: missing or wrong API key' } });
        return;
      }
      if (req.method === 'GET' && url === '/v1/models') {
        requests.push({
          api: 'models',
          method: 'GET',
          path: req.url ?? '',
          headers: req.headers,
          body: undefined,
          prompt: '',
          outcome: ready ? 'reply' : '503',
          receivedAt: Date.now(),
        });
        if (!ready) {
          sendJson(res, 503, { error: { message: 'scripted: model still loading' } });
          return;
        }
        const data = (options.models ?? ['semcoder/semcoder_s_1030']).map((id) => ({
          id,
          object: 'model',
          created: 0,
          owned_by: 'scripted',
        }));
        sendJson(res, 200, { object: 'list', data });
        return;
      }
      const api: Api | undefined =
        url === '/v1/completions'
          ? 'completions'
          : url === '/v1/chat/completions'
            ? 'chat'
            : undefined;
      if (req.method !== 'POST' || !api) {
        sendJson(res, 404, { error: { message: `scripted: no route ${req.method} ${url}` } });
        return;
      }
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let counted = true;
      const done = () => {
        if (counted) inFlight -= 1;
        counted = false;
      };
      res.on('finish', done);
      res.on('close', done);
      handleCompletion(api, req, res, raw).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      });
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}/v1`;
    },
    get port() {
      return port;
    },
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    failNext: (...more) => void faults.push(...more),
    enqueue: (...replies) => void queue.push(...replies),
    addRule: (rule) => void rules.push({ ...rule, used: 0 }),
    setReady: (value) => void (ready = value),
    reset: () => {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
    start: listen,
  };
}
