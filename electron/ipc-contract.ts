/**
 * The one contract between the renderer, the preload and the main process: which IPC channels exist and
 * what the preload exposes. It holds no runtime code besides the channel names, so the preload bundle stays
 * tiny and the renderer can `import type { DesktopApi }` from it without pulling anything in.
 */

/** One channel per capability a browser cannot offer; there is deliberately no generic channel. */
export const CHANNELS = {
  openExternal: 'token-sandbox:open-external',
  revealDataFolder: 'token-sandbox:reveal-data-folder',
  appVersion: 'token-sandbox:app-version',
  httpsPreference: 'token-sandbox:https-preference',
  setHttpsPreference: 'token-sandbox:set-https-preference',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The name under which the preload exposes {@link DesktopApi} on `window`. */
export const DESKTOP_API_KEY = 'tokenSandboxDesktop';

/**
 * What the desktop shell adds to the workbench. In a plain browser `window.tokenSandboxDesktop` is absent,
 * and the workbench falls back to what the browser can do (an `<a target="_blank">`, no "reveal folder").
 */
export interface DesktopApi {
  /** Opens an http(s) URL in the system browser; any other scheme is refused by the main process. */
  openExternal(url: string): Promise<void>;
  /** Shows the folder that holds the sandbox's keys, clients and settings in the file manager. */
  revealDataFolder(): Promise<void>;
  /** The desktop app's version, e.g. `0.1.0`. */
  appVersion(): Promise<string>;
  /** Whether the saved settings ask for https (which applies from the next start). */
  httpsPreference(): Promise<boolean>;
  /** Saves whether the server is to serve https from the next start (README "HTTPS"). */
  setHttpsPreference(enabled: boolean): Promise<void>;
}

/** For the renderer: `declare global { interface Window extends DesktopWindow {} }`. */
export interface DesktopWindow {
  readonly [DESKTOP_API_KEY]?: DesktopApi;
}
