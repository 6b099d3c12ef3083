import { useState } from 'react';
import { requestClientCredentialsToken, type HttpResult } from '../api/oauth-client.js';
import type { ClientConfig } from '../api/types.js';
import { Card, CopyValue, ErrorText, Loading } from '../components/common.js';
import { decodeJwt } from '../lib/jwt.js';
import { randomSecret } from '../lib/random.js';
import { selectCounts, selectServer, selectTryItClient } from '../store/selectors.js';
import { useApp, useDeps } from '../store/react.js';
import type { ViewId } from '../store/ui-slice.js';

/** The "Try it" flow: each step its own state, so a result never shows beside a spinner. */
type TryIt =
  | { readonly step: 'idle' }
  | { readonly step: 'creating-client' }
  | { readonly step: 'requesting'; readonly clientId: string }
  | { readonly step: 'done'; readonly clientId: string; readonly result: HttpResult }
  | { readonly step: 'failed'; readonly message: string };

export const SAMPLE_CLIENT_ID = 'sample-app';

function sampleClient(): ClientConfig {
  return {
    clientId: SAMPLE_CLIENT_ID,
    clientName: 'Sample backend app',
    clientSecret: randomSecret(),
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: ['client_credentials'],
    scope: 'system/*.rs',
    redirectUris: [],
  };
}

/**
 * The system scopes a client may ask for on its own (client_credentials carries no patient or user, SMART
 * Backend Services), or `system/*.rs` when it has none: a token that reads FHIR, or the server's refusal
 * saying which scope the client lacks, never a token for nothing.
 */
function systemScope(client: ClientConfig): string {
  const scopes = (client.scope ?? '').split(/\s+/).filter((s) => s.startsWith('system/'));
  return scopes.length === 0 ? 'system/*.rs' : scopes.join(' ');
}

export function OverviewView() {
  const server = useApp(selectServer);
  const counts = useApp(selectCounts);
  const setView = useApp((s) => s.setView);

  if (server.status === 'idle' || server.status === 'loading')
    return <Loading what="the server's settings" />;
  if (server.status === 'error') return <ErrorText message={server.message} />;
  const info = server.data;
  const d = info.discovery;
  const links: [string, string | undefined][] = [
    ['Workbench and issuer', info.origin],
    ['SMART configuration', `${info.origin}/.well-known/smart-configuration`],
    ['OpenID configuration', `${info.origin}/.well-known/openid-configuration`],
    ['Authorization endpoint', d?.authorization_endpoint],
    ['Token endpoint', d?.token_endpoint],
    ['Introspection endpoint', d?.introspection_endpoint],
    ['Revocation endpoint', d?.revocation_endpoint],
    ['JWKS', d?.jwks_uri],
    ['FHIR base (iss of an EHR launch)', `${info.origin}/fhir`],
  ];
  const countCards: [string, number, ViewId][] = [
    ['Clients', counts.clients, 'clients'],
    ['Active grants', counts.activeGrants, 'tokens'],
    ['Exchanges', counts.exchanges, 'activity'],
    ['Armed failures', counts.armedFailures, 'failures'],
  ];
  return (
    <div className="view-body overview">
      <div className="stat-row">
        {countCards.map(([label, value, view]) => (
          <button
            key={label}
            type="button"
            className="stat"
            onClick={() => setView(view)}
            aria-label={`${label}: ${value}. Open ${label}`}
          >
            <span className="stat-value">{value}</span>
            <span className="stat-label">{label}</span>
          </button>
        ))}
      </div>
      <TryItCard tokenEndpoint={d?.token_endpoint} />
      <Card title="Endpoints">
        <p className="muted">
          Profile <strong>{info.config.profile ?? 'smart'}</strong>. Apps find every endpoint through
          discovery; point yours at the SMART configuration URL.
        </p>
        <ErrorText
          message={info.discoveryError === undefined ? undefined : `Discovery failed: ${info.discoveryError}`}
        />
        <dl className="link-list">
          {links.map(([label, url]) =>
            url === undefined ? null : (
              <div key={label} className="link-row">
                <dt>{label}</dt>
                <dd>
                  <CopyValue value={url} label="Copy URL" />
                </dd>
              </div>
            ),
          )}
        </dl>
      </Card>
    </div>
  );
}

