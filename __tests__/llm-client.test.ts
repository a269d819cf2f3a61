import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { createModelClient } from '../src/llm/client.js';
import { parseEndpoint } from '../src/llm/endpoint.js';
import { ModelRejectedError, ModelUnavailableError, ReplayMissError } from '../src/llm/errors.js';
import { retryAfterCapped } from '../src/llm/transport.js';
import type { CompletionRequest, ModelClientOptions } from '../src/llm/types.js';
import { startScriptedServer, type Fault, type ScriptedServer } from './support/openai-server.js';

const request = (prompt: string, extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  kind: 'generate',
  subject: 'pkg/mod.py::f',
  prompt,
  maxTokens: 64,
  temperature: 0,
  ...extra,
});

function options(server: ScriptedServer, extra: Partial<ModelClientOptions> = {}) {
  return {
    endpoint: server.url,
    model: 'semcoder/semcoder_s_1030',
    api: 'completions' as const,
    timeoutMs: 2000,
    maxRetries: 2,
    concurrency: 4,
    ...extra,
  };
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'semcoder-llm-'));
  tempDirs.push(dir);
  return dir;
}
after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('model client: completions and chat', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      rules: [
        { match: 'say hello', reply: { text: 'hello [/ANSWER] ignored', promptTokens: 7 } },
        { match: 'long', reply: { text: 'cut', finishReason: 'length', completionTokens: 64 } },
      ],
    });
  });
  after(() => server.stop());
  afterEach(() => server.reset());

  it('sends the raw prompt and sampling parameters to /v1/completions', async () => {
    const client = createModelClient(options(server));
    const completion = await client.complete(
      request('say hello', { temperature: 0.2, topP: 0.95, stop: ['[/ANSWER]'], maxTokens: 99 }),
    );
    assert.deepEqual(completion, {
      text: 'hello ',
      finishReason: 'stop',
      promptTokens: 7,
      completionTokens: 2,
      fromReplay: false,
      api: 'completions',
    });
    const [seen] = server.requests;
    assert.equal(seen?.path, '/v1/completions');
    assert.deepEqual(seen?.body, {
      model: 'semcoder/semcoder_s_1030',
      prompt: 'say hello',
      max_tokens: 99,
      temperature: 0.2,
      top_p: 0.95,
      stop: ['[/ANSWER]'],
      stream: false,
    });
    assert.equal(seen?.headers['x-semcoder-exchange'], undefined, 'the tag header is removed');
    assert.deepEqual(client.usage(), {
      requests: 1,
      retries: 0,
      failures: 0,
      promptTokens: 7,
      completionTokens: 2,
    });
  });

  it('sends the prompt as one user message to /v1/chat/completions', async () => {
    const client = createModelClient(options(server, { api: 'chat' }));
    const completion = await client.complete(request('please say hello'));
    assert.equal(completion.text, 'hello [/ANSWER] ignored');
    assert.equal(completion.api, 'chat');
    const [seen] = server.requests;
    assert.equal(seen?.path, '/v1/chat/completions');
    assert.deepEqual(seen?.body?.messages, [{ role: 'user', content: 'please say hello' }]);
    assert.equal(seen?.body?.top_p, undefined, 'top_p is only sent when given');
  });

  it('reports a length cut as finishReason "length"', async () => {
    const client = createModelClient(options(server));
    const completion = await client.complete(request('too long'));
    assert.equal(completion.finishReason, 'length');
    assert.equal(client.usage().completionTokens, 64);
  });

  it('sends no Authorization header without a key, even when OPENAI_API_KEY is set', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-the-environment';
    try {
      await createModelClient(options(server)).complete(request('say hello'));
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });

  it('sends the key as a bearer token when given', async () => {
    await createModelClient(options(server, { apiKey: 'sk-given' })).complete(request('say hello'));
    assert.equal(server.requests[0]?.headers.authorization, 'Bearer sk-given');
  });
});

