// The main process as Electron runs it, with Electron replaced by recording stand-ins: checks that main
// wires every module (lock, hardening, server, IPC, menu, window, clean quit) and that the server it starts
// is real.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventEmitter as EventEmitterType } from 'node:events';
import type { BrowserWindowConstructorOptions } from 'electron';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../electron/ipc-contract.js';
import { windowOptions } from '../../electron/window.js';

const fake = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports.
  const { EventEmitter: Emitter } = require('node:events') as { EventEmitter: typeof EventEmitterType };
  const paths = new Map<string, string>();
  const app = Object.assign(new Emitter(), {
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: vi.fn(() => true),
    setPath: (name: string, value: string) => paths.set(name, value),
    getPath: (name: string) => paths.get(name) ?? '',
    getVersion: () => '0.1.0',
    exit: vi.fn(),
    quit: vi.fn((): boolean => {
      const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
      app.emit('before-quit', event);
      return event.defaultPrevented;
    }),
  });
  const windows: { options: unknown; loadURL: ReturnType<typeof vi.fn> }[] = [];
  class BrowserWindow extends Emitter {
    static getAllWindows = () => windows;
    readonly webContents = new Emitter();
    readonly loadURL = vi.fn(async () => undefined);
    constructor(readonly options: unknown) {
      super();
      windows.push(this);
    }
    show = vi.fn();
    isDestroyed = () => false;
  }
  return {
    app,
    windows,
    BrowserWindow,
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(), showSaveDialog: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    shell: { openExternal: vi.fn(), openPath: vi.fn(), showItemInFolder: vi.fn() },
    clipboard: { writeText: vi.fn() },
  };
});
vi.mock('electron', () => fake);

const userData = await mkdtemp(path.join(tmpdir(), 'token-sandbox-main-'));
const savedArgv = process.argv;
process.argv = ['electron', '.', '--port', '0', `--user-data-dir=${userData}`];
await import('../../electron/main.js');
process.argv = savedArgv;

afterAll(async () => {
  await rm(userData, { recursive: true, force: true });
});

describe('main process wiring', () => {
  it('takes the single-instance lock and hardens the session before anything loads', () => {
    expect(fake.app.requestSingleInstanceLock).toHaveBeenCalledOnce();
    expect(fake.app.listenerCount('second-instance')).toBe(1);
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
    expect(fake.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(fake.session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalledOnce();
  });

  it('opens one hardened window on the workbench of a real server in the user-data folder', async () => {
    // Start-up generates the signing key, which takes a while on a busy machine.
    await vi.waitFor(
      () => {
        expect(fake.windows[0]?.loadURL).toHaveBeenCalledOnce();
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(fake.windows).toHaveLength(1);
    const options = fake.windows[0]?.options as BrowserWindowConstructorOptions;
    const preload = options.webPreferences?.preload ?? '';
    expect(path.isAbsolute(preload) && preload.endsWith(`${path.sep}preload.cjs`)).toBe(true);
    expect(options).toStrictEqual(windowOptions(preload));

    const url = String(fake.windows[0]?.loadURL.mock.calls[0]?.[0]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
    expect((await fetch(url)).status).toBe(200);
    const discovery = (await (await fetch(new URL('/.well-known/smart-configuration', url))).json()) as {
      token_endpoint: string;
    };
    expect(discovery.token_endpoint).toBe(`${new URL(url).origin}/token`);
  });

  it('registers the three IPC capabilities and the application menu', () => {
    const channels = fake.ipcMain.handle.mock.calls.map(([channel]) => channel as string);
    expect(channels.sort()).toStrictEqual(Object.values(CHANNELS).sort());
    expect(fake.Menu.setApplicationMenu).toHaveBeenCalledOnce();
  });

  it('quits cleanly: the first quit waits for the server to stop', async () => {
    const url = String(fake.windows[0]?.loadURL.mock.calls[0]?.[0]);
    expect(fake.app.quit()).toBe(true);
    await vi.waitFor(
      () => {
        expect(fake.app.quit).toHaveBeenCalledTimes(2);
      },
      { timeout: 15_000, interval: 50 },
    );
    await expect(fetch(url)).rejects.toThrow();
    expect(fake.dialog.showErrorBox).not.toHaveBeenCalled();
    expect(fake.app.exit).not.toHaveBeenCalled();
  });
});
