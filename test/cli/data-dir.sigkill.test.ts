import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBackendClient, BIN, runCliToExit } from '../helpers/cli.js';
import { processesWithDataDir } from '../helpers/processes.js';

// Black-box: the real command, as built (test/global-setup.ts rebuilds it before every run).
const TOKEN = 'sigkill-admin-token';

const { dir, start } = processesWithDataDir('token-sandbox-kill-');

async function serve() {
  const { child, match, exited } = await start(
    [BIN, 'serve', '--port', '0', '--data-dir', dir(), '--admin-token', TOKEN],
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  return { child, origin: match[1] ?? '', exited };
}

describe('crash safety of --data-dir (docs/cli.md#data-folder)', () => {
  it('keeps every acknowledged write when the server is SIGKILLed in the middle of a burst', async () => {
    const { child, origin, exited } = await serve();
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
    await exited;
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);

    const text = await readFile(path.join(dir(), 'state.json'), 'utf8');
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
    expect(await again.exited).toBe(0);
  }, 60_000);

  it('refuses to start on a corrupt state file: exit 2, a clear message, the file untouched', async () => {
    const file = path.join(dir(), 'state.json');
    await writeFile(file, '{"version": 1, "conf');
    const { code, stderr } = await runCliToExit(['serve', '--port', '0', '--data-dir', dir()]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file} is not valid JSON`);
    expect(stderr).toContain('left untouched');
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "conf');
  }, 30_000);
});