describe('model client: faults, retries and errors', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({ fallback: { text: 'fine' } });
  });
  after(() => server.stop());
  afterEach(() => server.reset());

  const recovers: [string, Fault][] = [
    ['a 500', { kind: 'status', status: 500 }],
    ['a 503', { kind: 'status', status: 503 }],
    ['a 429 without Retry-After', { kind: 'status', status: 429 }],
    ['a connection reset', { kind: 'reset' }],
    ['a body cut off mid-way', { kind: 'truncate' }],
    ['a body that is not JSON', { kind: 'malformed' }],
    ['JSON that is not a completion', { kind: 'not-a-completion' }],
    ['no answer before the timeout', { kind: 'hang' }],
  ];
  for (const [name, fault] of recovers) {
    it(`retries after ${name} and counts the retry`, async () => {
      const client = createModelClient(options(server, { timeoutMs: 400 }));
      server.failNext(fault);
      const completion = await client.complete(request(`after ${name}`));
      assert.equal(completion.text, 'fine');
      const attempts = server.requests.filter((r) => r.prompt === `after ${name}`);
      assert.equal(attempts.length, 2);
      assert.deepEqual(
        { ...client.usage(), promptTokens: 0 },
        { requests: 1, retries: 1, failures: 0, promptTokens: 0, completionTokens: 1 },
      );
    });
  }

  it('waits as long as Retry-After asks before retrying a 429', async () => {
    const client = createModelClient(options(server));
    server.failNext({ kind: 'status', status: 429, retryAfter: 1 });
    await client.complete(request('rate limited'));
    const [first, second] = server.requests;
    assert.ok(first && second);
    assert.equal(first.outcome, '429');
    assert.ok(second.receivedAt - first.receivedAt >= 950, 'the retry came after Retry-After');
  });

  it('gives up after maxRetries with a ModelUnavailableError naming kind, subject and cause', async () => {
    const client = createModelClient(options(server, { maxRetries: 2 }));
    server.failNext(
      { kind: 'status', status: 500, body: 'engine crashed' },
      { kind: 'status', status: 502 },
      { kind: 'status', status: 500, body: 'engine crashed again' },
    );
    const error = await client.complete(request('doomed', { kind: 'verify' })).catch((e) => e);
    assert.ok(error instanceof ModelUnavailableError, String(error));
    assert.equal(error.attempts, 3);
    assert.equal(error.kind, 'verify');
    assert.equal(error.subject, 'pkg/mod.py::f');
    assert.match(error.message, /verify request for pkg\/mod\.py::f after 3 attempts/);
    assert.match(error.message, /HTTP 500: .*engine crashed again/);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(client.usage(), {
      requests: 1,
      retries: 2,
      failures: 1,
      promptTokens: 0,
      completionTokens: 0,
    });
  });

  it('refuses a body larger than any completion, without holding it all', async () => {
    const client = createModelClient(options(server, { maxRetries: 1 }));
    server.failNext(
      { kind: 'oversize', bytes: 20 * 1024 * 1024 },
      { kind: 'oversize', bytes: 20 * 1024 * 1024 },
    );
    const error = await client.complete(request('huge body')).catch((e) => e);
    assert.ok(error instanceof ModelUnavailableError);
    assert.match(error.message, /larger than 16777216 bytes/);
  });

  it('names the timeout when every attempt hangs', async () => {
    const client = createModelClient(options(server, { maxRetries: 1, timeoutMs: 300 }));
    server.failNext({ kind: 'hang' }, { kind: 'hang' });
    const error = await client.complete(request('hangs')).catch((e) => e);
    assert.ok(error instanceof ModelUnavailableError);
    assert.match(error.message, /no answer within 300 ms/);
  });

  it('names a refused connection', async () => {
    const closed = await startScriptedServer();
    await closed.stop();
    const client = createModelClient(options(closed, { maxRetries: 1 }));
    const error = await client.complete(request('nobody home')).catch((e) => e);
    assert.ok(error instanceof ModelUnavailableError);
    assert.match(error.message, /connection failed \(ECONNREFUSED\)/);
    assert.equal(error.attempts, 2);
  });

  it('does not retry a 400 and says what to check', async () => {
    const client = createModelClient(options(server));
    server.failNext({ kind: 'status', status: 400, body: 'prompt is too long' });
    const error = await client.complete(request('huge')).catch((e) => e);
    assert.ok(error instanceof ModelRejectedError);
    assert.equal(error.status, 400);
    assert.match(
      error.message,
      /refused the generate request for pkg\/mod\.py::f: HTTP 400: .*prompt is too long/,
    );
    assert.match(error.message, /context length/);
    assert.equal(server.requests.length, 1);
    assert.equal(client.usage().retries, 0);
    assert.equal(client.usage().failures, 1);
  });

  it('runs again after a failure: one bad request does not poison the client', async () => {
    const client = createModelClient(options(server, { maxRetries: 0 }));
    server.failNext({ kind: 'status', status: 500 });
    await assert.rejects(client.complete(request('first')), ModelUnavailableError);
    assert.equal((await client.complete(request('second'))).text, 'fine');
    assert.deepEqual(
      { requests: client.usage().requests, failures: client.usage().failures },
      { requests: 2, failures: 1 },
    );
  });
});

