import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('Electron security gate (scripts/electron-security-check.mjs)', () => {
  it('fails on a linter finding and on a suppression without a reason, though the linter itself exits 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-eng-'));
    try {
      await writeFile(
        path.join(dir, 'main.js'),
        [
          "const { BrowserWindow, shell } = require('electron');",
          'const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });',
          'shell.openExternal(process.argv[2]); // eng-disable OPEN_EXTERNAL_JS_CHECK',
          '',
        ].join('\n'),
      );
      const run = spawnSync(process.execPath, ['scripts/electron-security-check.mjs', '--input', dir], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('NODE_INTEGRATION_JS_CHECK');
      expect(run.stderr).toContain('CONTEXT_ISOLATION_JS_CHECK');
      expect(run.stderr).toContain('main.js:3: eng-disable without a reason');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
