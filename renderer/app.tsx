import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { ErrorText } from './components/common.js';
import { browserTokenEnvironment, forgetAdminToken, keepAdminToken } from './lib/session-token.js';
import { adminPrefixOf } from './store/issuers-slice.js';
import {
  selectIssuerName,
  selectIssuers,
  selectLive,
  selectManyIssuers,
  selectNotice,
  selectServer,
  selectSession,
  selectTheme,
  selectView,
} from './store/selectors.js';
import { useApp, useLoad } from './store/react.js';
import { VIEW_IDS, type ViewId } from './store/ui-slice.js';
import { ActivityView } from './views/activity-view.js';
import { ClientsView } from './views/clients-view.js';
import { FailuresView } from './views/failures-view.js';
import { FlowLabView } from './views/flow-lab-view.js';
import { InspectorView } from './views/inspector-view.js';
import { LaunchView } from './views/launch-view.js';
import { OverviewView } from './views/overview-view.js';
import { PersonasView } from './views/personas-view.js';
import { SettingsView } from './views/settings-view.js';
import { TokensView } from './views/tokens-view.js';

export const VIEW_TITLES: Record<ViewId, string> = {
  overview: 'Overview',
  clients: 'Clients',
  activity: 'Activity',
  tokens: 'Codes & tokens',
  failures: 'Failure modes',
  launch: 'Launch',
  'flow-lab': 'Flow Lab',
  settings: 'Settings',
  inspector: 'Token inspector',
  personas: 'Personas',
};

const VIEWS: Record<ViewId, () => React.JSX.Element> = {
  overview: OverviewView,
  clients: ClientsView,
  activity: ActivityView,
  tokens: TokensView,
  failures: FailuresView,
  launch: LaunchView,
  'flow-lab': FlowLabView,
  settings: SettingsView,
  inspector: InspectorView,
  personas: PersonasView,
};

/** Applies the theme choice to the document: `system` follows `prefers-color-scheme`. */
function useThemeAttribute() {
  const theme = useApp(selectTheme);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);
}

export function App() {
  useThemeAttribute();
  const session = useApp(selectSession);
  return session.status === 'signed-in' ? <Workbench /> : <SignIn reason={session.reason} />;
}

function Workbench() {
  const view = useApp(selectView);
  const setView = useApp((s) => s.setView);
  const notice = useApp(selectNotice);
  const loadServer = useApp((s) => s.loadServer);
  const loadClients = useApp((s) => s.loadClients);
  const loadGrants = useApp((s) => s.loadGrants);
  const loadFailures = useApp((s) => s.loadFailures);
  const loadExchanges = useApp((s) => s.loadExchanges);
  // Every view reads the chosen issuer's state: a switch (a new admin prefix) reloads it all.
  const admin = useApp((s) =>
    s.issuers.status === 'ready' || s.issuers.status === 'error' ? adminPrefixOf(s) : '',
  );
  const issuersKey = useApp((s) =>
    s.issuers.status === 'ready'
      ? selectIssuers(s)
          .map((v) => v.name)
          .join(' ')
      : s.issuers.status,
  );
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useLoad((s) => s.loadIssuers);

  useEffect(() => {
    if (admin === '') return; // the issuers are not known yet: which one to show is not either
    void loadServer();
    void loadClients();
    void loadGrants();
    void loadFailures();
  }, [admin, loadServer, loadClients, loadGrants, loadFailures]);

  useEffect(() => {
    // Activity lists every issuer's exchanges: an issuer added or removed changes what it reads.
    if (issuersKey !== 'idle' && issuersKey !== 'loading') void loadExchanges();
  }, [issuersKey, loadExchanges]);

  useEffect(() => {
    document.title = `${VIEW_TITLES[view]} · Token Sandbox`;
    // Moving between views moves focus to the new view's heading, so keyboard and screen reader users follow.
    if (firstRender.current) firstRender.current = false;
    else headingRef.current?.focus();
  }, [view]);

  const View = VIEWS[view];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Views">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Token Sandbox
        </div>
        <ul>
          {VIEW_IDS.map((id, index) => (
            <li key={id}>
              <button
                type="button"
                className="nav-item"
                aria-current={view === id ? 'page' : undefined}
                onClick={() => setView(id)}
                title={`${VIEW_TITLES[id]} (Alt+${(index + 1) % 10})`}
              >
                {VIEW_TITLES[id]}
              </button>
            </li>
          ))}
        </ul>
        <LiveIndicator />
      </nav>
      <main id="main" className="main" data-view={view}>
        <header className="view-header">
          <h1 ref={headingRef} tabIndex={-1}>
            {VIEW_TITLES[view]}
          </h1>
          <IssuerSwitcher />
          <ServerBadge />
        </header>
        <View />
      </main>
      <p className="visually-hidden" role="status" aria-live="polite">
        {notice}
      </p>
      <KeyboardShortcuts />
    </div>
  );
}

