/*
 * The preload runs in Electron's sandbox, which can `require('electron')` but no local file, so the build
 * bundles this file with the channel names into one self-contained CommonJS file (dist/electron/preload.cjs).
 * It exposes one function per capability and never `ipcRenderer` itself (Electron security checklist §20).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, DESKTOP_API_KEY, type DesktopApi } from './ipc-contract.js';

const api: DesktopApi = {
  openExternal: async (url: string) => {
    await ipcRenderer.invoke(CHANNELS.openExternal, url);
  },
  revealDataFolder: async () => {
    await ipcRenderer.invoke(CHANNELS.revealDataFolder);
  },
  appVersion: async () => String(await ipcRenderer.invoke(CHANNELS.appVersion)),
  httpsPreference: async () => (await ipcRenderer.invoke(CHANNELS.httpsPreference)) === true,
  setHttpsPreference: async (enabled: boolean) => {
    await ipcRenderer.invoke(CHANNELS.setHttpsPreference, enabled);
  },
};

contextBridge.exposeInMainWorld(DESKTOP_API_KEY, api);
