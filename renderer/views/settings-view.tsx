import { useState, type ChangeEvent, type SubmitEvent } from 'react';
import { CODE_LIFETIME_SECONDS, LIFETIME_SECONDS } from '../../server/config/bounds.js';
import { SIGNING_ALG_VALUES, type SandboxConfig, type SigningAlg } from '../api/types.js';
import {
  Card,
  Choice,
  RadioGroup,
  CopyValue,
  ErrorText,
  Field,
  FileButton,
  Loading,
  Options,
  TableHead,
} from '../components/common.js';
import { TextField } from '../components/text-field.js';
import { downloadText } from '../lib/download.js';
import { lifetimeProblem, type Bounds } from '../lib/lifetime.js';
import {
  browserTokenEnvironment,
  forgetAdminToken,
  isRemembered,
  keepAdminToken,
} from '../lib/session-token.js';
import { selectServer, selectSession, selectTheme } from '../store/selectors.js';
import { useApp } from '../store/react.js';
import type { ThemeChoice } from '../store/ui-slice.js';
import type { ServerInfo } from '../store/server-slice.js';
import type { ActionResult } from '../store/types.js';
import { HttpsSettings, desktopApi } from './https-settings.js';

export function SettingsView() {
  const server = useApp(selectServer);
  if (server.status === 'idle' || server.status === 'loading') return <Loading what="settings" />;
  if (server.status === 'error') return <ErrorText message={server.message} />;
  return (
    <div className="view-body settings">
      <TokenSettings info={server.data} />
      <ClockSettings info={server.data} />
      <SigningKeys info={server.data} />
      <HttpsSettings desktop={desktopApi(window)} secure={window.location.protocol === 'https:'} />
      <ConfigFile />
      <Appearance />
      <Session />
    </div>
  );
}

/** This server's data folder, with "show in folder" where the desktop app can open one. */
function DataFolder({ info }: { readonly info: ServerInfo }) {
  const storage = info.storage;
  if (storage === undefined) {
    return <span className="muted">This server does not say (it answers no GET /storage).</span>;
  }
  if (storage.dataDir === null) {
    return (
      <>
        In memory only: clients, keys and tokens are gone when the server stops. Start it with{' '}
        <code>--data-dir</code> to keep them.
      </>
    );
  }
  return (
    <>
      <CopyValue value={storage.dataDir} label="Copy path" />{' '}
      <span className="muted small">keys, clients and issued tokens survive a restart</span>
    </>
  );
}

type Lifetime = 'accessTokenLifetime' | 'refreshTokenLifetime' | 'codeLifetime';

/** The lifetime fields of the token settings: the config field, its label, its name in an error, its bounds. */
const LIFETIMES: readonly { key: Lifetime; label: string; name: string; bounds: Bounds; hint: string }[] = [
  {
    key: 'accessTokenLifetime',
    label: 'Access token lifetime (s)',
    name: 'access token lifetime',
    bounds: LIFETIME_SECONDS,
    hint: '',
  },
  {
    key: 'refreshTokenLifetime',
    label: 'Refresh token lifetime (s)',
    name: 'refresh token lifetime',
    bounds: LIFETIME_SECONDS,
    hint: '',
  },
  {
    key: 'codeLifetime',
    label: 'Code lifetime (s)',
    name: 'code lifetime',
    bounds: CODE_LIFETIME_SECONDS,
    hint: `At most ${CODE_LIFETIME_SECONDS.maximum}. `,
  },
];