/** Alt+1 … Alt+9 and Alt+0 switch views, in the order of the navigation (0 is the tenth, as on the keyboard). */
function KeyboardShortcuts() {
  const setView = useApp((s) => s.setView);
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const index = event.key === '0' ? 9 : Number(event.key) - 1;
      const id = VIEW_IDS[index];
      if (id !== undefined) {
        event.preventDefault();
        setView(id);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);
  return null;
}

/** Which issuer every view shows (README "Many issuers"); absent while the sandbox has only the default. */
function IssuerSwitcher() {
  const many = useApp(selectManyIssuers);
  const issuers = useApp(selectIssuers);
  const chosen = useApp(selectIssuerName);
  const choose = useApp((s) => s.chooseIssuer);
  if (!many) return null;
  const current = issuers.find((v) => v.name === chosen);
  return (
    <label className="issuer-switcher">
      <span
        className="issuer-swatch"
        aria-hidden="true"
        style={{ background: current?.colour ?? 'transparent' }}
      />
      Showing issuer
      <select value={chosen} onChange={(e) => choose(e.target.value)} data-testid="issuer-switcher">
        {issuers.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name} · {v.profile}
          </option>
        ))}
      </select>
    </label>
  );
}

function ServerBadge() {
  const server = useApp(selectServer);
  if (server.status !== 'ready') return null;
  return (
    <span className="server-badge">
      <code>{server.data.origin}</code> · {server.data.effective.profile}
    </span>
  );
}

function LiveIndicator() {
  const live = useApp(selectLive);
  const text =
    live.state === 'open'
      ? 'Live'
      : live.state === 'connecting'
        ? 'Connecting…'
        : live.state === 'retrying'
          ? `Reconnecting in ${Math.ceil(live.delayMs / 1000)} s`
          : 'Not live';
  const detail = live.state === 'retrying' || live.state === 'stopped' ? live.reason : undefined;
  return (
    <div className={`live live-${live.state}`} data-state={live.state} role="status" title={detail}>
      <span className="live-dot" aria-hidden="true" />
      {text}
      {detail === undefined ? null : <span className="visually-hidden">: {detail}</span>}
    </div>
  );
}

function SignIn({ reason }: { readonly reason: string | undefined }) {
  const signIn = useApp((s) => s.signIn);
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string>();
  function submit(event: SubmitEvent) {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('paste the admin token: the part after ?token= in the URL the server printed');
      return;
    }
    const env = browserTokenEnvironment();
    forgetAdminToken(env);
    keepAdminToken(env, value, remember);
    signIn(value, remember);
  }
  return (
    <main className="sign-in">
      <form className="card form" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Token Sandbox</h1>
        <p>
          The workbench needs the server’s admin token. Open the URL the server printed at start-up (
          <code>…/?token=…</code>), or paste the token here.
        </p>
        {reason === undefined ? null : <ErrorText message={reason} />}
        <div className="field">
          <label htmlFor="admin-token">Admin token</label>
          <input
            id="admin-token"
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            aria-invalid={error !== undefined}
            aria-describedby={error === undefined ? undefined : 'token-error'}
          />
          {error === undefined ? null : (
            <p className="field-error" id="token-error">
              {error}
            </p>
          )}
        </div>
        <label className="choice">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember on this computer
        </label>
        <div className="button-row">
          <button type="submit" className="button primary">
            Open the workbench
          </button>
        </div>
      </form>
    </main>
  );
}
