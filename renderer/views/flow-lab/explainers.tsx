import { CodeBlock } from '../../components/common.js';
import type { PkceMaterial } from '../../flow-lab/pkce.js';
import type { PkceComparison } from '../../flow-lab/server-side.js';
import type { FamilyTimeline } from '../../flow-lab/timeline.js';
import { decodeJwt } from '../../lib/jwt.js';

/** PKCE made visible: the verifier, its SHA-256 digest, the challenge; at the token step the server's check. */
export function PkcePanel({
  pkce,
  comparison,
  presented,
}: {
  readonly pkce: PkceMaterial;
  readonly comparison: PkceComparison | undefined;
  /** The code_verifier the token request carried (edited or not). */
  readonly presented: string | undefined;
}) {
  return (
    <section className="lab-panel pkce" aria-label="PKCE">
      <h3>PKCE (RFC 7636)</h3>
      <dl className="facts pkce-steps">
        <dt>code_verifier (kept by the app, RFC 7636 §4.1)</dt>
        <dd>
          <code className="wrap">{pkce.verifier}</code>
        </dd>
        <dt>SHA-256(code_verifier), hex</dt>
        <dd>
          <code className="wrap">{pkce.sha256Hex}</code>
        </dd>
        <dt>code_challenge = BASE64URL(SHA-256), sent at authorize (RFC 7636 §4.2)</dt>
        <dd>
          <code className="wrap">{pkce.challenge}</code>
        </dd>
      </dl>
      {comparison === undefined ? null : (
        <div
          className={`pkce-compare ${comparison.matched ? 'match' : 'mismatch'}`}
          data-state={comparison.matched ? 'match' : 'mismatch'}
          aria-label="The server's PKCE check"
          role="group"
        >
          <p className="compare-title">
            The server’s check at the token endpoint ({comparison.rule}):{' '}
            <strong>{comparison.matched ? 'match' : 'mismatch'}</strong>
          </p>
          {presented === undefined ? null : (
            <p className="small">
              Presented code_verifier: <code className="wrap">{presented}</code>
            </p>
          )}
          <div className="compare-grid">
            <div>
              <p className="table-caption">Stored code_challenge</p>
              <code className="wrap" data-testid="pkce-stored">
                {comparison.stored}
              </code>
            </div>
            <div>
              <p className="table-caption">S256(presented code_verifier), computed by the server</p>
              <code className="wrap" data-testid="pkce-computed">
                {comparison.computed}
              </code>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

/** The refresh token family: RT1 → RT2 → RT3, each token's state, and a reuse revoking them all. */
export function FamilyTimelineView({ timeline }: { readonly timeline: FamilyTimeline }) {
  return (
    <section
      className="lab-panel family"
      aria-label="Refresh token family"
      data-state={timeline.revoked ? 'revoked' : 'live'}
    >
      <h3>Refresh token family (RFC 9700 §4.14.2)</h3>
      {timeline.tokens.length === 0 ? (
        <p className="muted">No refresh token yet: the code exchange issues RT1.</p>
      ) : (
        <ol className="family-tokens">
          {timeline.tokens.map((t) => (
            <li key={t.label} className={`family-token state-${t.state}`} data-state={t.state}>
              <span className="family-label">{t.label}</span>
              <code>{t.short}</code>
              <span className="badge">{t.state}</span>
            </li>
          ))}
        </ol>
      )}
      {timeline.events.length === 0 ? null : (
        <ol className="family-events">
          {timeline.events.map((e) => (
            <li key={e.stepIndex} className={e.ok ? 'ok-text' : 'bad-text'}>
              <strong>{e.label}</strong>: {e.ok ? 'accepted' : 'rejected'} — {e.text}
            </li>
          ))}
        </ol>
      )}
      {timeline.revoked ? (
        <p className="family-revoked" role="alert">
          Family revoked: a rotated refresh token was presented again, so two parties hold it. The server
          cannot tell which one is honest and revokes every token of the grant.
        </p>
      ) : null}
    </section>
  );
}

/** A backend service's client assertion: decoded (header, claims) and as the signed compact JWT. */
export function AssertionPanel({ assertion }: { readonly assertion: string }) {
  const decoded = decodeJwt(assertion);
  const [header = '', claims = '', signature = ''] = assertion.split('.');
  return (
    <section className="lab-panel assertion" aria-label="Client assertion">
      <h3>Client assertion (RFC 7523 §3)</h3>
      {decoded.ok ? (
        <div className="two-col">
          <div>
            <p className="table-caption">Header (alg, kid of the registered key)</p>
            <CodeBlock>{JSON.stringify(decoded.header, null, 2)}</CodeBlock>
          </div>
          <div>
            <p className="table-caption">Claims (iss = sub = client_id, aud = token URL, jti, exp)</p>
            <CodeBlock>{JSON.stringify(decoded.claims, null, 2)}</CodeBlock>
          </div>
        </div>
      ) : null}
      <p className="table-caption">Signed, compact serialization (header.claims.signature)</p>
      <p className="code-block compact-jwt">
        <span className="jwt-header">{header}</span>.<span className="jwt-claims">{claims}</span>.
        <span className="jwt-signature">{signature}</span>
      </p>
    </section>
  );
}
