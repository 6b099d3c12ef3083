import { ADMIN_PREFIX, createAdminApi, type AdminApi } from '../api/admin-client.js';
import { adminPrefixOf, issuerList, MAX_FOLLOWED_ISSUERS } from './issuers-slice.js';
import { connectLive } from './live.js';
import { createAppStore, type AppStore } from './store.js';
import type { StoreDeps } from './types.js';

export interface WorkbenchOptions {
  readonly origin: string;
  readonly fetch: typeof fetch;
  /** Where the UI choices persist (localStorage by default). */
  readonly storage?: Parameters<typeof createAppStore>[1];
  /** Where this tab keeps its chosen issuer (sessionStorage in the page). */
  readonly tabStorage?: StoreDeps['tabStorage'];
}

/**
 * The admin client and the store, wired to each other: the client reads the admin token and the chosen
 * issuer's admin prefix from the store on every request, so switching issuer re-points every view at once.
 */
export function createWorkbench(options: WorkbenchOptions): { api: AdminApi; store: AppStore } {
  const holder: { store?: AppStore } = {};
  const api = createAdminApi({
    origin: options.origin,
    fetch: options.fetch,
    token: () => {
      const session = holder.store?.getState().session;
      return session?.status === 'signed-in' ? session.token : undefined;
    },
    admin: () => (holder.store === undefined ? ADMIN_PREFIX : adminPrefixOf(holder.store.getState())),
  });
  const store = createAppStore(
    {
      api,
      fetch: options.fetch,
      ...(options.tabStorage === undefined ? {} : { tabStorage: options.tabStorage }),
    },
    options.storage,
  );
  holder.store = store;
  return { api, store };
}

/**
 * Which streams the page follows: none signed out; the chosen issuer's (everything) and, when the sandbox has
 * several issuers, each other one's for Activity alone (at most MAX_FOLLOWED_ISSUERS in all).
 */
function streamsKey(store: AppStore): string {
  const s = store.getState();
  if (s.session.status !== 'signed-in') return '';
  const issuers = issuerList(s);
  // One issuer (or the list not known yet): the one stream of the admin prefix in force, as before issuers.
  if (issuers.length <= 1) return adminPrefixOf(s);
  return [s.issuerName, ...issuers.map((v) => `${v.name}=${v.admin}`)].join(' ');
}

/** Keeps the live streams in step with the session and the chosen issuer; returns a stop function. */
export function followLive(store: AppStore, api: AdminApi): () => void {
  let running: { key: string; controller: AbortController } | undefined;
  function sync(): void {
    const key = streamsKey(store);
    if (running?.key === key) return;
    running?.controller.abort();
    running = undefined;
    if (key === '') return;
    const controller = new AbortController();
    running = { key, controller };
    const s = store.getState();
    const issuers = issuerList(s).slice(0, MAX_FOLLOWED_ISSUERS);
    if (issuers.length <= 1) {
      void connectLive(store, api, controller.signal);
      return;
    }
    for (const v of issuers) {
      const chosen = v.name === s.issuerName;
      void connectLive(store, api.forIssuer(v.admin), controller.signal, {
        issuer: v.name,
        exchangesOnly: !chosen,
      });
    }
  }
  const unsubscribe = store.subscribe(sync);
  sync();
  return () => {
    unsubscribe();
    running?.controller.abort();
  };
}
