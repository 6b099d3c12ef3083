import { fetchSmartConfiguration } from '../api/oauth-client.js';
import type { StreamStatus } from '../api/sse.js';
import type { KeyList } from '../../server/admin/shapes.js';
import type {
  ClockView,
  EffectiveConfig,
  SandboxConfig,
  SmartConfiguration,
  StorageView,
} from '../api/types.js';
import { failed, messageOf, OK } from './errors.js';
import { currentIssuer } from './issuers-slice.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

/** What the Overview and Settings show about the running server. */
export interface ServerInfo {
  readonly origin: string;
  /** Where the shown issuer's paths begin: the origin, or `origin/i/NAME` (README "Many issuers"). */
  readonly base: string;
  /** The config document as set: what Settings edits and exports. */
  readonly config: SandboxConfig;
  /** The settings in force, defaults applied: what Settings shows for a field the document leaves out. */
  readonly effective: EffectiveConfig;
  readonly discovery: SmartConfiguration | undefined;
  readonly discoveryError?: string;
  readonly clock: ClockView | undefined;
  /** Undefined when the server did not say (an older server without `GET /storage`). */
  readonly storage: StorageView | undefined;
  /** The signing keys; undefined when the server did not say (an older server without `GET /keys`). */
  readonly keys: KeyList | undefined;
}

export interface ServerSlice {
  readonly server: Remote<ServerInfo>;
  readonly live: StreamStatus;
  readonly loadServer: () => Promise<void>;
  readonly setLive: (status: StreamStatus) => void;
  readonly importConfig: (config: SandboxConfig) => Promise<ActionResult>;
  readonly setClockOffset: (offsetSeconds: number) => Promise<ActionResult>;
  readonly rotateKeys: (graceSeconds?: number) => Promise<ActionResult>;
  readonly retireKey: (kid: string) => Promise<ActionResult>;
}

export const createServerSlice: SliceCreator<ServerSlice> = (deps) => (set, get) => {
  /** A key change, then the key list again (the event stream also reloads it, for other windows). */
  async function keyAction(action: () => Promise<unknown>): Promise<ActionResult> {
    try {
      await action();
      const keys = await deps.api.listKeys();
      const server = get().server;
      if (server.status === 'ready') set({ server: { status: 'ready', data: { ...server.data, keys } } });
      return OK;
    } catch (err) {
      return failed(err);
    }
  }
  return {
    server: { status: 'idle' },
    live: { state: 'connecting', attempt: 1 },
    loadServer: async () => {
      if (get().server.status !== 'ready') set({ server: { status: 'loading' } });
      const base = `${deps.api.origin}${currentIssuer(get())?.path ?? ''}`;
      try {
        const [config, effective, discovery, clock, storage, keys] = await Promise.all([
          deps.api.getConfig(),
          deps.api.getEffectiveConfig(),
          fetchSmartConfiguration(base, deps.fetch).then(
            (doc) => ({ doc }) as const,
            (err: unknown) => ({ error: messageOf(err) }) as const,
          ),
          deps.api.getClock().catch(() => undefined),
          deps.api.getStorage().catch(() => undefined),
          deps.api.listKeys().catch(() => undefined),
        ]);
        set({
          server: {
            status: 'ready',
            data: {
              origin: deps.api.origin,
              base,
              config,
              effective,
              discovery: 'doc' in discovery ? discovery.doc : undefined,
              ...('error' in discovery ? { discoveryError: discovery.error } : {}),
              clock,
              storage,
              keys,
            },
          },
        });
      } catch (err) {
        set({ server: { status: 'error', message: messageOf(err) } });
      }
    },
    setLive: (live) => {
      set({ live });
    },
    importConfig: async (config) => {
      try {
        await deps.api.putConfig(config);
        await Promise.all([get().loadServer(), get().loadClients(), get().loadFailures()]);
        return OK;
      } catch (err) {
        return failed(err);
      }
    },
    setClockOffset: async (offsetSeconds) => {
      try {
        const clock = await deps.api.setClockOffset(offsetSeconds);
        const server = get().server;
        if (server.status === 'ready') set({ server: { status: 'ready', data: { ...server.data, clock } } });
        return OK;
      } catch (err) {
        return failed(err);
      }
    },
    rotateKeys: async (graceSeconds) => keyAction(() => deps.api.rotateKeys(graceSeconds)),
    retireKey: async (kid) => keyAction(() => deps.api.retireKey(kid)),
  };
};