function TryItCard({ tokenEndpoint }: { readonly tokenEndpoint: string | undefined }) {
  const client = useApp(selectTryItClient);
  const saveClient = useApp((s) => s.saveClient);
  const holdToken = useApp((s) => s.holdToken);
  const { fetch: doFetch } = useDeps();
  const [state, setState] = useState<TryIt>({ step: 'idle' });

  async function run() {
    if (tokenEndpoint === undefined) {
      setState({ step: 'failed', message: 'the token endpoint is unknown: discovery did not answer' });
      return;
    }
    let target = client;
    if (target === undefined) {
      setState({ step: 'creating-client' });
      const created = sampleClient();
      const result = await saveClient(created, 'create');
      if (!result.ok) {
        setState({ step: 'failed', message: `could not register the sample client: ${result.message}` });
        return;
      }
      target = created;
    }
    setState({ step: 'requesting', clientId: target.clientId });
    try {
      const result = await requestClientCredentialsToken(tokenEndpoint, target, systemScope(target), doFetch);
      // Keep the token so Codes & tokens can decode and introspect it (the server lists only a preview).
      const token = (result.body as { access_token?: unknown } | undefined)?.access_token;
      if (typeof token === 'string') {
        const decoded = decodeJwt(token);
        if (decoded.ok && typeof decoded.claims['jti'] === 'string') holdToken(decoded.claims['jti'], token);
      }
      setState({ step: 'done', clientId: target.clientId, result });
    } catch (err) {
      setState({
        step: 'failed',
        message: `the token request did not complete: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  const busy = state.step === 'creating-client' || state.step === 'requesting';
  return (
    <Card title="Issue a first token" className="try-it">
      <p>
        {client === undefined ? (
          <>
            No client can use client_credentials yet. “Try it” registers <code>{SAMPLE_CLIENT_ID}</code> with
            a fresh secret and asks the token endpoint for a token, as a backend app would.
          </>
        ) : (
          <>
            “Try it” sends a real <code>client_credentials</code> request as <code>{client.clientId}</code> to
            the token endpoint. It shows up in Activity and in Codes &amp; tokens.
          </>
        )}
      </p>
      <div className="button-row">
        <button
          type="button"
          className="button primary"
          onClick={run}
          disabled={busy}
          data-state={state.step}
        >
          {busy ? 'Requesting…' : 'Try it'}
        </button>
      </div>
      <div aria-live="polite">
        {state.step === 'failed' ? <ErrorText message={state.message} /> : null}
        {state.step === 'done' ? <TryItResult result={state.result} clientId={state.clientId} /> : null}
      </div>
    </Card>
  );
}

function TryItResult({ result, clientId }: { readonly result: HttpResult; readonly clientId: string }) {
  const body =
    typeof result.body === 'object' && result.body !== null
      ? (result.body as Record<string, unknown>)
      : undefined;
  const token = typeof body?.['access_token'] === 'string' ? body['access_token'] : undefined;
  const decoded = token === undefined ? undefined : decodeJwt(token);
  const ok = result.status === 200 && token !== undefined;
  return (
    <div className={`result ${ok ? 'ok' : 'bad'}`} data-testid="try-it-result" data-status={result.status}>
      <p className="result-title">
        {ok
          ? `200 OK: ${clientId} got an access token.`
          : `The token endpoint answered ${result.status}${typeof body?.['error'] === 'string' ? ` ${body['error']}` : ''}.`}
        {typeof body?.['error_description'] === 'string' ? ` ${body['error_description']}` : ''}
      </p>
      <div className="two-col">
        <div>
          <h3>Response</h3>
          <pre className="code-block">{body === undefined ? result.text : JSON.stringify(body, null, 2)}</pre>
        </div>
        {decoded?.ok === true ? (
          <div>
            <h3>Access token claims</h3>
            <pre className="code-block">{JSON.stringify(decoded.claims, null, 2)}</pre>
          </div>
        ) : null}
      </div>
    </div>
  );
}
