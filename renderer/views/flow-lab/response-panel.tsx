import type { ServerRecord } from '../../flow-lab/server-side.js';
import { verdictOf } from '../../flow-lab/runner.js';
import { parseJson, queryParams, type WireResponse } from '../../flow-lab/wire.js';
import { decodeJwt } from '../../lib/jwt.js';
import { CodeBlock, StatusBadge } from '../../components/common.js';
import { AnnotatedTable } from './annotated-table.js';

const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;

/** A JWT in a response, decoded: header and claims (the signature is checked by whoever relies on it). */
export function DecodedJwtView({ name, token }: { readonly name: string; readonly token: string }) {
  const decoded = decodeJwt(token);
  if (!decoded.ok) return null;
  return (
    <details className="jwt" open>
      <summary>
        <code>{name}</code> decoded (a JWT: header, claims, signature)
      </summary>
      <div className="two-col">
        <div>
          <p className="table-caption">Header</p>
          <CodeBlock>{JSON.stringify(decoded.header, null, 2)}</CodeBlock>
        </div>
        <div>
          <p className="table-caption">Claims</p>
          <CodeBlock>{JSON.stringify(decoded.claims, null, 2)}</CodeBlock>
        </div>
      </div>
    </details>
  );
}

function prettyBody(body: string): string {
  const json = parseJson(body);
  if (json !== undefined) return JSON.stringify(json, null, 2);
  return body.length > 2000 ? `${body.slice(0, 2000)}…` : body;
}

/** The response: status, headers, body pretty-printed, JWTs decoded, and what the server made of it. */
export function ResponsePanel({ response }: { readonly response: WireResponse }) {
  const json = parseJson(response.body);
  const fields = json === undefined ? [] : Object.entries(json);
  const jwts = fields.filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && JWT_SHAPE.test(entry[1]),
  );
  const annotated = fields
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]): [string, string] => [k, String(v)]);
  return (
    <section className="lab-panel" aria-label="Response">
      <h3>Response</h3>
      {response.redirectedTo === undefined ? (
        <p className="request-line">
          <StatusBadge status={response.status} />
        </p>
      ) : (
        <>
          <p className="request-line">
            <span className="badge status status-3xx">redirect</span> The server sent the browser to{' '}
            <code className="wrap">{response.redirectedTo.split('?')[0]}</code> (the browser followed it to
            the sandbox’s callback page).
          </p>
          <AnnotatedTable
            caption="Parameters of the redirect"
            rows={queryParams(response.redirectedTo)}
            place="param"
          />
        </>
      )}
      <details className="lab-details">
        <summary>Headers ({Object.keys(response.headers).length})</summary>
        <AnnotatedTable
          caption="Response headers"
          rows={Object.entries(response.headers)}
          place="response-header"
        />
      </details>
      {annotated.length > 0 && annotated.length <= 12 ? (
        <AnnotatedTable caption="Response fields" rows={annotated} place="response" />
      ) : null}
      {response.body === '' ? null : (
        <details className="lab-details" open={json !== undefined && annotated.length > 12}>
          <summary>Body</summary>
          <CodeBlock>{prettyBody(response.body)}</CodeBlock>
        </details>
      )}
      {jwts.map(([name, token]) => (
        <DecodedJwtView key={name} name={name} token={token} />
      ))}
    </section>
  );
}

/** The OAuth error code of a refusal: from a JSON body, or from the redirect's query. */
function errorCodeOf(response: WireResponse): string | undefined {
  if (response.redirectedTo !== undefined) {
    return new URL(response.redirectedTo).searchParams.get('error') ?? undefined;
  }
  const error = parseJson(response.body)?.['error'];
  return typeof error === 'string' ? error : undefined;
}

/** The verdict: the exchange log's, with every reason and rule, else the response's own error. */
export function ServerVerdict({
  response,
  server,
  logged,
}: {
  readonly response: WireResponse;
  readonly server: ServerRecord | undefined;
  /** Whether the exchange log records requests like this one (it leaves out the admin API). */
  readonly logged: boolean;
}) {
  if (server === undefined) {
    const verdict = verdictOf(response);
    return (
      <div
        className={`verdict lab-verdict${verdict.ok ? '' : ' rejected'}`}
        data-outcome={verdict.ok ? 'accepted' : 'rejected'}
        role="status"
      >
        <p className="verdict-summary">
          {verdict.ok ? 'Accepted' : 'Rejected'}: {verdict.text}
        </p>
        <p className="muted small">
          {logged
            ? 'The exchange log had no record of this request yet: this is what the response itself says.'
            : 'An admin API call: the exchange log (Activity) does not record these.'}
        </p>
      </div>
    );
  }
  const { verdict } = server;
  const error = errorCodeOf(response);
  // The summary already says the one reason and its rule; a list helps only when there are several.
  const summary = verdict.summary.replace(/^(accepted|rejected|no answer): /, '');
  return (
    <div
      className={`verdict lab-verdict${verdict.outcome === 'accepted' ? '' : ' rejected'}`}
      data-outcome={verdict.outcome}
      role="status"
    >
      <p className="verdict-summary">
        The server’s verdict: {verdict.outcome}
        {error === undefined ? null : (
          <>
            {' '}
            with <code>{error}</code>
          </>
        )}
      </p>
      <p className="verdict-text">{summary}</p>
      {verdict.reasons.length < 2 ? null : (
        <ul className="reasons">
          {verdict.reasons.map((r, i) => (
            <li key={i}>
              {r.text}
              {r.rule === undefined ? null : <span className="rule"> — {r.rule}</span>}
            </li>
          ))}
        </ul>
      )}
      <p className="muted small">Exchange #{server.seq} in Activity.</p>
    </div>
  );
}
