import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addBackendClient } from '../helpers/cli.js';

// The desktop app's quit path in plain Node (the fixture stands in for Electron's `app`), built as the app
// runs it (test/global-setup.ts compiles electron/ before the run).
const FIXTURE = fileURLToPath(new URL('./fixtures/quit-on-signal.mjs', import.meta.url));

let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-desktop-quit-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function startDesktopHost(): Promise<{
  child: ChildProcessWithoutNullStreams;
  origin: string;
  token: string;
}> {
  const child = spawn(process.execPath, [FIXTURE, dir], { stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /^ready (\S+) (\S+)$/m.exec(out);
      if (m?.[1] !== undefined && m[2] !== undefined) resolve({ child, origin: m[1], token: m[2] });
    });
    child.on('exit', (code) => {
      reject(new Error(`exited with ${String(code)} before it was ready: ${err}`));
    });
  });
}

describe('desktop app: SIGINT and SIGTERM quit cleanly', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during admin writes closes the server, exits 0 and keeps every acknowledged write`, async () => {
      const { child, origin, token } = await startDesktopHost();
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const acknowledged: string[] = [];
      let n = 0;
      let signalled = false;
      const worker = async () => {
        for (;;) {
          const clientId = `desk-${n++}`;
          try {
            if ((await addBackendClient(origin, token, clientId)) === 201) acknowledged.push(clientId);
          } catch {
            return; // the server has gone
          }
          if (acknowledged.length >= 40 && !signalled) {
            signalled = true;
            child.kill(signal);
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      expect(await exit).toBe(0);
      const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
        config: { clients: { clientId: string }[] };
      };
      const stored = new Set(state.config.clients.map((c) => c.clientId));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    }, 30_000);
  }
});
