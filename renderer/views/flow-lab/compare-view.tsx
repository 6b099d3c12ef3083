import { useMemo, useState, type ReactNode } from 'react';
import { ErrorText, Options } from '../../components/common.js';
import {
  compareExchanges,
  differenceCount,
  type DiffKind,
  type DiffRow,
  type DiffSection,
  type ExchangeSide,
} from '../../flow-lab/compare.js';
import { flowById } from '../../flow-lab/flows.js';
import { SelectField } from '../../components/select-field.js';
import {
  COMPARE_FLOWS,
  type CompareFlowId,
  type CompareSide,
  type ComparedStep,
  type FlowCompareState,
  comparedPair,
} from '../../store/flow-compare-slice.js';
import { selectFlowCompare } from '../../store/selectors.js';
import { issuerList } from '../../store/issuers-slice.js';
import type { IssuerView } from '../../api/types.js';
import { useApp, useDeps } from '../../store/react.js';
import { StepCard, StepLinks, StepNav } from './step-card.js';

const SECTION_TITLE: Record<DiffSection, string> = {
  endpoint: 'Endpoint',
  param: 'Request parameters',
  status: 'Status',
  outcome: 'Outcome',
  redirect: 'Redirect parameters',
  field: 'Response fields',
  header: 'Response headers',
};

/**
 * A value as the table shows it. Per-walk values (codes, tokens) are long and never alike: their start is enough
 * to see one was there. Both issuers share the sandbox's origin, so a URL on it reads from its path on.
 */
function shown(row: DiffRow, value: string, origin: string): string {
  if (row.perWalk && value.length > 16) return `${value.slice(0, 12)}…`;
  return value.startsWith(`${origin}/`) ? value.slice(origin.length) : value;
}

function Cell({
  row,
  value,
  origin,
}: {
  readonly row: DiffRow;
  readonly value: string | undefined;
  readonly origin: string;
}) {
  if (value === undefined) return <span className="muted">— none</span>;
  return (
    <code className="wrap" title={value}>
      {shown(row, value, origin)}
    </code>
  );
}

/** The comparison in words and a symbol, never colour alone (WCAG 1.4.1). */
function verdictText(kind: DiffKind, perWalk: boolean, left: string, right: string): string {
  switch (kind) {
    case 'same':
      return perWalk ? '= both (a per-walk value)' : '= same';
    case 'differs':
      return '≠ differs';
    case 'only-left':
      return `◀ only ${left}`;
    case 'only-right':
      return `▶ only ${right}`;
  }
}

function sideOf(step: CompareSide, issuer: IssuerView | undefined, origin: string): ExchangeSide {
  return {
    request: step.ok ? step.walked.request : undefined,
    response: step.ok ? step.walked.response : undefined,
    origin,
    issuer: issuer?.issuer ?? origin,
    admin: issuer?.admin ?? '',
  };
}

/** An issuer's name, and its profile when the name does not already say it. */
function issuerLabel(issuer: IssuerView): string {
  return issuer.profile === issuer.name ? issuer.name : `${issuer.name} (${issuer.profile})`;
}

function IssuerName({ issuer }: { readonly issuer: IssuerView | undefined }) {
  if (issuer === undefined) return <>?</>;
  return (
    <span className="issuer-name">
      <span className="issuer-swatch" style={{ background: issuer.colour }} aria-hidden="true" />
      {issuer.name}
      {issuer.profile === issuer.name ? null : <span className="muted"> ({issuer.profile})</span>}
    </span>
  );
}

/**
 * Flow Lab "Compare issuers" (README "Many issuers"): the same flow against two issuers, step by step, each with
 * its own discovery and its own Flow Lab client, their exchanges side by side with the differences marked.
 */
export function CompareView({
  presentation,
  keys,
}: {
  /** The presentation mode button, as the single walk shows it. */
  readonly presentation: ReactNode;
  /** The key hint shown while presenting. */
  readonly keys: ReactNode;
}) {
  const c = useApp(selectFlowCompare);
  const choose = useApp((s) => s.chooseComparison);
  const setOpen = useApp((s) => s.setCompareOpen);
  const issuers = useApp(issuerList);
  const { left, right } = comparedPair(issuers, c);
  const flow = flowById(c.flowId);
  const pick = (p: Partial<{ left: string; right: string; flowId: CompareFlowId }>) => {
    choose({ left: left?.name ?? '', right: right?.name ?? '', flowId: c.flowId, ...p });
  };
  return (
    <>
      <div className="toolbar lab-toolbar compare-toolbar">
        {(['left', 'right'] as const).map((side) => (
          <SelectField
            key={side}
            label={side === 'left' ? 'Left issuer' : 'Right issuer'}
            value={(side === 'left' ? left : right)?.name ?? ''}
            disabled={c.busy}
            onChange={(name) => pick(side === 'left' ? { left: name } : { right: name })}
          >
            <Options items={issuers} value={(i) => i.name} label={issuerLabel} />
          </SelectField>
        ))}
        <SelectField
          label="Compared flow"
          className="lab-picker"
          value={c.flowId}
          disabled={c.busy}
          onChange={(chosen) => {
            const flowId = COMPARE_FLOWS.find((f) => f === chosen);
            if (flowId !== undefined) pick({ flowId });
          }}
        >
          <Options items={COMPARE_FLOWS} value={(f) => f} label={(f) => flowById(f).title} />
        </SelectField>
        <button type="button" className="button" onClick={() => setOpen(false)}>
          Back to one issuer
        </button>
        {presentation}
      </div>
      {keys}
      {left?.name === right?.name ? (
        <p className="error-text" role="note">
          Choose two different issuers to compare.
        </p>
      ) : null}
      <div className="lab-grid issuers-grid">
        <CompareSteps compare={c} />
        <CompareMain compare={c} left={left} right={right} stepCount={flow.steps.length} />
      </div>
    </>
  );
}

