import type { DesktopWindow } from '../../electron/ipc-contract.js';

/** Where a URL the workbench opened for the user went. */
export type OpenOutcome = 'new-tab' | 'system-browser' | 'blocked';

/** The parts of `window` that opening a URL needs (a fake in the unit tests). */
export type OpenerWindow = Pick<Window, 'open'> & DesktopWindow;

/**
 * Opens `url` in a new tab, as an EHR opens an app's launch URL, and says truthfully what happened.
 *
 * `window.open(url, '_blank', 'noopener')` always returns null (HTML Standard, "window open steps"), so it
 * cannot tell an opened tab from a blocked one. The page opens without the feature instead, reads the
 * handle, and cuts `opener` at once, so the app never gets a reference back to the workbench. In the
 * desktop app new windows are denied, so the URL goes to the system browser through the preload.
 */
export async function openInNewTab(url: string, win: OpenerWindow): Promise<OpenOutcome> {
  const desktop = win.tokenSandboxDesktop;
  if (desktop !== undefined) {
    await desktop.openExternal(url);
    return 'system-browser';
  }
  const tab = win.open(url, '_blank');
  if (tab === null) return 'blocked';
  tab.opener = null;
  return 'new-tab';
}
