import { useEffect, useState, type SubmitEvent } from 'react';
import type {
  EhrLaunchResult,
  FramingFinding,
  LaunchPatientChoice,
  LaunchResult,
  PersonaConfig,
} from '../api/types.js';
import { CopyValue, EmptyState, ErrorText, Options } from '../components/common.js';
import { SelectField } from '../components/select-field.js';
import { TextField } from '../components/text-field.js';
import { openInNewTab, type OpenOutcome } from '../lib/open-tab.js';
import { messageOf } from '../store/errors.js';
import { selectClientList, selectPersonas, selectServer } from '../store/selectors.js';
import { useApp, useDeps, useLoad } from '../store/react.js';
import { FhirDataCard } from './fhir-data-card.js';

/** The launch flow: a form, then the minted launch with its URL. */
type LaunchState =
  | { readonly step: 'editing' }
  | { readonly step: 'launching' }
  | {
      readonly step: 'launched';
      readonly mode: 'window';
      readonly result: LaunchResult;
      readonly opened: OpenOutcome | null;
    }
  | {
      readonly step: 'launched';
      readonly mode: 'ehr';
      readonly ehr: EhrLaunchResult;
      readonly opened: OpenOutcome;
    }
  | { readonly step: 'failed'; readonly message: string };

const OPENED_MESSAGE: Record<OpenOutcome, string> = {
  'new-tab': 'Launched: the app’s launch URL opened in a new tab.',
  'system-browser': 'Launched: the app’s launch URL opened in your browser.',
  blocked:
    'Launch minted, but the browser blocked the new tab (allow pop-ups for this page, or open the URL yourself):',
};

const EHR_OPENED_MESSAGE: Record<OpenOutcome, string> = {
  'new-tab': 'Launched: the EHR page opened in a new tab, with the app framed under the patient banner.',
  'system-browser':
    'Launched: the EHR page opened in your browser, with the app framed under the patient banner.',
  blocked:
    'Launch minted, but the browser blocked the new tab (allow pop-ups for this page, or open the EHR page yourself):',
};

/** What the sandbox found when it asked the app whether the EHR page may frame it. */
function FramingNote({ finding }: { readonly finding: FramingFinding }) {
  if (finding.verdict === 'allowed') {
    return <p className="muted small">The app’s launch page allows the EHR page to frame it.</p>;
  }
  if (finding.verdict === 'unchecked') {
    return <p className="muted small">Framing not checked: {finding.reason}.</p>;
  }
  return (
    <div className="result bad" role="alert" data-framing="refused">
      <p className="result-title">The app refuses to be framed</p>
      <p>
        Its launch page answers with{' '}
        <code>
          {finding.header}: {finding.value}
        </code>
        . To fix: {finding.fix}.
      </p>
    </div>
  );
}

/** Who the launch names as its user: the config's default, a persona's fhirUser, or one typed in. */
type UserChoice =
  | { readonly kind: 'default' }
  | { readonly kind: 'persona'; readonly fhirUser: string }
  | { readonly kind: 'other' };

const OTHER = 'other';

function choiceValue(choice: UserChoice): string {
  return choice.kind === 'persona' ? `persona:${choice.fhirUser}` : choice.kind;
}

function choiceOf(value: string): UserChoice {
  if (value.startsWith('persona:')) return { kind: 'persona', fhirUser: value.slice('persona:'.length) };
  return value === OTHER ? { kind: 'other' } : { kind: 'default' };
}

/**
 * The personas a launch can sign in as, one per fhirUser: a launch carries only a fhirUser, and signs in as the
 * first persona that is it (the server's `ehrLaunchPersona`), so a later one with the same fhirUser is not offered.
 */
export function launchPersonas(personas: readonly PersonaConfig[]): PersonaConfig[] {
  const byFhirUser = new Map<string, PersonaConfig>();
  for (const p of personas) if (!byFhirUser.has(p.fhirUser)) byFhirUser.set(p.fhirUser, p);
  return [...byFhirUser.values()];
}

