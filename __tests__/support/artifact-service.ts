import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { testPython } from './python.js';

/**
 * The runner's artifact service on 127.0.0.1, as @actions/artifact talks to it: the results
 * service's Twirp JSON API (CreateArtifact, FinalizeArtifact) and the blob storage behind the
 * signed upload URL (Azure Put Block / Put Block List, path-style like the Azurite emulator).
 * Finalized artifacts are kept as zip bytes so tests can open them.
 */

export interface StoredArtifact {
  name: string;
  zip: Buffer;
  runBackendId: string;
  jobBackendId: string;
}

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/';

export class ArtifactService {
  readonly artifacts: StoredArtifact[] = [];
  readonly authorizations: (string | undefined)[] = [];
  private readonly blocks = new Map<string, Buffer>();
  private readonly blobs = new Map<string, Buffer>();
  private server: http.Server | undefined;
  url = '';

  /** An ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` claim names the run and job (unsigned here). */
  static runtimeToken(runId = 'run-1111', jobId = 'job-2222'): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead Actions.Results:${runId}:${jobId}` })}.sig`;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'POST' && url.pathname.startsWith(TWIRP)) {
      this.authorizations.push(req.headers.authorization);
      const reply = this.twirp(url.pathname.slice(TWIRP.length), JSON.parse(body.toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
      return;
    }
    if (req.method === 'PUT') {
      const blob = url.pathname;
      const comp = url.searchParams.get('comp');
      if (comp === 'block') this.blocks.set(`${blob}#${url.searchParams.get('blockid')}`, body);
      else if (comp === 'blocklist') {
        const ids = [
          ...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g),
        ].map((m) => m[1]);
        this.blobs.set(
          blob,
          Buffer.concat(ids.map((id) => this.blocks.get(`${blob}#${id}`) ?? Buffer.alloc(0))),
        );
      } else this.blobs.set(blob, body);
      res.writeHead(201, {
        etag: '"0x8DC0000000000000"',
        'last-modified': new Date().toUTCString(),
        'x-ms-request-id': '00000000-0000-0000-0000-000000000000',
        'x-ms-version': '2024-11-04',
        'x-ms-request-server-encrypted': 'true',
      });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  }

  private twirp(method: string, request: Record<string, string>): object {
    const blobPath = `/devstoreaccount1/actions-results/${request.workflow_job_run_backend_id}/${request.name}.zip`;
    if (method === 'CreateArtifact') {
      return { ok: true, signed_upload_url: `${this.url}${blobPath}?sv=2024-11-04&sig=signature` };
    }
    if (method === 'FinalizeArtifact') {
      this.artifacts.push({
        name: request.name!,
        zip: this.blobs.get(blobPath) ?? Buffer.alloc(0),
        runBackendId: request.workflow_run_backend_id!,
        jobBackendId: request.workflow_job_run_backend_id!,
      });
      return { ok: true, artifact_id: String(4000 + this.artifacts.length) };
    }
    return { ok: false };
  }
}

/** The text of every file in an artifact's zip, by path (read with Python's zipfile). */
export function zipEntries(zip: Buffer): Record<string, string> {
  const script = [
    'import io, json, sys, zipfile',
    'z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))',
    'print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))',
  ].join('\n');
  return JSON.parse(
    execFileSync(testPython(), ['-c', script], { input: zip, encoding: 'utf8' }),
  ) as Record<string, string>;
}