function stepDifferences(
  step: ComparedStep,
  left: IssuerView | undefined,
  right: IssuerView | undefined,
  origin: string,
) {
  return differenceCount(
    compareExchanges(sideOf(step.left, left, origin), sideOf(step.right, right, origin)),
  );
}

function CompareSteps({ compare }: { readonly compare: FlowCompareState }) {
  const goTo = useApp((s) => s.compareGoTo);
  const origin = useDeps().api.origin;
  const { left, right } = comparedPair(useApp(issuerList), compare);
  return (
    <aside className="lab-side" aria-label="Compared steps">
      <StepLinks
        steps={flowById(compare.flowId).steps}
        cursor={compare.cursor}
        reached={compare.steps.length}
        busy={compare.busy}
        onGo={goTo}
        badge={(i) => {
          const walked = compare.steps[i];
          const count = walked === undefined ? undefined : stepDifferences(walked, left, right, origin);
          return count === undefined ? null : (
            <span className={`badge ${count === 0 ? 'outcome-accepted' : 'diff-count'}`}>
              {count === 0 ? 'alike' : `${count} ${count === 1 ? 'difference' : 'differences'}`}
            </span>
          );
        }}
      />
    </aside>
  );
}

function CompareMain({
  compare,
  left,
  right,
  stepCount,
}: {
  readonly compare: FlowCompareState;
  readonly left: IssuerView | undefined;
  readonly right: IssuerView | undefined;
  readonly stepCount: number;
}) {
  const send = useApp((s) => s.compareSend);
  const goTo = useApp((s) => s.compareGoTo);
  const origin = useDeps().api.origin;
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const flow = flowById(compare.flowId);
  const step = flow.steps[compare.cursor];
  const walked = compare.steps[compare.cursor];
  const rows = useMemo(
    () =>
      walked === undefined
        ? []
        : compareExchanges(sideOf(walked.left, left, origin), sideOf(walked.right, right, origin)),
    [walked, left, right, origin],
  );
  if (step === undefined) return null;
  const sent = walked !== undefined;
  const last = compare.cursor === stepCount - 1;
  const visible = onlyDifferences ? rows.filter((r) => r.kind !== 'same') : rows;
  const errors =
    walked === undefined ? [] : [walked.left, walked.right].flatMap((s) => (s.ok ? [] : [s.message]));
  return (
    <div className="lab-main">
      <StepCard
        sent={sent}
        cursor={compare.cursor}
        total={stepCount}
        flowTitle={flow.title}
        issuers={
          <>
            <IssuerName issuer={left} /> and <IssuerName issuer={right} />
          </>
        }
        step={step}
      >
        <StepNav
          first={compare.cursor === 0}
          last={last}
          sent={sent}
          busy={compare.busy}
          sendDisabled={left === undefined || right === undefined || left === right}
          sendLabel={compare.busy ? 'Sending…' : step.kind === 'local' ? 'Run on both' : 'Send to both'}
          onBack={() => goTo(compare.cursor - 1)}
          onSend={() => void send()}
          onNext={() => goTo(compare.cursor + 1)}
        />
        {errors.map((message) => (
          <ErrorText key={message} message={message} />
        ))}
      </StepCard>
      {sent && step.kind === 'local' ? (
        <p className="muted lab-local">This step happens inside the app on both sides: nothing is sent.</p>
      ) : null}
      {sent && rows.length > 0 ? (
        <section className="lab-panel" aria-label="Side by side">
          <div className="compare-head">
            <h3>
              Side by side: {differenceCount(rows)} of {rows.length} rows differ
            </h3>
            <label className="check">
              <input
                type="checkbox"
                checked={onlyDifferences}
                onChange={(e) => setOnlyDifferences(e.target.checked)}
              />{' '}
              Only the differences
            </label>
          </div>
          <DiffTable rows={visible} left={left} right={right} />
        </section>
      ) : null}
    </div>
  );
}

function DiffTable({
  rows,
  left,
  right,
}: {
  readonly rows: readonly DiffRow[];
  readonly left: IssuerView | undefined;
  readonly right: IssuerView | undefined;
}) {
  const origin = useDeps().api.origin;
  const sections = [...new Set(rows.map((r) => r.section))];
  return (
    <table className="table lab-table compare-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">
            <IssuerName issuer={left} />
          </th>
          <th scope="col">
            <IssuerName issuer={right} />
          </th>
          <th scope="col">Compared</th>
        </tr>
      </thead>
      {sections.map((section) => (
        <tbody key={section} data-section={section}>
          <tr className="compare-section">
            <th scope="colgroup" colSpan={4}>
              {SECTION_TITLE[section]}
            </th>
          </tr>
          {rows
            .filter((r) => r.section === section)
            .map((r) => (
              <tr
                key={`${section}-${r.name}`}
                data-name={r.name}
                data-kind={r.kind}
                className={`diff-${r.kind}`}
              >
                <th scope="row">
                  <code>{r.name}</code>
                </th>
                <td>
                  <Cell row={r} value={r.left} origin={origin} />
                </td>
                <td>
                  <Cell row={r} value={r.right} origin={origin} />
                </td>
                <td className="diff-verdict">
                  {verdictText(r.kind, r.perWalk, left?.name ?? 'left', right?.name ?? 'right')}
                </td>
              </tr>
            ))}
        </tbody>
      ))}
    </table>
  );
}