function TokenSettings({ info }: { readonly info: ServerInfo }) {
  const importConfig = useApp((s) => s.importConfig);
  const t = info.config.tokens ?? {};
  // The fields hold what the config sets; where it sets nothing, the server's values in force are shown
  // (GET /config/effective), never a default written here.
  const inForce = info.effective.tokens;
  const [alg, setAlg] = useState<SigningAlg>(inForce.signingAlg);
  const [lifetimes, setLifetimes] = useState<Record<Lifetime, string>>({
    accessTokenLifetime: String(t.accessTokenLifetime ?? ''),
    refreshTokenLifetime: String(t.refreshTokenLifetime ?? ''),
    codeLifetime: String(t.codeLifetime ?? ''),
  });
  const [result, setResult] = useState<{ ok: boolean; message: string }>();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const tokens: NonNullable<SandboxConfig['tokens']> = { signingAlg: alg };
    for (const { key, name, bounds } of LIFETIMES) {
      const text = lifetimes[key].trim();
      if (text === '') continue;
      // The same bounds and words as the client form's lifetimes: both read the config schema's bounds.
      const problem = lifetimeProblem(text, name, bounds);
      if (problem !== undefined) {
        setResult({ ok: false, message: problem });
        return;
      }
      tokens[key] = Number(text);
    }
    const next: SandboxConfig = { ...info.config, tokens };
    const r = await importConfig(next);
    setResult(
      r.ok
        ? { ok: true, message: 'Saved. New tokens use these settings.' }
        : { ok: false, message: r.message },
    );
  }

  return (
    <Card title="Server">
      <dl className="facts">
        <div>
          <dt>Profile</dt>
          <dd>
            <code>{info.effective.profile}</code>{' '}
            <span className="muted small">(start the server with --profile to change it)</span>
          </dd>
        </div>
        <div>
          <dt>Where the data lives</dt>
          <dd data-testid="data-dir">
            <DataFolder info={info} />
          </dd>
        </div>
      </dl>
      <form onSubmit={submit} className="form" aria-label="Token settings">
        <div className="form-grid">
          <Field label="Signing algorithm">
            {({ id }) => (
              <select id={id} value={alg} onChange={(e) => setAlg(e.target.value as SigningAlg)}>
                <Options items={SIGNING_ALG_VALUES} value={(a) => a} />
              </select>
            )}
          </Field>
          {LIFETIMES.map(({ key, label, hint }) => (
            <TextField
              key={key}
              label={label}
              hint={`${hint}In force: ${inForce[key]}. Empty: the server default.`}
              inputMode="numeric"
              value={lifetimes[key]}
              onChange={(value) => setLifetimes((l) => ({ ...l, [key]: value }))}
              placeholder={String(inForce[key])}
            />
          ))}
        </div>
        <div className="button-row">
          <button type="submit" className="button primary">
            Save token settings
          </button>
          {result === undefined ? null : result.ok ? (
            <span role="status" className="ok-text">
              {result.message}
            </span>
          ) : null}
        </div>
        {result !== undefined && !result.ok ? <ErrorText message={result.message} /> : null}
      </form>
    </Card>
  );
}

function ClockSettings({ info }: { readonly info: ServerInfo }) {
  const setOffset = useApp((s) => s.setClockOffset);
  const [offset, setOffsetText] = useState(String(info.clock?.offsetSeconds ?? 0));
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (!/^-?\d+$/.test(offset.trim())) {
      setError('the offset is a whole number of seconds, negative for the past');
      return;
    }
    const r = await setOffset(Number(offset.trim()));
    setError(r.ok ? undefined : r.message);
    setSaved(r.ok);
  }
  return (
    <Card title="Clock">
      <p className="muted">
        Skews the server’s clock, and with it every iat, exp and expiry check, to test how your app handles
        clock skew.
      </p>
      {info.clock === undefined ? <ErrorText message="This server does not report its clock." /> : null}
      <form onSubmit={submit} className="inline-form">
        <label htmlFor="clock-offset">Offset (seconds)</label>
        <input
          id="clock-offset"
          inputMode="numeric"
          value={offset}
          onChange={(e) => setOffsetText(e.target.value)}
        />
        <button type="submit" className="button">
          Apply
        </button>
        {saved ? (
          <span role="status" className="ok-text">
            Server time is now {info.clock === undefined ? '' : new Date(info.clock.now).toLocaleTimeString()}
          </span>
        ) : null}
      </form>
      <ErrorText message={error} />
    </Card>
  );
}

const KEY_STATE_CLASS = {
  current: 'state-active',
  published: 'state-rotated',
  retired: 'state-revoked',
} as const;

