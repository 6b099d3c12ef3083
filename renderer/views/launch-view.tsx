import { useState, type SubmitEvent } from 'react';
import type { LaunchResult } from '../api/types.js';
import { CopyValue, EmptyState, ErrorText } from '../components/common.js';
import { openInNewTab, type OpenOutcome } from '../lib/open-tab.js';
import { messageOf } from '../store/errors.js';
import { selectClientList, selectServer } from '../store/selectors.js';
import { useApp, useDeps } from '../store/react.js';

/** The launch flow: a form, then the minted launch with its URL. */
type LaunchState =
  | { readonly step: 'editing' }
  | { readonly step: 'launching' }
  | { readonly step: 'launched'; readonly result: LaunchResult; readonly opened: OpenOutcome }
  | { readonly step: 'failed'; readonly message: string };

const OPENED_MESSAGE: Record<OpenOutcome, string> = {
  'new-tab': 'Launched: the app’s launch URL opened in a new tab.',
  'system-browser': 'Launched: the app’s launch URL opened in your browser.',
  blocked:
    'Launch minted, but the browser blocked the new tab (allow pop-ups for this page, or open the URL yourself):',
};

export function LaunchView() {
  const clients = useApp(selectClientList);
  const server = useApp(selectServer);
  const { api } = useDeps();
  const launchable = clients.filter((c) => c.launchUrl !== undefined);
  const defaults = server.status === 'ready' ? server.data.config.launch : undefined;
  const [clientId, setClientId] = useState('');
  const [patient, setPatient] = useState('');
  const [encounter, setEncounter] = useState('');
  const [fhirUser, setFhirUser] = useState('');
  const [state, setState] = useState<LaunchState>({ step: 'editing' });
  const chosen = clientId === '' ? launchable[0]?.clientId : clientId;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (chosen === undefined) return;
    setState({ step: 'launching' });
    try {
      const result = await api.createLaunch({
        clientId: chosen,
        ...(patient.trim() === '' ? {} : { patient: patient.trim() }),
        ...(encounter.trim() === '' ? {} : { encounter: encounter.trim() }),
        ...(fhirUser.trim() === '' ? {} : { fhirUser: fhirUser.trim() }),
      });
      // The app opens in a new tab, as an EHR opens it.
      setState({ step: 'launched', result, opened: await openInNewTab(result.url, window) });
    } catch (err) {
      setState({ step: 'failed', message: messageOf(err) });
    }
  }

  if (launchable.length === 0) {
    return (
      <EmptyState title="No client has a launch URL">
        <p>
          An EHR launch opens the app’s launch URL with <code>iss</code> and <code>launch</code>. Give a
          client a launch URL in Clients, then come back here.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="view-body">
      <form className="card form" onSubmit={submit} aria-labelledby="launch-title">
        <header className="card-header">
          <h2 id="launch-title">Start an EHR launch</h2>
        </header>
        <p className="muted">
          The sandbox mints a launch bound to this context and opens the app’s launch URL, as an EHR would.
          Empty fields take the config’s launch defaults.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="launch-client">Client</label>
            <select id="launch-client" value={chosen} onChange={(e) => setClientId(e.target.value)}>
              {launchable.map((c) => (
                <option key={c.clientId} value={c.clientId}>
                  {c.clientId} — {c.launchUrl}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="launch-patient">Patient</label>
            <input
              id="launch-patient"
              value={patient}
              onChange={(e) => setPatient(e.target.value)}
              placeholder={defaults?.patient ?? 'pat-1'}
            />
          </div>
          <div className="field">
            <label htmlFor="launch-encounter">Encounter</label>
            <input
              id="launch-encounter"
              value={encounter}
              onChange={(e) => setEncounter(e.target.value)}
              placeholder={defaults?.encounter ?? 'enc-1'}
            />
          </div>
          <div className="field">
            <label htmlFor="launch-user">User (fhirUser)</label>
            <input
              id="launch-user"
              value={fhirUser}
              onChange={(e) => setFhirUser(e.target.value)}
              placeholder={defaults?.fhirUser ?? 'Practitioner/prac-1'}
            />
          </div>
        </div>
        <div className="button-row">
          <button type="submit" className="button primary" disabled={state.step === 'launching'}>
            Launch
          </button>
        </div>
        <div aria-live="polite" data-state={state.step}>
          {state.step === 'failed' ? (
            <ErrorText message={`The launch could not start: ${state.message}`} />
          ) : null}
          {state.step === 'launched' ? (
            <div
              className={`result ${state.opened === 'blocked' ? 'warn' : 'ok'}`}
              data-opened={state.opened}
            >
              <p className="result-title">{OPENED_MESSAGE[state.opened]}</p>
              <CopyValue value={state.result.url} label="Copy launch URL" />
              <p className="muted small">
                launch <code>{state.result.launch}</code>
              </p>
            </div>
          ) : null}
        </div>
      </form>
    </div>
  );
}