describe('model client: the API key never reaches an error', () => {
  const key = 'sk-secret-0123456789';
  let server: ScriptedServer;
  before(async () => {
    // A hostile or careless server echoes the Authorization header in its error bodies.
    const echo = (status: number) => (req: { headers: Record<string, unknown> }) => ({
      fault: { kind: 'status' as const, status, body: `bad: ${String(req.headers.authorization)}` },
    });
    server = await startScriptedServer({
      rules: [
        { match: 'five hundred', reply: echo(500) },
        { match: 'four hundred', reply: echo(400) },
        { match: 'unauthorized', reply: echo(401) },
      ],
    });
  });
  after(() => server.stop());

  for (const prompt of ['five hundred', 'four hundred', 'unauthorized']) {
    it(`redacts the key from the error after ${prompt}`, async () => {
      const client = createModelClient(options(server, { apiKey: key, maxRetries: 1 }));
      const error = await client.complete(request(prompt)).catch((e) => e);
      assert.ok(error instanceof Error);
      assert.match(error.message, /bad: Bearer \*\*\*/, 'the echoed body is in the message');
      assert.ok(!inspect(error, { depth: 10 }).includes(key), 'no property holds the key');
      assert.ok(!String(error.stack).includes(key));
    });
  }

  it('hints at --api-key on a 401', async () => {
    const client = createModelClient(options(server, { apiKey: key }));
    const error = await client.complete(request('unauthorized')).catch((e) => e);
    assert.ok(error instanceof ModelRejectedError);
    assert.match(error.message, /--api-key/);
  });
});