/** The key ring (README "Key rollover"): each key's state, Rotate with a grace period, Retire now. */
function SigningKeys({ info }: { readonly info: ServerInfo }) {
  const rotateKeys = useApp((s) => s.rotateKeys);
  const retireKey = useApp((s) => s.retireKey);
  const list = info.keys;
  const [grace, setGrace] = useState(list === undefined ? '' : String(list.defaultGraceSeconds));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<ActionResult>) {
    setBusy(true);
    const r = await action();
    setBusy(false);
    setError(r.ok ? undefined : r.message);
  }
  async function rotate(event: SubmitEvent) {
    event.preventDefault();
    const typed = grace.trim();
    if (typed !== '' && !/^\d+$/.test(typed)) {
      setError('the grace period is a whole number of seconds, 0 to retire the old key at once');
      return;
    }
    // Left empty (the key list, with the server's default, came after the field was made), the server applies
    // its own default grace: POST /keys/rotate without graceSeconds.
    await run(() => rotateKeys(typed === '' ? undefined : Number(typed)));
  }
  const time = (iso: string | undefined) => (iso === undefined ? '' : new Date(iso).toLocaleString());
  return (
    <Card title="Signing keys">
      <p className="muted">
        Rotate to test how your app follows a key rollover: the new key signs at once, the old one stays in
        the JWKS for the grace period (sandbox clock), then is retired and its tokens stop verifying.
      </p>
      {list === undefined ? (
        <ErrorText message="This server does not list its signing keys." />
      ) : (
        <table className="table keys-table" aria-label="Signing keys">
          <TableHead columns={['kid', 'alg', 'state', 'until / since']} actions="actions" />
          <tbody>
            {list.keys.map((k) => (
              <tr key={k.kid} data-kid={k.kid} data-state={k.state}>
                <td>
                  <code title={k.kid}>{k.kid}</code>
                </td>
                <td>{k.alg}</td>
                <td>
                  <span className={`badge ${KEY_STATE_CLASS[k.state]}`}>{k.state}</span>
                </td>
                <td>
                  {k.state === 'published' ? `published until ${time(k.publishedUntil)}` : null}
                  {k.state === 'retired' ? `retired at ${time(k.retiredAt)}` : null}
                  {k.state === 'current' && k.createdAt !== undefined ? `since ${time(k.createdAt)}` : null}
                </td>
                <td className="row-actions">
                  {k.state === 'published' ? (
                    <button
                      type="button"
                      className="button danger"
                      disabled={busy}
                      onClick={() => void run(() => retireKey(k.kid))}
                    >
                      Retire now
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={rotate} className="inline-form">
        <label htmlFor="key-grace">Grace period (seconds)</label>
        <input id="key-grace" inputMode="numeric" value={grace} onChange={(e) => setGrace(e.target.value)} />
        <button type="submit" className="button" disabled={busy}>
          Rotate
        </button>
      </form>
      <ErrorText message={error} />
    </Card>
  );
}

function ConfigFile() {
  const importConfig = useApp((s) => s.importConfig);
  const server = useApp(selectServer);
  const [result, setResult] = useState<{ ok: boolean; message: string }>();

  function exportConfig() {
    if (server.status !== 'ready') return;
    downloadText(
      'token-sandbox.config.json',
      `${JSON.stringify(server.data.config, null, 2)}\n`,
      'application/json',
    );
  }

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    let doc: unknown;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      setResult({ ok: false, message: `${file.name} is not valid JSON` });
      return;
    }
    const r = await importConfig(doc as SandboxConfig);
    setResult(
      r.ok
        ? { ok: true, message: `Imported ${file.name}.` }
        : { ok: false, message: `${file.name}: ${r.message}` },
    );
  }

  return (
    <Card title="Config file">
      <p className="muted">
        The same JSON document <code>--config</code> reads: clients, launch context, token settings and armed
        failures.
      </p>
      <div className="button-row">
        <button type="button" className="button" onClick={exportConfig}>
          Export config
        </button>
        <FileButton accept="application/json,.json" inputLabel="Config file to import" onChange={onFile}>
          Import config…
        </FileButton>
      </div>
      {result === undefined ? null : result.ok ? (
        <p role="status" className="ok-text">
          {result.message}
        </p>
      ) : (
        <ErrorText message={result.message} />
      )}
    </Card>
  );
}

function Appearance() {
  const theme = useApp(selectTheme);
  const setTheme = useApp((s) => s.setTheme);
  const labels: Record<ThemeChoice, string> = { system: 'Follow the system', light: 'Light', dark: 'Dark' };
  return (
    <Card title="Appearance">
      <RadioGroup legend="Theme" name="theme" labels={labels} value={theme} onChange={setTheme} />
    </Card>
  );
}

function Session() {
  const session = useApp(selectSession);
  const signIn = useApp((s) => s.signIn);
  const signOut = useApp((s) => s.signOut);
  if (session.status !== 'signed-in') return null;
  const env = browserTokenEnvironment();
  return (
    <Card title="Admin token">
      <p className="muted">
        The token from the start-up URL is kept for this tab only, unless you ask to be remembered on this
        computer.
      </p>
      <Choice
        checked={session.remembered || isRemembered(env)}
        onChange={(on) => {
          keepAdminToken(env, session.token, on);
          signIn(session.token, on);
        }}
        label="Remember on this computer"
      />
      <div className="button-row">
        <button
          type="button"
          className="button"
          onClick={() => {
            forgetAdminToken(env);
            signOut();
          }}
        >
          Sign out
        </button>
      </div>
    </Card>
  );
}
