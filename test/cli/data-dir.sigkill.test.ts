import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addBackendClient, BIN } from '../helpers/cli.js';

// Black-box: the real command, as built (test/global-setup.ts rebuilds it before every run).
const TOKEN = 'sigkill-admin-token';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-kill-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly origin: string;
}

function serve(): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--data-dir', dir, '--admin-token', TOKEN],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, origin: m[1] });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('exit', (code) => {
      reject(new Error(`exited with ${String(code)} before listening: ${err}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else
      child.on('exit', (code) => {
        resolve(code);
      });
  });
}

describe('crash safety of --data-dir (docs/cli.md#data-folder)', () => {
  it('keeps every acknowledged write when the server is SIGKILLed in the middle of a burst', async () => {
    const { child, origin } = await serve();
    const acknowledged: string[] = [];
    let n = 0;
    const state = { killed: false };
    const killOnce = () => {
      if (state.killed) return;
      state.killed = true;
      child.kill('SIGKILL');
    };
    const worker = async () => {
      while (!state.killed) {
        const id = `client-${n++}`;
        try {
          if ((await addBackendClient(origin, TOKEN, id)) === 201) acknowledged.push(id);
        } catch {
          return; // the connection died with the process
        }
        if (acknowledged.length >= 60) killOnce();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await exitOf(child);
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);

    const text = await readFile(path.join(dir, 'state.json'), 'utf8');
    expect(() => JSON.parse(text) as unknown).not.toThrow();

    const again = await serve();
    const res = await fetch(`${again.origin}/_sandbox/api/clients`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const ids = new Set(
      ((await res.json()) as { clients: { clientId: string }[] }).clients.map((c) => c.clientId),
    );
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    again.child.kill('SIGTERM');
    expect(await exitOf(again.child)).toBe(0);
  }, 60_000);

  it('refuses to start on a corrupt state file: exit 2, a clear message, the file untouched', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(file, '{"version": 1, "conf');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    expect(await exitOf(child)).toBe(2);
    expect(err).toContain(`${file} is not valid JSON`);
    expect(err).toContain('left untouched');
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "conf');
  }, 30_000);
});
