import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import {
  adoptIfValid,
  browserTokenEnvironment,
  isAcceptedAdminToken,
  isRemembered,
  takeAdminToken,
} from './lib/session-token.js';
import { AppContext } from './store/react.js';
import { createWorkbench, followLive } from './store/workbench.js';
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
const { api, store } = createWorkbench({
  origin: serverOrigin(),
  fetch: globalThis.fetch.bind(globalThis),
  tabStorage: sessionStorage,
});
// A token navigated in while this tab had one replaces it only once the server accepts it; until that is
// known the tab signs in with neither, so a restarted server's stale token never signs it out in between.
const candidate = found?.candidate;
if (found !== undefined && candidate === undefined) store.getState().signIn(found.token, isRemembered(env));
if (found !== undefined && candidate !== undefined) {
  void adoptIfValid(env, candidate, (t) => isAcceptedAdminToken(serverOrigin(), t)).then((adopted) => {
    store.getState().signIn(adopted ? candidate : found.token, isRemembered(env));
  });
}

// The live streams run while signed in, restart after a new sign-in, and follow the chosen issuer.
followLive(store, api);

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <AppContext.Provider value={{ store, deps: { api, fetch: globalThis.fetch.bind(globalThis) } }}>
      <App />
    </AppContext.Provider>
  </StrictMode>,
);
