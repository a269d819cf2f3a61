import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GITHUB_ACTIONS_BOT,
  commentJson,
  pullJson,
  reviewJson,
  userJson,
  type Identity,
  type StoredComment,
  type StoredPull,
  type StoredReview,
} from './github-state.js';
import { answerGraphql } from './github-graphql.js';
import { bodyProblem, DOCS, error, paginate, type Reply } from './github-replies.js';

export { GITHUB_ACTIONS_BOT, type Identity, type StoredComment, type StoredPull };

/**
 * A GitHub REST API (and the GraphQL queries the action sends) on 127.0.0.1, for tests.
 * It holds comments, pulls and reviews, knows which token belongs to whom, enforces GitHub's
 * rules that matter to the action (read-only tokens get 403, bodies over 65,536 characters get
 * 422 with GitHub's error shape), and can inject faults (secondary rate limits, delays).
 * Every request is recorded so tests can assert that no secret leaked into a body.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: string;
}

export interface Fault {
  method?: string;
  /** Matched against the request path (no query string). */
  path: RegExp;
  /** How many matching requests get this fault; Infinity for all. */
  times: number;
  /** Answer with this status and body instead of handling the request. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before handling (or answering with the fault). */
  delayMs?: number;
}

type Params = string[];
type Handler = (req: ParsedRequest, params: Params) => Reply | Promise<Reply>;

interface ParsedRequest {
  who: Identity;
  url: URL;
  json: Record<string, unknown>;
}

export const SECONDARY_RATE_LIMIT_BODY = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
  documentation_url:
    'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
  status: '403',
};

export class GitHubServer {
  readonly requests: RecordedRequest[] = [];
  readonly comments: StoredComment[] = [];
  readonly pulls: StoredPull[] = [];
  readonly reviews: StoredReview[] = [];
  private readonly tokens = new Map<string, Identity>();
  private faults: Fault[] = [];
  private nextId = 1000;
  private server: http.Server | undefined;
  url = '';