describe('model client: concurrency', () => {
  for (const concurrency of [1, 3]) {
    it(`never has more than ${concurrency} request(s) in flight, and uses them all`, async () => {
      const server = await startScriptedServer({ fallback: { text: 'ok' }, latencyMs: 150 });
      try {
        const client = createModelClient(options(server, { concurrency }));
        const prompts = Array.from({ length: 8 }, (_, i) => `prompt ${i}`);
        const texts = await Promise.all(prompts.map((p) => client.complete(request(p))));
        assert.deepEqual(
          texts.map((t) => t.text),
          prompts.map(() => 'ok'),
        );
        assert.equal(server.maxInFlight, concurrency);
        assert.equal(client.usage().requests, 8);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('model client: keep-alive', () => {
  it('reuses connections instead of opening one per request', async () => {
    const server = await startScriptedServer({ fallback: { text: 'ok' }, latencyMs: 20 });
    try {
      const client = createModelClient(options(server, { concurrency: 2 }));
      const prompts = Array.from({ length: 40 }, (_, i) => `prompt ${i}`);
      await Promise.all(prompts.map((p) => client.complete(request(p))));
      assert.equal(server.requests.length, 40);
      // The pool settles at a few connections (undici returns one to the pool a moment after
      // its body ends); without keep-alive there would be one per request.
      assert.ok(server.connections <= 10, `${server.connections} connections for 40 requests`);
    } finally {
      await server.stop();
    }
  });
});

describe('model client: record and replay', () => {
  it('records every exchange, then replays it with the server stopped', async () => {
    const dir = tempDir();
    const server = await startScriptedServer({
      rules: [
        { match: 'first', reply: { text: 'one\ntwo', promptTokens: 10, completionTokens: 3 } },
        { match: 'second', reply: { text: 'three', finishReason: 'length', completionTokens: 5 } },
      ],
    });
    const recorder = createModelClient(options(server, { record: dir }));
    const first = await recorder.complete(
      request('the first\nprompt', { temperature: 0.2, topP: 0.95 }),
    );
    const second = await recorder.complete(
      request('the second prompt', { kind: 'verify', stop: ['[/ANSWER]'] }),
    );
    await server.stop();

    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 2);
    const stored = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
    const firstFile = stored.find((s) => s.kind === 'generate');
    assert.deepEqual(
      firstFile.request.prompt,
      ['the first', 'prompt'],
      'prompt lines are readable',
    );
    assert.deepEqual(firstFile.response.text, ['one', 'two']);
    assert.equal(firstFile.subject, 'pkg/mod.py::f');

    const replayer = createModelClient({
      ...options(server, { replay: dir }),
      endpoint: undefined,
    });
    await replayer.waitUntilReady(0);
    const again1 = await replayer.complete(
      request('the first\nprompt', { temperature: 0.2, topP: 0.95 }),
    );
    const again2 = await replayer.complete(
      request('the second prompt', { kind: 'verify', stop: ['[/ANSWER]'] }),
    );
    assert.deepEqual(again1, { ...first, fromReplay: true });
    assert.deepEqual(again2, { ...second, fromReplay: true });
    assert.deepEqual(replayer.usage(), {
      requests: 2,
      retries: 0,
      failures: 0,
      promptTokens: first.promptTokens + second.promptTokens,
      completionTokens: 8,
    });
  });

  it('misses when the prompt or a sampling parameter differs, naming kind and subject', async () => {
    const dir = tempDir();
    const server = await startScriptedServer({ fallback: { text: 'x' } });
    await createModelClient(options(server, { record: dir })).complete(request('p'));
    await server.stop();
    const replayer = createModelClient(options(server, { replay: dir }));
    const variants: Partial<CompletionRequest>[] = [
      { prompt: 'p2' },
      { temperature: 0.2 },
      { maxTokens: 65 },
      { topP: 0.9 },
      { stop: ['x'] },
      { sample: 1 },
    ];
    for (const variant of variants) {
      const error = await replayer
        .complete({ ...request('p'), kind: 'repair', subject: 'pkg/a.py::g', ...variant })
        .catch((e) => e);
      assert.ok(error instanceof ReplayMissError, JSON.stringify(variant));
      assert.match(error.message, /repair prompt of pkg\/a\.py::g/);
      assert.match(error.message, new RegExp(`record again with --record ${dir}`));
    }
    const otherModel = createModelClient(options(server, { replay: dir, model: 'other' }));
    await assert.rejects(otherModel.complete(request('p')), ReplayMissError);
    assert.equal((await replayer.complete(request('p'))).text, 'x');
    assert.equal(replayer.usage().failures, variants.length);
  });

  it('rejects a damaged recording with a message naming the file', async () => {
    const dir = tempDir();
    const server = await startScriptedServer({ fallback: { text: 'x' } });
    await createModelClient(options(server, { record: dir })).complete(request('p'));
    await server.stop();
    const [file] = readdirSync(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, file as string), '{"version": 1}');
    const replayer = createModelClient(options(server, { replay: dir }));
    await assert.rejects(replayer.complete(request('p')), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, new RegExp(`${file}.*record again`));
      return true;
    });
  });

  it('says so when a recording cannot be written', async () => {
    const dir = tempDir();
    const server = await startScriptedServer({ fallback: { text: 'x' } });
    try {
      const client = createModelClient(options(server, { record: dir }));
      rmSync(dir, { recursive: true });
      await assert.rejects(client.complete(request('p')), (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /Cannot write the recording .*writable --record folder/);
        return true;
      });
    } finally {
      await server.stop();
    }
  });

  it('refuses impossible settings with a UsageError', () => {
    const base = {
      model: 'm',
      api: 'completions' as const,
      timeoutMs: 1,
      maxRetries: 0,
      concurrency: 1,
    };
    assert.throws(() => createModelClient(base), /--endpoint URL .* or --replay DIR/);
    for (const endpoint of [
      'localhost:8000/v1',
      'ftp://bob:PASSWD99@host/v1?token=QTOKEN',
      'not a url PASSWD99',
    ]) {
      assert.throws(
        () => createModelClient({ ...base, endpoint }),
        (error: Error) =>
          error instanceof UsageError &&
          /is not an http\(s\) URL/.test(error.message) &&
          !/PASSWD99|QTOKEN/.test(error.message),
      );
    }
    assert.throws(
      () =>
        createModelClient({
          ...base,
          endpoint: 'http://bob:PASSWD99@127.0.0.1:1/v1',
          apiKey: 'sk-KEY-1234',
        }),
      (error: Error) =>
        error instanceof UsageError &&
        /user name and password .* an API key/.test(error.message) &&
        !/PASSWD99|sk-KEY-1234/.test(error.message),
    );
    assert.throws(
      () => createModelClient({ ...base, replay: '/nonexistent/semcoder' }),
      UsageError,
    );
    const dir = tempDir();
    assert.throws(
      () =>
        createModelClient({ ...base, endpoint: 'http://127.0.0.1:1/v1', record: dir, replay: dir }),
      /--record and --replay/,
    );
  });
});

describe('model client: credentials and query in the endpoint URL', () => {
  it('takes the URL apart: Basic credentials, query parameters, a display form without either', () => {
    const endpoint = parseEndpoint('https://b%40b:p%3Ass%2F99@host:8443/v1/?token=Q%2BT&x=1');
    assert.deepEqual(
      { ...endpoint, secrets: [...endpoint.secrets].sort() },
      {
        baseUrl: 'https://host:8443/v1/',
        display: 'https://host:8443/v1',
        query: { token: 'Q+T', x: '1' },
        authorization: `Basic ${Buffer.from('b@b:p:ss/99').toString('base64')}`,
        // The user name too: a token is often passed as one (https://TOKEN@host).
        secrets: ['Q%2BT', 'b%40b', 'p%3Ass%2F99', 'p:ss/99'],
      },
    );
    assert.equal(parseEndpoint('http://127.0.0.1:8000/v1').authorization, null);
  });

  for (const api of ['completions', 'chat'] as const) {
    it(`sends them on ${api} requests and /models polls, and redacts them from errors`, async () => {
      const server = await startScriptedServer({ rules: [{ match: 'hi', reply: { text: 'ok' } }] });
      try {
        const endpoint = server.url.replace('//', '//bob:PASSWD99@') + '?token=QTOKEN';
        const client = createModelClient(options(server, { endpoint, api, maxRetries: 0 }));
        await client.waitUntilReady(5);
        assert.equal((await client.complete(request('hi'))).text, 'ok');
        server.failNext({ kind: 'status', status: 500, body: 'bad token QTOKEN for bob:PASSWD99' });
        const error = await client.complete(request('hi')).catch((e: Error) => e);
        assert.ok(error instanceof ModelUnavailableError);
        assert.ok(error.message.includes(`The endpoint ${server.url} gave no usable answer`));
        assert.doesNotMatch(error.message, /PASSWD99|QTOKEN/);
        const basic = `Basic ${Buffer.from('bob:PASSWD99').toString('base64')}`;
        assert.deepEqual(
          server.requests.map((r) => [r.path, r.headers.authorization]),
          [
            ['/v1/models?token=QTOKEN', basic],
            [`/v1/${api === 'chat' ? 'chat/completions' : 'completions'}?token=QTOKEN`, basic],
            [`/v1/${api === 'chat' ? 'chat/completions' : 'completions'}?token=QTOKEN`, basic],
          ],
        );
      } finally {
        await server.stop();
      }
    });
  }

  it('names the endpoint without credentials or query when /models refuses', async () => {
    const server = await startScriptedServer({ apiKey: 'the-real-key' });
    try {
      const endpoint = server.url.replace('//', '//bob:PASSWD99@') + '?token=QTOKEN';
      const error = await createModelClient(options(server, { endpoint }))
        .waitUntilReady(5)
        .catch((e: Error) => e);
      assert.ok(error instanceof UsageError);
      assert.ok(error.message.startsWith(`The endpoint ${server.url}/models answered HTTP 401`));
      assert.doesNotMatch(error.message, /PASSWD99|QTOKEN/);
    } finally {
      await server.stop();
    }
  });
});

describe('model client: readiness', () => {
  it('waits for a server that starts late', async () => {
    const server = await startScriptedServer();
    await server.stop();
    const client = createModelClient(options(server));
    const starting = new Promise<void>((resolve) =>
      setTimeout(() => void server.start().then(resolve), 400),
    );
    await client.waitUntilReady(20, { intervalMs: 100 });
    await starting;
    assert.ok(server.requests.some((r) => r.api === 'models' && r.outcome === 'reply'));
    await server.stop();
  });

  it('waits while /models answers 503 (a model still loading)', async () => {
    const server = await startScriptedServer({ ready: false });
    try {
      const client = createModelClient(options(server));
      setTimeout(() => server.setReady(true), 300);
      await client.waitUntilReady(20, { intervalMs: 100 });
      assert.ok(server.requests.some((r) => r.outcome === '503'));
      assert.ok(server.requests.some((r) => r.api === 'models' && r.outcome === 'reply'));
    } finally {
      await server.stop();
    }
  });

  it('fails with the URL and what it last saw when the server never starts', async () => {
    const server = await startScriptedServer();
    await server.stop();
    const client = createModelClient(options(server));
    const error = await client.waitUntilReady(1, { intervalMs: 200 }).catch((e) => e);
    assert.ok(error instanceof UsageError);
    assert.ok(error.message.includes(`${server.url}/models`), error.message);
    assert.match(
      error.message,
      /within 1 s \(\d+ tries; last: connection failed \(ECONNREFUSED\)\)/,
    );
    assert.match(error.message, /--wait-for-endpoint/);
  });

  it('polls until the deadline: a server ready one interval before it is still found', async () => {
    const server = await startScriptedServer({ ready: false });
    try {
      const client = createModelClient(options(server));
      // Polls at 0, 0.8, 1.6 and 2 s: the last one, at the deadline, finds the server ready.
      setTimeout(() => server.setReady(true), 1800);
      await client.waitUntilReady(2, { intervalMs: 800 });
      const polls = server.requests.filter((r) => r.api === 'models');
      assert.equal(polls.at(-1)?.outcome, 'reply');
    } finally {
      await server.stop();
    }
  });

  it('gives up at the deadline, not one interval before it', async () => {
    const server = await startScriptedServer({ ready: false });
    try {
      const client = createModelClient(options(server));
      const started = Date.now();
      const error = await client.waitUntilReady(1, { intervalMs: 400 }).catch((e) => e);
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /did not answer within 1 s \(\d+ tries; last: HTTP 503/);
      const last = server.requests.filter((r) => r.api === 'models').at(-1)!;
      assert.ok(
        last.receivedAt - started >= 950,
        `last poll after ${last.receivedAt - started} ms`,
      );
    } finally {
      await server.stop();
    }
  });

  it('stops at once on 401, without the key in the message', async () => {
    const server = await startScriptedServer({ apiKey: 'right-key' });
    try {
      const client = createModelClient(options(server, { apiKey: 'wrong-key-123' }));
      const error = await client.waitUntilReady(30, { intervalMs: 100 }).catch((e) => e);
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /answered HTTP 401 .*--api-key/);
      assert.ok(!error.message.includes('wrong-key-123'));
      const authorized = createModelClient(options(server, { apiKey: 'right-key' }));
      await authorized.waitUntilReady(1);
    } finally {
      await server.stop();
    }
  });

  it('stops at once on 404 and points at --endpoint', async () => {
    const server = await startScriptedServer();
    try {
      const client = createModelClient(
        options(server, { endpoint: server.url.replace('/v1', '') }),
      );
      const error = await client.waitUntilReady(30).catch((e) => e);
      assert.match(String(error.message), /HTTP 404.*ends with \/v1/);
    } finally {
      await server.stop();
    }
  });
});

describe('transport: Retry-After cap', () => {
  const capped = (headers: Record<string, string>) =>
    Object.fromEntries(retryAfterCapped(new Headers(headers), 60).entries());
  it('keeps short waits and caps long or unreadable ones', () => {
    assert.equal(capped({ 'retry-after': '3' })['retry-after'], '3');
    assert.equal(capped({ 'retry-after': '3600' })['retry-after'], '60');
    assert.equal(capped({ 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' })['retry-after'], '60');
    assert.equal(capped({ 'retry-after': 'soon' })['retry-after'], '60');
    assert.equal(capped({ 'retry-after-ms': '250' })['retry-after-ms'], '250');
    assert.equal(capped({ 'retry-after-ms': '999999' })['retry-after-ms'], '60000');
    assert.equal(
      capped({ 'content-length': '12', 'content-encoding': 'gzip' })['content-length'],
      undefined,
    );
  });
});
