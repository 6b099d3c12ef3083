/**
 * The workbench window. Its options are plain data so tests can read exactly what Electron is given.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/**
 * Electron security checklist (docs/tutorial/security.md) items 2-4, 6, 8-11: no Node in the page, an
 * isolated preload world, the Chromium sandbox, web security on, no insecure content, no experimental or
 * Blink features, no `<webview>`.
 */
export function webPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 840,
    minWidth: 800,
    minHeight: 560,
    title: 'Token Sandbox',
    // Shown on 'ready-to-show', so the user never sees an empty frame while the page loads.
    show: false,
    webPreferences: webPreferences(preloadPath),
  };
}

/** The workbench URL: the server's front page, signed in with the admin token (as the CLI prints it). */
export function workbenchUrl(origin: string, adminToken: string): string {
  const url = new URL('/', origin);
  url.searchParams.set('token', adminToken);
  return url.toString();
}

/** The window constructor, passed in so tests never load Electron. */
export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export function createWorkbenchWindow(Window: BrowserWindowClass, preloadPath: string): BrowserWindow {
  const win = new Window(windowOptions(preloadPath));
  win.once('ready-to-show', () => {
    win.show();
  });
  return win;
}