  private readonly routes: [string, RegExp, Handler][] = [
    ['GET', /^\/user$/, (r) => this.getUser(r)],
    ['POST', /^\/graphql$/, (r) => answerGraphql(this, r.who, r.json)],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (r, p) => this.listComments(r, p),
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (r, p) => this.createComment(r, p),
    ],
    [
      'PATCH',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      (r, p) => this.updateComment(r, p),
    ],
    [
      'DELETE',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      (r, p) => this.deleteComment(r, p),
    ],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, (r, p) => this.listPulls(r, p)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, (r, p) => this.getPull(r, p)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/, (r, p) => this.listReviews(r, p)],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/,
      (r, p) => this.createReview(r, p),
    ],
  ];

  /** Registers a token: `permission: 'read'` plays a fork pull request's token. */
  addToken(token: string, identity: Partial<Identity> & { login: string }): Identity {
    const full: Identity = {
      id: this.nextId++,
      type: 'User',
      permission: 'write',
      installation: false,
      ...identity,
    };
    this.tokens.set(token, full);
    return full;
  }

  addPull(pull: Partial<StoredPull> & Pick<StoredPull, 'owner' | 'repo' | 'number'>): StoredPull {
    const full: StoredPull = {
      draft: false,
      state: 'open',
      title: `Pull request ${pull.number}`,
      base: { ref: 'main', sha: 'b'.repeat(40) },
      head: { ref: 'feature', sha: 'c'.repeat(40), owner: pull.owner, repo: pull.repo },
      author: {
        login: 'contributor',
        id: 7,
        type: 'User',
        permission: 'read',
        installation: false,
      },
      ...pull,
    };
    this.pulls.push(full);
    return full;
  }

  /** Adds a comment as if `author` had written it (a human, or an earlier run). */
  addComment(
    where: { owner: string; repo: string; issueNumber: number },
    body: string,
    author: Identity,
    minimized = false,
  ): StoredComment {
    const now = new Date().toISOString();
    const comment: StoredComment = {
      id: this.nextId++,
      ...where,
      body,
      author,
      minimized,
      createdAt: now,
      updatedAt: now,
    };
    this.comments.push(comment);
    return comment;
  }

  commentsOn(owner: string, repo: string, issueNumber: number): StoredComment[] {
    return this.comments.filter(
      (c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber,
    );
  }

  fault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Drops the faults not used up yet (those given `times: Infinity`). */
  clearFaults(): void {
    this.faults = [];
  }

  /** Every request body and header value the server received, concatenated, for leak checks. */
  everything(): string {
    return this.requests
      .map((r) => `${r.method} ${r.path}?${r.query} ${r.authorization ?? ''}\n${r.body}`)
      .join('\n');
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization;
    this.requests.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      authorization,
      body,
    });

    const reply = await this.reply(method, url, authorization, body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      ...reply.headers,
    });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  private async reply(
    method: string,
    url: URL,
    authorization: string | undefined,
    body: string,
  ): Promise<Reply> {
    const fault = this.faults.find(
      (f) => f.times > 0 && (!f.method || f.method === method) && f.path.test(url.pathname),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.status) return { status: fault.status, body: fault.body, headers: fault.headers };
    }
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1];
    const who = token === undefined ? undefined : this.tokens.get(token);
    if (!who) return error(401, 'Bad credentials', `${DOCS}`);
    for (const [routeMethod, pattern, handler] of this.routes) {
      const match = pattern.exec(url.pathname);
      if (routeMethod !== method || !match) continue;
      const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const writes = method !== 'GET' && !url.pathname.startsWith('/graphql');
      if (writes && who.permission === 'read') {
        return error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments`);
      }
      return handler({ who, url, json }, match.slice(1));
    }
    return error(404, 'Not Found', DOCS);
  }

  private getUser({ who }: ParsedRequest): Reply {
    if (who.installation) {
      return error(403, 'Resource not accessible by integration', `${DOCS}/users/users`);
    }
    return { status: 200, body: userJson(this.url, who) };
  }

  private listComments({ url }: ParsedRequest, [owner, repo, n]: Params): Reply {
    const all = this.commentsOn(owner!, repo!, Number(n)).map((c) => commentJson(this.url, c));
    return paginate(url, all);
  }

  private createComment({ who, json }: ParsedRequest, [owner, repo, n]: Params): Reply {
    const problem = bodyProblem(json.body);
    if (problem) return problem;
    if (!this.pulls.some((p) => p.owner === owner && p.repo === repo && p.number === Number(n))) {
      return error(404, 'Not Found', `${DOCS}/issues/comments#create-an-issue-comment`);
    }
    const comment = this.addComment(
      { owner: owner!, repo: repo!, issueNumber: Number(n) },
      String(json.body),
      who,
    );
    return {
      status: 201,
      body: commentJson(this.url, comment),
      headers: { location: `${this.url}/repos/${owner}/${repo}/issues/comments/${comment.id}` },
    };
  }

  private updateComment({ who, json }: ParsedRequest, [owner, repo, id]: Params): Reply {
    const comment = this.comments.find(
      (c) => c.id === Number(id) && c.owner === owner && c.repo === repo,
    );
    if (!comment) return error(404, 'Not Found', `${DOCS}/issues/comments#update-an-issue-comment`);
    if (comment.author.login !== who.login) {
      return error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments`);
    }
    const problem = bodyProblem(json.body);
    if (problem) return problem;
    comment.body = String(json.body);
    comment.updatedAt = new Date().toISOString();
    return { status: 200, body: commentJson(this.url, comment) };
  }

  private deleteComment({ who }: ParsedRequest, [owner, repo, id]: Params): Reply {
    const index = this.comments.findIndex(
      (c) => c.id === Number(id) && c.owner === owner && c.repo === repo,
    );
    if (index < 0)
      return error(404, 'Not Found', `${DOCS}/issues/comments#delete-an-issue-comment`);
    if (this.comments[index]!.author.login !== who.login) {
      return error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments`);
    }
    this.comments.splice(index, 1);
    return { status: 204 };
  }

  findPull(owner: string, repo: string, n: string): StoredPull | undefined {
    return this.pulls.find((p) => p.owner === owner && p.repo === repo && p.number === Number(n));
  }

  private getPull(_r: ParsedRequest, [owner, repo, n]: Params): Reply {
    const pull = this.findPull(owner!, repo!, n!);
    if (!pull) return error(404, 'Not Found', `${DOCS}/pulls/pulls#get-a-pull-request`);
    return { status: 200, body: pullJson(this.url, pull) };
  }

  /** GET /pulls with `state` and `head=owner:branch` filters, as GitHub documents them. */
  private listPulls({ url }: ParsedRequest, [owner, repo]: Params): Reply {
    const state = url.searchParams.get('state') ?? 'open';
    const head = url.searchParams.get('head');
    const found = this.pulls.filter(
      (p) =>
        p.owner === owner &&
        p.repo === repo &&
        (state === 'all' || p.state === state) &&
        (!head || head === `${p.head.owner}:${p.head.ref}`),
    );
    return paginate(
      url,
      found.map((p) => pullJson(this.url, p)),
    );
  }

  private listReviews({ url }: ParsedRequest, [owner, repo, n]: Params): Reply {
    const found = this.reviews.filter(
      (r) => r.owner === owner && r.repo === repo && r.pullNumber === Number(n),
    );
    return paginate(
      url,
      found.map((r) => reviewJson(this.url, r)),
    );
  }

  private createReview({ who, json }: ParsedRequest, [owner, repo, n]: Params): Reply {
    const pull = this.findPull(owner!, repo!, n!);
    if (!pull) return error(404, 'Not Found', `${DOCS}/pulls/reviews`);
    const comments = (json.comments ?? []) as StoredReview['comments'];
    const outside = comments.some(
      (c) => pull.diffLines && !(pull.diffLines[c.path] ?? []).includes(c.line),
    );
    if (outside) {
      return {
        status: 422,
        body: {
          message: 'Unprocessable Entity',
          errors: [
            "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
          ],
          documentation_url: `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`,
          status: '422',
        },
      };
    }
    const review: StoredReview = {
      id: this.nextId++,
      owner: owner!,
      repo: repo!,
      pullNumber: Number(n),
      body: String(json.body ?? ''),
      commitId: String(json.commit_id ?? pull.head.sha),
      event: String(json.event ?? 'PENDING'),
      author: who,
      comments,
      submittedAt: new Date().toISOString(),
    };
    this.reviews.push(review);
    return { status: 200, body: reviewJson(this.url, review) };
  }
}

/** A bot identity for `GITHUB_TOKEN`, with the permission a workflow gives it. */
export function actionsBot(permission: 'read' | 'write' = 'write'): Partial<Identity> & {
  login: string;
} {
  return { ...GITHUB_ACTIONS_BOT, permission };
}
