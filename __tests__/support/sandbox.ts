// Helpers for the executor's tests: what the OS allows here, and which processes survive.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { pythonHelpersDir } from '../../src/python-helpers.js';
import { testPython } from './python.js';

/** What the sandbox gets on this kernel, probed once: whether it may make network and PID
 * namespaces (root, or unprivileged user namespaces; GitHub's Ubuntu runners do not), the
 * Landlock ABI the executor applies (0: none), and whether its PID namespaces have their own
 * /proc. */
export function containment(): { namespaces: boolean; landlock: number; privateProc: boolean } {
  const probe =
    'import json, sandbox; best = sandbox.probe_isolation("auto"); ' +
    'print(json.dumps([best.network == "namespace", sandbox.landlock_abi(), best.private_proc]))';
  const output = execFileSync(testPython(), ['-c', probe], {
    cwd: pythonHelpersDir,
    encoding: 'utf8',
  });
  const [namespaces, landlock, privateProc] = JSON.parse(output) as [boolean, number, boolean];
  return { namespaces, landlock, privateProc };
}

/** Pids of live processes whose command line contains `marker`. */
export function survivors(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/** A service of the host on 127.0.0.1 that tests must not reach; counts connections. */
export class HostService {
  connections = 0;
  private readonly server = http.createServer((_, response) => response.end('host'));

  constructor() {
    this.server.on('connection', () => this.connections++);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
