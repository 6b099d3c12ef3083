import { useState } from 'react';
import { readFhirResource, requestClientCredentialsToken, type HttpResult } from '../api/oauth-client.js';
import type { ClientConfig } from '../api/types.js';
import { Card, ClaimTimes, CodeBlock, CopyValue, ErrorText, Loading } from '../components/common.js';
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
    ['Workbench and issuer', info.base],
    ['SMART configuration', `${info.base}/.well-known/smart-configuration`],
    ['OpenID configuration', `${info.base}/.well-known/openid-configuration`],
    ['Authorization endpoint', d?.authorization_endpoint],
    ['Token endpoint', d?.token_endpoint],
    ['Introspection endpoint', d?.introspection_endpoint],
    ['Revocation endpoint', d?.revocation_endpoint],
    ['JWKS', d?.jwks_uri],
    ['FHIR base (iss of an EHR launch)', `${info.base}/fhir`],
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
          <button key={label} type="button" className="stat" onClick={() => setView(view)}>
            <span className="stat-value">{value}</span>
            <span className="stat-label">{label}</span>
          </button>
        ))}
      </div>
      <TryItCard
        tokenEndpoint={d?.token_endpoint}
        fhirBase={`${info.base}/fhir`}
        patient={info.effective.launch.patient}
      />
      <Card title="Endpoints">
        <p className="muted">
          Profile <strong>{info.effective.profile}</strong>. Apps find every endpoint through discovery; point
          yours at the SMART configuration URL.
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

function TryItCard({
  tokenEndpoint,
  fhirBase,
  patient,
}: {
  readonly tokenEndpoint: string | undefined;
  readonly fhirBase: string;
  readonly patient: string;
}) {
  const client = useApp(selectTryItClient);
  // Until the client list has loaded, "no client can use client_credentials" is not known: a click then would
  // register sample-app beside a client that could have been used.
  const clientsKnown = useApp((s) => s.clients.status === 'ready' || s.clients.status === 'error');
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
        {!clientsKnown ? (
          <>Loading the registered clients…</>
        ) : client === undefined ? (
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
          disabled={busy || !clientsKnown}
          data-state={state.step}
        >
          {busy ? 'Requesting…' : 'Try it'}
        </button>
      </div>
      <div aria-live="polite">
        {state.step === 'failed' ? <ErrorText message={state.message} /> : null}
        {state.step === 'done' ? <TryItResult result={state.result} clientId={state.clientId} /> : null}
        {state.step === 'done' && accessTokenOf(state.result) !== undefined ? (
          <NextSteps token={accessTokenOf(state.result) ?? ''} fhirBase={fhirBase} patient={patient} />
        ) : null}
      </div>
    </Card>
  );
}

function accessTokenOf(result: HttpResult): string | undefined {
  if (result.status !== 200 || typeof result.body !== 'object' || result.body === null) return undefined;
  const token = (result.body as { access_token?: unknown }).access_token;
  return typeof token === 'string' ? token : undefined;
}

type PatientRead =
  | { readonly step: 'idle' }
  | { readonly step: 'reading' }
  | { readonly step: 'done'; readonly result: HttpResult }
  | { readonly step: 'failed'; readonly message: string };

/** What an app does with its token next: read FHIR with it, or be launched by the EHR. */
function NextSteps({
  token,
  fhirBase,
  patient,
}: {
  readonly token: string;
  readonly fhirBase: string;
  readonly patient: string;
}) {
  const setView = useApp((s) => s.setView);
  const { fetch: doFetch } = useDeps();
  const [read, setRead] = useState<PatientRead>({ step: 'idle' });
  const resourcePath = `Patient/${encodeURIComponent(patient)}`;

  async function readPatient() {
    setRead({ step: 'reading' });
    try {
      setRead({ step: 'done', result: await readFhirResource(fhirBase, resourcePath, token, doFetch) });
    } catch (err) {
      setRead({
        step: 'failed',
        message: `the FHIR read did not complete: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  const result = read.step === 'done' ? read.result : undefined;
  const ok = result?.status === 200;
  return (
    <div className="next-steps">
      <h3>Next: use the token</h3>
      <p>
        Send it as <code>Authorization: Bearer …</code> to the FHIR base, or launch an app the way an EHR
        does.
      </p>
      <div className="button-row">
        <button
          type="button"
          className="button"
          onClick={readPatient}
          disabled={read.step === 'reading'}
          data-state={read.step}
        >
          Read a patient with it
        </button>
        <button type="button" className="button ghost" onClick={() => setView('launch')}>
          Launch an app
        </button>
      </div>
      {read.step === 'failed' ? <ErrorText message={read.message} /> : null}
      {result === undefined ? null : (
        <div
          className={`result ${ok ? 'ok' : 'bad'}`}
          data-testid="patient-read-result"
          data-status={result.status}
        >
          <p className="result-title">
            GET <code>{`${fhirBase}/${resourcePath}`}</code> answered {result.status}
            {ok ? '.' : ': the token does not grant this read (see the OperationOutcome below).'}
          </p>
          <CodeBlock label={`Response to GET ${resourcePath}`}>
            {typeof result.body === 'string' ? result.text : JSON.stringify(result.body, null, 2)}
          </CodeBlock>
        </div>
      )}
    </div>
  );
}

function TryItResult({ result, clientId }: { readonly result: HttpResult; readonly clientId: string }) {
  // The relative times count from when the answer arrived, like the token's own expires_in.
  const [shownAt] = useState(() => Date.now());
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
          <CodeBlock>{body === undefined ? result.text : JSON.stringify(body, null, 2)}</CodeBlock>
        </div>
        {decoded?.ok === true ? (
          <div>
            <h3>Access token claims</h3>
            <ClaimTimes claims={decoded.claims} now={shownAt} />
            <CodeBlock>{JSON.stringify(decoded.claims, null, 2)}</CodeBlock>
          </div>
        ) : null}
      </div>
    </div>
  );
}
