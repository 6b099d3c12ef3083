// The compiled main process (dist/electron/main.js, as Electron loads it) run in plain Node, with the
// 'electron' module resolved to a stand-in by a module hook: proves the build output's imports resolve, the
// bundled preload sits where main looks for it, and a real server starts, serves the window and stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../electron/ipc-contract.js';

beforeAll(() => {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json']);
  execFileSync(process.execPath, ['scripts/bundle.mjs', 'preload']);
}, 120_000);

describe('built main process', () => {
  it('starts the server, loads the workbench with the bundled preload, and quits cleanly', async () => {
    const userData = await mkdtemp(path.join(tmpdir(), 'token-sandbox-built-main-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          './test/electron/fixtures/register-electron-stub.mjs',
          'dist/electron/main.js',
          '--port',
          '0',
          `--user-data-dir=${userData}`,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.stderr).toBe('');
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('IPC ')).sort()).toStrictEqual(
        Object.values(CHANNELS)
          .map((c) => `IPC ${c}`)
          .sort(),
      );
      expect(
        lines
          .filter((l) => !l.startsWith('IPC '))
          .map((l) => l.replace(/:\d+\/\?token=\S+$/, ':PORT/?token=T')),
      ).toStrictEqual([
        'MENU set',
        'PRELOAD exists',
        'LOAD http://127.0.0.1:PORT/?token=T',
        'STATUS 200',
        'QUIT after 2 call(s)',
      ]);
      expect(run.status).toBe(0);
    } finally {
      await rm(userData, { recursive: true, force: true });
    }
  });
});
