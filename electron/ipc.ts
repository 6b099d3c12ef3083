/**
 * The main-process side of {@link CHANNELS}: one handler per capability, each of which checks who is
 * asking (the sending frame must be on the sandbox's own origin, checklist §17) and what is asked (payloads
 * are validated, never trusted) before doing anything.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from './ipc-contract.js';
import { isExternalWebUrl, isSameOrigin } from './security.js';

/** A refused IPC call; the renderer's promise rejects with this message. */
export class IpcRefused extends Error {
  constructor(channel: string, reason: string) {
    super(`${channel} refused: ${reason}`);
    this.name = 'IpcRefused';
  }
}

/** What the handlers need from the rest of the app; main passes Electron's `shell` and `app` behind it. */
export interface IpcCapabilities {
  /** The origin of the running server, e.g. `http://127.0.0.1:9710`; read at each call (the port may change). */
  readonly origin: () => string;
  readonly openExternal: (url: string) => Promise<void>;
  readonly revealDataFolder: () => Promise<void> | void;
  readonly appVersion: () => string;
  /** The saved https preference (desktop-settings.json). */
  readonly httpsPreference: () => Promise<boolean>;
  /** Saves the https preference; the running server keeps its scheme until the next start. */
  readonly setHttpsPreference: (enabled: boolean) => Promise<void>;
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

/** The sender check of every handler: a live frame whose URL has the server's origin. */
export function assertTrustedSender(channel: string, event: SenderEvent, origin: string): void {
  const frame = event.senderFrame;
  if (frame === null) throw new IpcRefused(channel, 'the sending frame is gone');
  if (!isSameOrigin(frame.url, origin)) {
    throw new IpcRefused(channel, `sender ${JSON.stringify(frame.url)} is not on ${origin}`);
  }
}

type Handler = (event: SenderEvent, ...args: unknown[]) => Promise<unknown>;
type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The handlers by channel, exposed for tests; {@link registerIpc} installs them. */
export function ipcHandlers(caps: IpcCapabilities): Record<Channel, Handler> {
  /** Every handler checks its sender first (checklist §17), then its arguments, then acts. */
  const guarded =
    (channel: Channel, run: (args: readonly unknown[]) => unknown): Handler =>
    async (event, ...args) => {
      assertTrustedSender(channel, event, caps.origin());
      return await run(args);
    };
  const withoutArguments = (channel: Channel, run: () => unknown): Handler =>
    guarded(channel, (args) => {
      if (args.length !== 0) throw new IpcRefused(channel, 'takes no arguments');
      return run();
    });
  return {
    [CHANNELS.openExternal]: guarded(CHANNELS.openExternal, async (args) => {
      const [url] = args;
      if (args.length !== 1 || !isExternalWebUrl(url)) {
        throw new IpcRefused(CHANNELS.openExternal, 'expects one absolute http(s) URL');
      }
      await caps.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK -- url passed isExternalWebUrl just above: absolute http(s) only
    }),
    [CHANNELS.revealDataFolder]: withoutArguments(CHANNELS.revealDataFolder, async () => {
      await caps.revealDataFolder();
    }),
    [CHANNELS.appVersion]: withoutArguments(CHANNELS.appVersion, () => caps.appVersion()),
    [CHANNELS.httpsPreference]: withoutArguments(CHANNELS.httpsPreference, () => caps.httpsPreference()),
    [CHANNELS.setHttpsPreference]: guarded(CHANNELS.setHttpsPreference, async (args) => {
      const [enabled] = args;
      if (args.length !== 1 || typeof enabled !== 'boolean') {
        throw new IpcRefused(CHANNELS.setHttpsPreference, 'expects one boolean');
      }
      await caps.setHttpsPreference(enabled);
    }),
  };
}

/** Installs the handlers on `ipcMain`; returns a function that removes them again. */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  caps: IpcCapabilities,
): () => void {
  const handlers = ipcHandlers(caps);
  for (const [channel, handler] of Object.entries(handlers)) ipcMain.handle(channel, handler);
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}
