import { useEffect, useRef, useState } from 'react';
import type { JSONWebKeySet } from 'jose';
import { canAuthenticate, introspectToken } from '../api/oauth-client.js';
import type { Artefact, ArtefactKind, GrantFamily } from '../api/types.js';
import { useNow } from '../lib/use-now.js';
import {
  ClaimTimes,
  CodeBlock,
  CopyValue,
  EmptyState,
  ErrorText,
  Loading,
  StateBadge,
} from '../components/common.js';
import { formatDuration, secondsLeft } from '../lib/duration.js';
import { decodeJwt } from '../lib/jwt.js';
import { verifySignature, type SignatureStatus } from '../lib/verify-jwt.js';
import {
  artefactStateAt,
  selectClientList,
  selectGrantFamilies,
  selectGrants,
  selectServer,
} from '../store/selectors.js';
import { messageOf } from '../store/errors.js';
import { useApp, useDeps, useLoad } from '../store/react.js';

const KIND_LABEL: Record<ArtefactKind, string> = {
  code: 'Authorization code',
  access_token: 'Access token',
  refresh_token: 'Refresh token',
  id_token: 'ID token',
};

/** The server's published keys, fetched once while the view is open. */
function useJwks(): JSONWebKeySet | undefined {
  const server = useApp(selectServer);
  const { fetch: doFetch } = useDeps();
  const uri = server.status === 'ready' ? server.data.discovery?.jwks_uri : undefined;
  const [jwks, setJwks] = useState<JSONWebKeySet>();
  useEffect(() => {
    if (uri === undefined) return;
    let cancelled = false;
    void doFetch(uri)
      .then((r) => r.json() as Promise<JSONWebKeySet>)
      .then((doc) => {
        if (!cancelled) setJwks(doc);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [uri, doFetch]);
  return jwks;
}

export function TokensView() {
  const grants = useApp(selectGrants);
  const families = useApp(selectGrantFamilies);
  const now = useNow();
  const jwks = useJwks();
  useLoad((s) => s.loadGrants);
  if (grants.status === 'idle' || grants.status === 'loading') return <Loading what="codes and tokens" />;
  if (grants.status === 'error')
    return <ErrorText message={`Cannot list codes and tokens: ${grants.message}`} />;
  if (families.length === 0) {
    return (
      <EmptyState title="Nothing issued yet">
        <p>
          Codes and tokens appear here as the sandbox issues them, grouped by the grant they belong to. Press
          “Try it” on the Overview to issue a first token.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="view-body">
      <p className="muted">
        Each group is one grant: the code and every token issued from it. Revoking a grant stops all of them.
      </p>
      <ul className="families" aria-label="Grants">
        {families.map((f) => (
          <Family key={f.id} family={f} now={now} jwks={jwks} />
        ))}
      </ul>
    </div>
  );
}

function Family({
  family,
  now,
  jwks,
}: {
  readonly family: GrantFamily;
  readonly now: number;
  readonly jwks: JSONWebKeySet | undefined;
}) {
  const revoke = useApp((s) => s.revokeArtefact);
  const focused = useApp((s) => s.focusedGrantId) === family.id;
  const ref = useRef<HTMLLIElement>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const state = family.state;
  // Opened from the inspector at this grant: bring it into view.
  useEffect(() => {
    if (focused) ref.current?.scrollIntoView({ block: 'start' });
  }, [focused]);
  // Revoking the code or refresh token revokes the whole grant on the server; a lone token is revoked itself.
  async function onRevoke() {
    setBusy(true);
    const live = family.artefacts.filter((a) => a.state === 'active' && a.kind !== 'id_token');
    const root = live.find((a) => a.kind === 'refresh_token' || a.kind === 'code');
    let message: string | undefined;
    for (const a of root === undefined ? live : [root]) {
      const result = await revoke(a.id);
      if (!result.ok) message = result.message;
    }
    setBusy(false);
    setError(message);
  }
  return (
    <li
      ref={ref}
      className={`card family${focused ? ' focused' : ''}`}
      data-grant-id={family.id}
      data-state={state}
    >
      <header className="card-header">
        <h2>
          Grant <code>{family.id}</code> · {family.clientId}
        </h2>
        <div className="card-actions">
          <StateBadge state={state} />
          <button
            type="button"
            className="button small danger"
            onClick={onRevoke}
            disabled={busy || state === 'revoked'}
            aria-label={`Revoke grant ${family.id}`}
          >
            Revoke grant
          </button>
        </div>
      </header>
      <p className="muted small">issued {new Date(family.createdAt).toLocaleTimeString()}</p>
      <ErrorText message={error} />
      <ul className="artefacts">
        {family.artefacts.map((a) => (
          <ArtefactItem key={a.id} artefact={a} clientId={family.clientId} now={now} jwks={jwks} />
        ))}
      </ul>
    </li>
  );
}

function ArtefactItem({
  artefact: a,
  clientId,
  now,
  jwks,
}: {
  readonly artefact: Artefact;
  readonly clientId: string;
  readonly now: number;
  readonly jwks: JSONWebKeySet | undefined;
}) {
  const expire = useApp((s) => s.expireArtefact);
  const revoke = useApp((s) => s.revokeArtefact);
  const held = useApp((s) => s.heldTokens[a.id]);
  const holdToken = useApp((s) => s.holdToken);
  const openInInspector = useApp((s) => s.openInInspector);
  const { api } = useDeps();
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<string>();
  const state = artefactStateAt(a, now);
  const left = secondsLeft(a.expiresAt, now);
  async function onExpire() {
    const result = await expire(a.id);
    setError(result.ok ? undefined : result.message);
  }
  async function onRevoke() {
    const result = await revoke(a.id);
    setError(result.ok ? undefined : result.message);
  }
  // The list shows a preview; the whole value (JWT, code or refresh token) is fetched on first use, on purpose.
  const isJwt = a.kind === 'access_token' || a.kind === 'id_token';
  async function tokenValue(): Promise<string | undefined> {
    if (held !== undefined) return held;
    try {
      const token = await api.getArtefactToken(a.id);
      holdToken(a.id, token);
      return token;
    } catch (err) {
      setError(`Cannot fetch the token: ${messageOf(err)}`);
      return undefined;
    }
  }
  async function onDecode() {
    if (open) {
      setOpen(false);
      return;
    }
    if ((await tokenValue()) !== undefined) setOpen(true);
  }
  async function onShow() {
    if (shown) {
      setShown(false);
      return;
    }
    if ((await tokenValue()) !== undefined) setShown(true);
  }
  async function onInspect() {
    const token = await tokenValue();
    if (token !== undefined) await openInInspector(token);
  }
  return (
    <li className="artefact" data-kind={a.kind} data-state={state}>
      <div className="artefact-row">
        <span className="artefact-kind">{KIND_LABEL[a.kind]}</span>
        <StateBadge state={state} />
        {/* The preview already ends in an ellipsis when the value is longer (server/exchanges/mask.ts). */}
        <code className="artefact-preview small" title={`id ${a.id}`}>
          {a.preview}
        </code>
        <span
          className="countdown mono"
          aria-label={state === 'active' ? `expires in ${formatDuration(left)}` : undefined}
        >
          {state === 'active'
            ? `expires in ${formatDuration(left)}`
            : `expired at ${new Date(a.expiresAt).toLocaleTimeString()}`}
        </span>
        <span className="row-actions">
          <button
            type="button"
            className="button small ghost"
            aria-expanded={shown}
            aria-label={`${shown ? 'Hide' : 'Show'} the whole ${KIND_LABEL[a.kind].toLowerCase()} ${a.preview}`}
            onClick={() => void onShow()}
          >
            {shown ? 'Hide' : 'Show'}
          </button>
          <button
            type="button"
            className="button small ghost"
            aria-label={`Inspect ${KIND_LABEL[a.kind].toLowerCase()} ${a.preview}`}
            onClick={() => void onInspect()}
          >
            Inspect
          </button>
          {isJwt ? (
            <button
              type="button"
              className="button small ghost"
              aria-expanded={open}
              onClick={() => void onDecode()}
            >
              {open ? 'Hide JWT' : 'Decode'}
            </button>
          ) : null}
          {a.kind === 'access_token' ? <IntrospectButton token={tokenValue} clientId={clientId} /> : null}
          {a.kind === 'id_token' ? null : (
            <button
              type="button"
              className="button small danger"
              onClick={onRevoke}
              disabled={state !== 'active'}
            >
              Revoke
            </button>
          )}
          <button type="button" className="button small" onClick={onExpire} disabled={state !== 'active'}>
            Expire now
          </button>
        </span>
      </div>
      <ErrorText message={error} />
      {shown && held !== undefined ? (
        <p className="artefact-value">
          <CopyValue value={held} />
        </p>
      ) : null}
      {open && held !== undefined ? <JwtPanel token={held} jwks={jwks} now={now} /> : null}
    </li>
  );
}

function IntrospectButton({
  token: tokenValue,
  clientId,
}: {
  readonly token: () => Promise<string | undefined>;
  readonly clientId: string;
}) {
  const clients = useApp(selectClientList);
  const server = useApp(selectServer);
  const { fetch: doFetch } = useDeps();
  const [result, setResult] = useState<string>();
  const client = clients.find((c) => c.clientId === clientId);
  const endpoint = server.status === 'ready' ? server.data.discovery?.introspection_endpoint : undefined;
  if (client === undefined || !canAuthenticate(client) || endpoint === undefined) return null;
  async function run() {
    if (client === undefined || endpoint === undefined) return;
    const token = await tokenValue();
    if (token === undefined) return;
    const r = await introspectToken(endpoint, client, token, doFetch);
    const active =
      typeof r.body === 'object' && r.body !== null ? (r.body as { active?: unknown }).active : undefined;
    setResult(
      r.status === 200 ? `introspection: active ${String(active)}` : `introspection answered ${r.status}`,
    );
  }
  return (
    <>
      <button type="button" className="button small ghost" onClick={run}>
        Introspect
      </button>
      {result === undefined ? null : (
        <span className="introspection" role="status" data-testid="introspection">
          {result}
        </span>
      )}
    </>
  );
}

function JwtPanel({
  token,
  jwks,
  now,
}: {
  readonly token: string;
  readonly jwks: JSONWebKeySet | undefined;
  readonly now: number;
}) {
  const decoded = decodeJwt(token);
  const [signature, setSignature] = useState<SignatureStatus>();
  useEffect(() => {
    if (jwks === undefined) return;
    let cancelled = false;
    void verifySignature(token, jwks).then((s) => {
      if (!cancelled) setSignature(s);
    });
    return () => {
      cancelled = true;
    };
  }, [token, jwks]);
  if (!decoded.ok) return <ErrorText message={decoded.reason} />;
  return (
    <div className="jwt">
      <p className="signature" data-state={signature?.status ?? 'checking'}>
        Signature:{' '}
        {signature === undefined
          ? 'checking against the JWKS…'
          : signature.status === 'valid'
            ? `valid (key ${signature.kid ?? 'without kid'})`
            : `invalid: ${signature.reason}`}
      </p>
      <div className="two-col">
        <div>
          <h3>Header</h3>
          <CodeBlock>{JSON.stringify(decoded.header, null, 2)}</CodeBlock>
        </div>
        <div>
          <h3>Claims</h3>
          <ClaimTimes claims={decoded.claims} now={now} />
          <CodeBlock>{JSON.stringify(decoded.claims, null, 2)}</CodeBlock>
        </div>
      </div>
    </div>
  );
}