export function LaunchView() {
  const clients = useApp(selectClientList);
  const server = useApp(selectServer);
  const { api } = useDeps();
  // Clients with a launch URL first; one without still gets a launch value to hand to its app.
  const launchable = [...clients].sort(
    (a, b) => Number(a.launchUrl === undefined) - Number(b.launchUrl === undefined),
  );
  const defaults = server.status === 'ready' ? server.data.config.launch : undefined;
  const [clientId, setClientId] = useState('');
  const [patient, setPatient] = useState('');
  const [encounter, setEncounter] = useState('');
  const personas = useApp(selectPersonas);
  const [user, setUser] = useState<UserChoice>({ kind: 'default' });
  const [fhirUser, setFhirUser] = useState('');
  const [choices, setChoices] = useState<readonly LaunchPatientChoice[] | string>([]);
  const [state, setState] = useState<LaunchState>({ step: 'editing' });
  const chosen = clientId === '' ? launchable[0]?.clientId : clientId;
  const chosenClient = launchable.find((c) => c.clientId === chosen);

  // The patients and encounters come from the FHIR data, so a launch can only name what exists; loading
  // data (the card below) lists them again.
  const [dataVersion, setDataVersion] = useState(0);
  useEffect(() => {
    api.listLaunchChoices().then(setChoices, (err: unknown) => setChoices(messageOf(err)));
  }, [api, dataVersion]);
  // The user picker offers the personas: an EHR launch signs in as the one whose fhirUser it names.
  useLoad((s) => s.loadPersonas);
  const offered = personas.status === 'ready' ? launchPersonas(personas.data.personas) : [];
  const patients = typeof choices === 'string' ? [] : choices;
  const chosenPatient =
    patients.find((p) => p.id === patient) ?? patients.find((p) => p.id === defaults?.patient) ?? patients[0];
  const encounters = chosenPatient?.encounters ?? [];
  const chosenEncounter = (
    encounters.find((e) => e.id === encounter) ??
    encounters.find((e) => e.id === defaults?.encounter) ??
    encounters[0]
  )?.id;

  /** The context the form names; fields left empty take the config's launch defaults. */
  function context() {
    return {
      ...(chosenPatient === undefined ? {} : { patient: chosenPatient.id }),
      ...(chosenEncounter === undefined ? {} : { encounter: chosenEncounter }),
      ...(user.kind === 'persona' ? { fhirUser: user.fhirUser } : {}),
      ...(user.kind === 'other' && fhirUser.trim() !== '' ? { fhirUser: fhirUser.trim() } : {}),
    };
  }

  // "Open in EHR": the sandbox's EHR page frames the app under its patient banner (need_patient_banner false).
  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (chosen === undefined) return;
    setState({ step: 'launching' });
    try {
      const ehr = await api.createEhrLaunch({ clientId: chosen, ...context() });
      setState({ step: 'launched', mode: 'ehr', ehr, opened: await openInNewTab(ehr.page, window) });
    } catch (err) {
      setState({ step: 'failed', message: messageOf(err) });
    }
  }

  // "Open in a new window": the app alone, as before, so it shows its own banner (need_patient_banner true).
  async function openAlone() {
    if (chosen === undefined) return;
    setState({ step: 'launching' });
    try {
      const result = await api.createLaunch({ clientId: chosen, ...context(), needPatientBanner: true });
      // Without a launch URL there is nothing to open.
      const opened = result.url === null ? null : await openInNewTab(result.url, window);
      setState({ step: 'launched', mode: 'window', result, opened });
    } catch (err) {
      setState({ step: 'failed', message: messageOf(err) });
    }
  }

  if (launchable.length === 0) {
    return (
      <EmptyState title="No clients yet">
        <p>
          An EHR launch opens the app’s launch URL with <code>iss</code> and <code>launch</code>. Register a
          client in Clients, then come back here.
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
          The sandbox mints a launch bound to this context and opens the app’s launch URL, as an EHR would:
          inside its EHR page, under a patient banner, or alone in a new window. The user is a persona (the
          launch signs in as it) or the config’s launch default.
        </p>
        <div className="form-grid">
          <SelectField label="Client" value={chosen} onChange={setClientId}>
            <Options
              items={launchable}
              value={(c) => c.clientId}
              label={(c) => `${c.clientId} — ${c.launchUrl ?? 'no launch URL'}`}
            />
          </SelectField>
          <SelectField
            label="Patient"
            value={chosenPatient?.id ?? ''}
            onChange={(id) => {
              setPatient(id);
              setEncounter('');
            }}
            note={
              typeof choices === 'string' ? (
                <ErrorText message={`The patients could not be listed: ${choices}`} />
              ) : null
            }
          >
            <Options items={patients} value={(p) => p.id} label={(p) => `${p.name} — ${p.id}`} />
          </SelectField>
          <SelectField label="Encounter" value={chosenEncounter ?? ''} onChange={setEncounter}>
            {encounters.length === 0 ? <option value="">No encounter for this patient</option> : null}
            <Options items={encounters} value={(e) => e.id} label={(e) => e.label} />
          </SelectField>
          <SelectField
            label="User"
            value={choiceValue(user)}
            onChange={(v) => setUser(choiceOf(v))}
            note={
              personas.status === 'error' ? (
                <ErrorText message={`The personas could not be listed: ${personas.message}`} />
              ) : null
            }
          >
            <option value="default">
              {defaults?.fhirUser === undefined ? 'Config default' : `Config default — ${defaults.fhirUser}`}
            </option>
            <Options
              items={offered}
              value={(p) => choiceValue({ kind: 'persona', fhirUser: p.fhirUser })}
              label={(p) => `${p.name} — ${p.fhirUser}`}
              id={(p) => p.id}
            />
            <option value={OTHER}>Another fhirUser…</option>
          </SelectField>
          {user.kind === 'other' ? (
            <TextField
              label="fhirUser"
              value={fhirUser}
              onChange={setFhirUser}
              placeholder={server.status === 'ready' ? server.data.effective.launch.fhirUser : undefined}
            />
          ) : null}
        </div>
        <div className="button-row">
          <button
            type="submit"
            className="button primary"
            disabled={state.step === 'launching' || chosenClient?.launchUrl === undefined}
            title={
              chosenClient?.launchUrl === undefined ? 'This client has no launch URL to frame' : undefined
            }
          >
            Open in EHR
          </button>
          <button
            type="button"
            className="button"
            disabled={state.step === 'launching'}
            onClick={() => void openAlone()}
          >
            Open in a new window
          </button>
        </div>
        <div aria-live="polite" data-state={state.step}>
          {state.step === 'failed' ? (
            <ErrorText message={`The launch could not start: ${state.message}`} />
          ) : null}
          {state.step === 'launched' && state.mode === 'ehr' ? (
            <div
              className={`result ${state.opened === 'blocked' ? 'warn' : 'ok'}`}
              data-opened={state.opened}
              data-mode="ehr"
            >
              <p className="result-title">{EHR_OPENED_MESSAGE[state.opened]}</p>
              <CopyValue value={state.ehr.page} label="Copy EHR page URL" />
              <p className="muted small">
                launch <code>{state.ehr.launch.launch}</code>
              </p>
              <FramingNote finding={state.ehr.framing} />
            </div>
          ) : null}
          {state.step === 'launched' && state.mode === 'window' ? (
            <div
              className={`result ${state.opened === 'blocked' ? 'warn' : 'ok'}`}
              data-opened={state.opened ?? 'no-url'}
            >
              {state.result.url === null || state.opened === null ? (
                <>
                  <p className="result-title">
                    Launch minted. This client has no launch URL, so nothing was opened: give this launch
                    value to your app, with <code>iss</code> set to the FHIR base.
                  </p>
                  <CopyValue value={state.result.launch} label="Copy launch value" />
                </>
              ) : (
                <>
                  <p className="result-title">{OPENED_MESSAGE[state.opened]}</p>
                  <CopyValue value={state.result.url} label="Copy launch URL" />
                  <p className="muted small">
                    launch <code>{state.result.launch}</code>
                  </p>
                </>
              )}
            </div>
          ) : null}
        </div>
      </form>
      <FhirDataCard onLoaded={() => setDataVersion((v) => v + 1)} />
    </div>
  );
}
