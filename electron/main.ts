/**
 * The desktop app's main process: wires the modules of this folder to Electron and nothing more. Every rule
 * lives in a module that tests can run without Electron.
 */
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, session, shell } from 'electron';
import { registerIpc } from './ipc.js';
import { setupCleanQuit, setupSignalQuit, setupSingleInstance } from './lifecycle.js';
import { menuTemplate } from './menu.js';
import {
  denyAllPermissions,
  enforceContentSecurityPolicy,
  hardenContents,
  isExternalWebUrl,
  isOwnServerCertificate,
} from './security.js';
import { readDesktopSettings, writeDesktopSettings, type ServerHost } from './server-host.js';
import { parseDesktopArgs, startWithPortChoice } from './startup.js';
import { createWorkbenchWindow, workbenchUrl } from './window.js';

const preloadPath = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const args = parseDesktopArgs(process.argv.slice(1));
if (args.userDataDir !== undefined) app.setPath('userData', args.userDataDir);

/** Chromium's net::ERR_ABORTED. */
const ERR_ABORTED = -3;

let host: ServerHost | undefined;
let win: BrowserWindow | undefined;

function showError(title: string, err: unknown): void {
  dialog.showErrorBox(title, err instanceof Error ? err.message : String(err));
}

async function openExternal(url: string): Promise<void> {
  if (isExternalWebUrl(url)) await shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK -- guarded by isExternalWebUrl: absolute http(s) only
}

function focusWindow(): void {
  if (win === undefined || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.focus();
}

function setupSecurity(): void {
  denyAllPermissions(session.defaultSession);
  enforceContentSecurityPolicy(session.defaultSession);
  // Every WebContents, including any created later, is kept on the server's origin.
  app.on('web-contents-created', (_event, contents) => {
    hardenContents(contents, () => host?.origin ?? 'http://127.0.0.1', openExternal);
  });
}

function setupMenu(running: ServerHost): void {
  const template = menuTemplate(process.platform, {
    copyServerUrl: () => {
      void clipboard.writeText(running.origin);
    },
    openDataFolder: () => {
      void shell.openPath(running.dataDir);
    },
    exportConfig: () => {
      void exportConfig(running);
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function exportConfig(running: ServerHost): Promise<void> {
  const options = { title: 'Export config', defaultPath: 'token-sandbox-config.json' };
  const choice =
    win === undefined ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(win, options);
  if (choice.canceled || choice.filePath === '') return;
  try {
    await running.exportConfigTo(choice.filePath);
  } catch (err) {
    showError('Export config failed', err);
  }
}

function openWindow(running: ServerHost): void {
  const window = createWorkbenchWindow(BrowserWindow, preloadPath);
  win = window;
  window.webContents.on('did-fail-load', (_event, code, description, url, isMainFrame) => {
    // A page that cannot load must say so, never leave a blank window. ERR_ABORTED (-3) is a navigation that
    // was cancelled on purpose (by the navigation rules, or by a newer one), not a failure.
    if (isMainFrame && code !== ERR_ABORTED)
      showError('The workbench did not load', new Error(`${url}: ${description} (${code})`));
  });
  window.webContents.on('render-process-gone', (_event, details) => {
    showError('The workbench stopped', new Error(`The page's process ended (${details.reason}).`));
  });
  // A failed load is reported by 'did-fail-load' above; the rejection itself carries nothing more.
  window.loadURL(workbenchUrl(running.origin, running.adminToken)).catch(() => undefined);
}

async function start(): Promise<void> {
  await app.whenReady();
  setupSecurity();
  const dataDir = app.getPath('userData');
  try {
    host = await startWithPortChoice({
      dataDir,
      ...(args.port === undefined ? {} : { portOverride: args.port }),
      askToUseFreePort: async (conflict) => {
        const { response } = await dialog.showMessageBox({
          type: 'warning',
          message: conflict.message,
          detail: `Token Sandbox can use port ${conflict.freePort} instead and remember it. Clients configured for port ${conflict.port} will need the new URL.`,
          buttons: [`Use port ${conflict.freePort}`, 'Quit'],
          defaultId: 0,
          cancelId: 1,
        });
        return response === 0;
      },
    });
  } catch (err) {
    showError('Token Sandbox could not start its server', err);
    app.exit(1);
    return;
  }
  if (host === undefined) {
    app.quit();
    return;
  }
  const running = host;
  setupCleanQuit(
    app,
    () => running.close(),
    (err) => {
      showError('Token Sandbox did not stop cleanly', err);
    },
  );
  setupSignalQuit(process, () => {
    app.quit();
  });
  registerIpc(ipcMain, {
    origin: () => running.origin,
    openExternal,
    revealDataFolder: () => {
      shell.showItemInFolder(running.dataDir);
    },
    appVersion: () => app.getVersion(),
    httpsPreference: async () => (await readDesktopSettings(running.dataDir)).https,
    setHttpsPreference: async (enabled) => {
      const saved = await readDesktopSettings(running.dataDir);
      await writeDesktopSettings(running.dataDir, { ...saved, https: enabled });
    },
  });
  // With https, the window accepts the server's own certificate (its CA need not be trusted system-wide).
  const acceptOwnCertificate = (
    event: Electron.Event,
    _contents: Electron.WebContents,
    url: string,
    _error: string,
    certificate: Electron.Certificate,
    callback: (trusted: boolean) => void,
  ): void => {
    const own = isOwnServerCertificate(url, certificate.data, running.origin, running.tls?.cert);
    if (own) event.preventDefault();
    callback(own);
  };
  app.on('certificate-error', acceptOwnCertificate); // eng-disable CERTIFICATE_ERROR_EVENT_JS_CHECK -- trusts only the embedded server's own certificate on its own origin (isOwnServerCertificate); every other error is refused
  setupMenu(running);
  openWindow(running);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow(running);
  });
  app.on('window-all-closed', () => {
    // macOS keeps apps alive without windows (the Dock icon reopens one); elsewhere closing the window quits.
    if (process.platform !== 'darwin') app.quit();
  });
}

if (setupSingleInstance(app, focusWindow)) {
  void start();
} else {
  app.quit();
}
