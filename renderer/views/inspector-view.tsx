import { useId } from 'react';
import type { Inspection } from '../../server/tokens/inspection.js';
import { ClaimTimes, ErrorText, Loading } from '../components/common.js';
import { DEFAULT_FILTERS } from '../store/ui-slice.js';
import { useApp } from '../store/react.js';
import { useNow } from '../lib/use-now.js';
import { AnnotatedTable } from './flow-lab/annotated-table.js';

const KIND_LABEL = {
  code: 'an authorization code',
  access_token: 'an access token',
  refresh_token: 'a refresh token',
  id_token: 'an ID token',
} as const;

export function InspectorView() {
  const input = useApp((s) => s.inspectorInput);
  const setInput = useApp((s) => s.setInspectorInput);
  const inspect = useApp((s) => s.inspect);
  const inspection = useApp((s) => s.inspection);
  const boxId = useId();
  return (
    <div className="view-body inspector">
      <form
        className="inspector-form"
        aria-label="Inspect a token"
        onSubmit={(e) => {
          e.preventDefault();
          void inspect();
        }}
      >
        <label htmlFor={boxId}>Token</label>
        <textarea
          id={boxId}
          className="mono"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          value={input}
          placeholder="eyJhbGciOi… or an opaque code or refresh token"
          onChange={(e) => setInput(e.target.value)}
        />
        <p className="muted small">
          Paste any JWT or opaque token: the server decodes it, checks its signature against its own keys and
          says whether it would accept it now, and why not. Nothing changes: inspecting a code does not use
          it.
        </p>
        <div className="button-row">
          <button type="submit" className="button">
            Inspect
          </button>
        </div>
      </form>
      {inspection.status === 'loading' ? <Loading what="the server’s verdict" /> : null}
      {inspection.status === 'error' ? <ErrorText message={inspection.message} /> : null}
      {inspection.status === 'ready' ? <InspectionResult inspection={inspection.data} /> : null}
    </div>
  );
}

function InspectionResult({ inspection: i }: { readonly inspection: Inspection }) {
  const now = useNow();
  const v = i.verdict;
  return (
    <div className="inspection">
      <div
        className={`verdict ${v.state === 'active' ? 'accepted' : 'rejected'}`}
        data-testid="inspector-verdict"
        data-state={v.state}
      >
        {/* The summary starts with the state in words ("expired at …"), so no badge repeats it. */}
        <p className="verdict-summary">
          {v.summary}
          <span className="rule"> — {v.rule}</span>
        </p>
        <p className="muted small">
          {i.format === 'jwt' ? 'A JWT' : 'An opaque token'}
          {i.kind === undefined ? '' : `, taken for ${KIND_LABEL[i.kind]}`}
          {i.clientId === undefined ? '' : ` of client ${i.clientId}`}
          {v.at === undefined ? '' : ` · since ${new Date(v.at).toLocaleString()}`}
        </p>
        <p className="signature" data-state={i.signature.status}>
          Signature: {i.signature.status === 'valid' ? 'valid' : i.signature.status}
          {i.signature.kid === undefined ? '' : ` (key ${i.signature.kid})`}: {i.signature.detail}
        </p>
      </div>
      <Links inspection={i} />
      {i.canTell.length + i.cannotTell.length === 0 ? null : (
        <div className="two-col">
          <div>
            <h3>What the server can tell</h3>
            <ul>
              {i.canTell.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          </div>
          <div>
            <h3>What it cannot</h3>
            <ul>
              {i.cannotTell.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {i.claims === undefined ? null : <ClaimTimes claims={i.claims} now={now} />}
      {i.header === undefined ? null : (
        <AnnotatedTable caption="Header" rows={rowsOf(i.header)} place="jose-header" />
      )}
      {i.claims === undefined ? null : (
        <AnnotatedTable caption="Claims" rows={rowsOf(i.claims)} place="claim" />
      )}
    </div>
  );
}

/** A JSON object's members as name/value rows; a value that is not a string is shown as JSON. */
function rowsOf(record: Readonly<Record<string, unknown>>): (readonly [string, string])[] {
  return Object.entries(record).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

/**
 * Where to look next: the grant in Codes & tokens, each exchange the token appeared in (found by the server's
 * digest index, since the log keeps only a token's first characters), and the client's exchanges in Activity.
 */
function Links({ inspection: i }: { readonly inspection: Inspection }) {
  const setView = useApp((s) => s.setView);
  const showGrant = useApp((s) => s.showGrant);
  const showExchange = useApp((s) => s.showExchange);
  const setFilters = useApp((s) => s.setActivityFilters);
  const clientId = i.clientId;
  return (
    <>
      {i.grantId === undefined && i.artefactId === undefined && clientId === undefined ? null : (
        <div className="button-row">
          {i.grantId === undefined && i.artefactId === undefined ? null : (
            <button type="button" className="button small ghost" onClick={() => showGrant(i.grantId)}>
              {i.grantId === undefined ? 'Open Codes & tokens' : `Open grant ${i.grantId} in Codes & tokens`}
            </button>
          )}
          {clientId === undefined ? null : (
            <button
              type="button"
              className="button small ghost"
              onClick={() => {
                setFilters({ ...DEFAULT_FILTERS, clientId });
                setView('activity');
              }}
            >
              Show {clientId}’s exchanges in Activity
            </button>
          )}
        </div>
      )}
      <nav className="inspector-exchanges" aria-label="Exchanges this token appeared in">
        <h3>Exchanges it appeared in, newest first</h3>
        {i.exchanges.length === 0 ? (
          <p className="muted small">
            None in the exchange log: the token was not sent or received while the log kept it.
          </p>
        ) : (
          <ul className="button-row">
            {i.exchanges.map((seq) => (
              <li key={seq}>
                <button
                  type="button"
                  className="button small ghost mono"
                  aria-label={`Open exchange ${seq} in Activity`}
                  onClick={() => void showExchange(seq)}
                >
                  #{seq}
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>
    </>
  );
}
