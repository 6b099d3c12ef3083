import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addBackendClient } from '../helpers/cli.js';
import { processesWithDataDir } from '../helpers/processes.js';

// The desktop app's quit path in plain Node (the fixture stands in for Electron's `app`), built as the app
// runs it (test/global-setup.ts compiles electron/ before the run).
const FIXTURE = fileURLToPath(new URL('./fixtures/quit-on-signal.mjs', import.meta.url));

const { dir, start } = processesWithDataDir('token-sandbox-desktop-quit-');

describe('desktop app: SIGINT and SIGTERM quit cleanly', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during admin writes closes the server, exits 0 and keeps every acknowledged write`, async () => {
      const { child, match, exited: exit } = await start([FIXTURE, dir()], /^ready (\S+) (\S+)$/m);
      const [, origin = '', token = ''] = match;
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
      const state = JSON.parse(await readFile(path.join(dir(), 'state.json'), 'utf8')) as {
        config: { clients: { clientId: string }[] };
      };
      const stored = new Set(state.config.clients.map((c) => c.clientId));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    }, 30_000);
  }
});
