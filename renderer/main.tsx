import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAdminApi } from './api/admin-client.js';
import { App } from './app.js';
import {
  adoptIfValid,
  browserTokenEnvironment,
  isAcceptedAdminToken,
  isRemembered,
  takeAdminToken,
} from './lib/session-token.js';
import { connectLive } from './store/live.js';
import { AppContext } from './store/react.js';
import { createAppStore, type AppStore } from './store/store.js';
import './styles/app.css';

/**
 * The sandbox the page talks to: its own origin when served by the sandbox; `?server=` when the page was
 * loaded from a file (the desktop window passes it).
 */
function serverOrigin(): string {
  if (location.protocol === 'http:' || location.protocol === 'https:') return location.origin;
  const given = new URLSearchParams(location.search).get('server');
  return given ?? 'http://127.0.0.1:9710';
}

const env = browserTokenEnvironment();
const found = takeAdminToken(env);
const holder: { store?: AppStore } = {};
const api = createAdminApi({
  origin: serverOrigin(),
  token: () => {
    const session = holder.store?.getState().session;
    return session?.status === 'signed-in' ? session.token : undefined;
  },
});
const store = createAppStore({ api, fetch: globalThis.fetch.bind(globalThis) });
holder.store = store;
// A token navigated in while this tab had one replaces it only once the server accepts it; until that is
// known the tab signs in with neither, so a restarted server's stale token never signs it out in between.
const candidate = found?.candidate;
if (found !== undefined && candidate === undefined) store.getState().signIn(found.token, isRemembered(env));
if (found !== undefined && candidate !== undefined) {
  void adoptIfValid(env, candidate, (t) => isAcceptedAdminToken(serverOrigin(), t)).then((adopted) => {
    store.getState().signIn(adopted ? candidate : found.token, isRemembered(env));
  });
}

// The live stream runs while signed in and restarts after a new sign-in.
let live: AbortController | undefined;
function followSession(): void {
  const signedIn = store.getState().session.status === 'signed-in';
  if (signedIn && live === undefined) {
    live = new AbortController();
    void connectLive(store, api, live.signal);
  } else if (!signedIn && live !== undefined) {
    live.abort();
    live = undefined;
  }
}
store.subscribe(followSession);
followSession();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <AppContext.Provider value={{ store, deps: { api, fetch: globalThis.fetch.bind(globalThis) } }}>
      <App />
    </AppContext.Provider>
  </StrictMode>,
);
