import { useState } from 'react';
import { FAILURE_DELAY_MS } from '../../server/config/bounds.js';
import type { FailureArm, FailureEndpoint } from '../api/types.js';
import { EmptyState, ErrorText, Loading, Options } from '../components/common.js';
import {
  selectClientList,
  selectFailureGroups,
  selectFailures,
  type FailureRow,
} from '../store/selectors.js';
import { useApp, useLoad } from '../store/react.js';

const ENDPOINT_TITLE: Record<FailureEndpoint, string> = {
  token: 'Token endpoint',
  authorize: 'Authorization endpoint',
  fhir: 'FHIR base',
  jwks: 'JWKS (signing keys)',
};

/** The options a person can set before arming, kept as typed text until they press "Arm". */
interface ArmOptions {
  readonly times: string;
  readonly probability: string;
  readonly clientId: string;
  readonly delayMs: string;
}

const DEFAULT_OPTIONS: ArmOptions = { times: '1', probability: '', clientId: '', delayMs: '' };

/** Turns the row's options into the admin API's arm request, or says which option is wrong. */
export function armRequest(id: FailureArm['id'], o: ArmOptions): { arm: FailureArm } | { error: string } {
  const times = o.times.trim();
  if (times !== '' && (!/^\d+$/.test(times) || Number(times) < 1))
    return { error: 'times must be a whole number of 1 or more, or empty for “until disarmed”' };
  const probability = o.probability.trim();
  const p = Number(probability);
  if (probability !== '' && (!Number.isFinite(p) || p < 0 || p > 1))
    return { error: 'probability must be between 0 and 1' };
  const delay = o.delayMs.trim();
  if (delay !== '' && (!/^\d+$/.test(delay) || Number(delay) > FAILURE_DELAY_MS.maximum))
    return { error: `delay must be a whole number of milliseconds up to ${FAILURE_DELAY_MS.maximum}` };
  return {
    arm: {
      id,
      ...(times === '' ? {} : { times: Number(times) }),
      ...(probability === '' ? {} : { probability: p }),
      ...(o.clientId === '' ? {} : { clientId: o.clientId }),
      ...(delay === '' ? {} : { delayMs: Number(delay) }),
    },
  };
}

export function FailuresView() {
  const failures = useApp(selectFailures);
  const groups = useApp(selectFailureGroups);
  const disarmAll = useApp((s) => s.disarmAllFailures);
  const [error, setError] = useState<string>();
  useLoad((s) => s.loadFailures);
  if (failures.status === 'idle' || failures.status === 'loading') return <Loading what="failure modes" />;
  if (failures.status === 'error')
    return <ErrorText message={`Cannot list failure modes: ${failures.message}`} />;
  const armedCount = failures.data.armed.length;
  return (
    <div className="view-body">
      <div className="toolbar">
        <p className="muted">
          Arm a failure and the next matching request gets that error, shaped as the active profile words it.
          Activity marks it as injected.
        </p>
        <button
          type="button"
          className="button"
          disabled={armedCount === 0}
          onClick={async () => {
            const r = await disarmAll();
            setError(r.ok ? undefined : r.message);
          }}
        >
          Disarm all ({armedCount})
        </button>
      </div>
      <ErrorText message={error} />
      {groups.length === 0 ? <EmptyState title="This server offers no failure modes" /> : null}
      {groups.map((g) => (
        <section key={g.endpoint} className="card" aria-labelledby={`fg-${g.endpoint}`}>
          <header className="card-header">
            <h2 id={`fg-${g.endpoint}`}>{ENDPOINT_TITLE[g.endpoint]}</h2>
          </header>
          <ul className="failure-list">
            {g.rows.map((row) => (
              <FailureItem key={row.info.id} row={row} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function FailureItem({ row }: { readonly row: FailureRow }) {
  const arm = useApp((s) => s.armFailure);
  const disarm = useApp((s) => s.disarmFailure);
  const announce = useApp((s) => s.announce);
  const clients = useApp(selectClientList);
  const [options, setOptions] = useState<ArmOptions>(DEFAULT_OPTIONS);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { info, armed } = row;
  const delayed = info.id === 'token.slow';

  async function toggle() {
    setBusy(true);
    let result;
    if (armed === undefined) {
      const request = armRequest(info.id, options);
      if ('error' in request) {
        setError(request.error);
        setBusy(false);
        return;
      }
      result = await arm(request.arm);
    } else result = await disarm(info.id);
    setBusy(false);
    setError(result.ok ? undefined : result.message);
    if (result.ok) announce(`${info.id} ${armed === undefined ? 'armed' : 'disarmed'}`);
  }

  const set = (key: keyof ArmOptions) => (e: { target: { value: string } }) => {
    setOptions((o) => ({ ...o, [key]: e.target.value }));
  };
  const numberOption = (
    label: string,
    key: keyof ArmOptions,
    inputMode: 'numeric' | 'decimal',
    placeholder: string,
  ) => (
    <label>
      {label}
      <input inputMode={inputMode} value={options[key]} onChange={set(key)} placeholder={placeholder} />
    </label>
  );
  return (
    <li
      className={`failure${armed === undefined ? '' : ' armed'}`}
      data-failure-id={info.id}
      data-state={armed === undefined ? 'disarmed' : 'armed'}
    >
      <div className="failure-main">
        <div>
          <code className="failure-id">{info.id}</code>
          <p className="failure-desc">{info.produces}</p>
        </div>
        <div className="failure-state">
          {armed === undefined ? (
            <span className="badge">off</span>
          ) : (
            <span className="badge armed-badge">
              armed · {armed.remaining === undefined ? 'until disarmed' : `${armed.remaining} left`}
              {armed.fired > 0 ? ` · fired ${armed.fired}` : ''}
            </span>
          )}
          <button
            type="button"
            className={`button small ${armed === undefined ? 'primary' : ''}`}
            onClick={toggle}
            disabled={busy}
            aria-label={`${armed === undefined ? 'Arm' : 'Disarm'} ${info.id}`}
          >
            {armed === undefined ? 'Arm' : 'Disarm'}
          </button>
        </div>
      </div>
      {armed === undefined ? (
        <details className="failure-options">
          <summary>Options</summary>
          <div className="option-row">
            {numberOption('Times', 'times', 'numeric', 'until disarmed')}
            {numberOption('Probability', 'probability', 'decimal', 'always')}
            <label>
              Client
              <select value={options.clientId} onChange={set('clientId')}>
                <option value="">Any client</option>
                <Options items={clients} value={(c) => c.clientId} />
              </select>
            </label>
            {delayed ? numberOption('Delay (ms)', 'delayMs', 'numeric', '5000') : null}
          </div>
        </details>
      ) : (
        <p className="muted small">
          {armed.clientId === undefined ? 'any client' : `client ${armed.clientId}`}
          {armed.probability === undefined ? '' : ` · probability ${armed.probability}`}
          {armed.delayMs === undefined ? '' : ` · delay ${armed.delayMs} ms`}
        </p>
      )}
      <ErrorText message={error} />
    </li>
  );
}
