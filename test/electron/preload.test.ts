import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, DESKTOP_API_KEY, type DesktopApi } from '../../electron/ipc-contract.js';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn<(key: string, api: unknown) => void>() },
  ipcRenderer: {
    invoke: vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>(async () => '0.1.0'),
  },
}));
vi.mock('electron', () => electron);

describe('preload API (one function per capability)', () => {
  it('exposes exactly openExternal, revealDataFolder, appVersion and the https preference, each on its own channel', async () => {
    await import('../../electron/preload.js');
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledOnce();
    const [key, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] ?? [];
    expect(key).toBe(DESKTOP_API_KEY);
    const desktop = api as DesktopApi;
    expect(Object.keys(desktop).sort()).toStrictEqual([
      'appVersion',
      'httpsPreference',
      'openExternal',
      'revealDataFolder',
      'setHttpsPreference',
    ]);

    await desktop.openExternal('https://example.com/');
    await desktop.revealDataFolder();
    expect(await desktop.appVersion()).toBe('0.1.0');
    // Anything but `true` from main reads as "off": the renderer never sees a value of another type.
    expect(await desktop.httpsPreference()).toBe(false);
    await desktop.setHttpsPreference(true);
    expect(electron.ipcRenderer.invoke.mock.calls).toStrictEqual([
      [CHANNELS.openExternal, 'https://example.com/'],
      [CHANNELS.revealDataFolder],
      [CHANNELS.appVersion],
      [CHANNELS.httpsPreference],
      [CHANNELS.setHttpsPreference, true],
    ]);
  });

  it('builds into one CommonJS file that a sandboxed preload can run (it requires nothing but electron)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-preload-'));
    try {
      const outfile = path.join(dir, 'preload.cjs');
      execFileSync(process.execPath, ['scripts/bundle.mjs', 'preload', '--outfile', outfile], {
        cwd: process.cwd(),
      });
      const code = await readFile(outfile, 'utf8');
      const required: string[] = [];
      const exposed: Record<string, unknown> = {};
      const sandboxedRequire = (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`module not found: ${name}`);
        return {
          contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
          ipcRenderer: { invoke: async () => undefined },
        };
      };
      const module = { exports: {} };
      runInNewContext(code, { require: sandboxedRequire, module, exports: module.exports });
      expect(required).toStrictEqual(['electron']);
      expect(Object.keys(exposed)).toStrictEqual([DESKTOP_API_KEY]);
      expect(code).not.toMatch(/\bimport\s/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
