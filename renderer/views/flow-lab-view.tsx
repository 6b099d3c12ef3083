import { useEffect, useMemo, useRef } from 'react';
import { CodeBlock, ErrorText, Options } from '../components/common.js';
import { SelectField } from '../components/select-field.js';
import { diagramModel } from '../flow-lab/diagram.js';
import { toCurlScript, toMarkdown } from '../flow-lab/export.js';
import { FLOWS, flowById, type FlowId, type StepDefinition } from '../flow-lab/flows.js';
import { isLogged, pkceComparison } from '../flow-lab/server-side.js';
import { applyEdits } from '../flow-lab/wire.js';
import { effectiveEdits, requestValue, stateAfter } from '../flow-lab/edits.js';
import type { FlowLabState } from '../store/flow-lab-slice.js';
import {
  selectCurrentIssuer,
  selectFlowCompare,
  selectFlowLab,
  selectLabOutcomes,
  selectLabTimeline,
  selectManyIssuers,
  selectSession,
} from '../store/selectors.js';
import { issuerList } from '../store/issuers-slice.js';
import { useApp, useDeps, useLoad } from '../store/react.js';
import { CompareView } from './flow-lab/compare-view.js';
import { ExportBar } from './flow-lab/export-bar.js';
import { AssertionPanel, FamilyTimelineView, PkcePanel } from './flow-lab/explainers.js';
import { EditFields, RequestPanel } from './flow-lab/request-panel.js';
import { ResponsePanel, ServerVerdict } from './flow-lab/response-panel.js';
import { SequenceDiagram } from './flow-lab/sequence-diagram.js';
import { StepCard, StepLinks, StepNav } from './flow-lab/step-card.js';
import type { StepOutcome } from '../flow-lab/diagram.js';

const OUTCOME_TEXT: Record<NonNullable<StepOutcome>, string> = {
  accepted: 'accepted',
  rejected: 'rejected',
  local: 'done',
};

/** The steps where PKCE is at work, and those where the client assertion is: their panels show there. */
const PKCE_STEPS = new Set(['pkce', 'authorize', 'exchange']);
const ASSERTION_STEPS = new Set(['assertion', 'backend-token']);

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  );
}

/** Presentation mode's keys: Right sends or steps on, Left steps back, Escape leaves (in either mode). */
function usePresentationKeys(presenting: boolean, comparing: boolean) {
  const singleNext = useApp((s) => s.labNext);
  const singleBack = useApp((s) => s.labBack);
  const compareNext = useApp((s) => s.compareNext);
  const compareBack = useApp((s) => s.compareBack);
  const setPresenting = useApp((s) => s.setPresenting);
  const labNext = comparing ? compareNext : singleNext;
  const labBack = comparing ? compareBack : singleBack;
  useEffect(() => {
    if (!presenting) return;
    function onKey(event: KeyboardEvent) {
      if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
      if (event.key === 'ArrowRight') {
        event.preventDefault();
        void labNext();
      } else if (event.key === 'ArrowLeft') {
        event.preventDefault();
        labBack();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        setPresenting(false);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [presenting, labNext, labBack, setPresenting]);
}

/** Flow Lab: walk an OAuth or SMART flow one real request at a time, with both sides of each exchange. */
export function FlowLabView() {
  const lab = useApp(selectFlowLab);
  const compare = useApp(selectFlowCompare);
  const chooseFlow = useApp((s) => s.chooseFlow);
  const setPresenting = useApp((s) => s.setPresenting);
  const setCompareOpen = useApp((s) => s.setCompareOpen);
  const root = useRef<HTMLDivElement>(null);
  const flow = flowById(lab.flowId);
  // Comparing takes two issuers (README "Many issuers"); with one, the Flow Lab is the single walk alone.
  const canCompare = useApp(issuerList).length >= 2;
  const comparing = canCompare && compare.open;
  usePresentationKeys(lab.presenting, comparing);

  // The first visit builds the first step's request; a walk in progress is kept when coming back.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (lab.steps.length === 0 && lab.busy === 'idle') void chooseFlow(lab.flowId);
  }, [chooseFlow, lab.steps.length, lab.busy, lab.flowId]);

  // Issuers come and go at run time (POST /_sandbox/api/issuers): each visit reads them again.
  useLoad((s) => s.loadIssuers);

  useEffect(() => {
    if (lab.presenting) root.current?.focus();
  }, [lab.presenting]);

  // One toggle: entering says what presentation mode is for, leaving names its key.
  const presentation = (
    <button
      type="button"
      className="button"
      onClick={() => setPresenting(!lab.presenting)}
      title={lab.presenting ? undefined : 'Large type for a projector; ← and → step, Esc leaves'}
    >
      {lab.presenting ? 'Leave presentation (Esc)' : 'Presentation mode'}
    </button>
  );
  const keys = lab.presenting ? (
    <p className="lab-keys muted" aria-hidden="true">
      → send / next step · ← back · Esc leave
    </p>
  ) : null;

  return (
    <div
      ref={root}
      tabIndex={-1}
      className={`view-body flow-lab${lab.presenting ? ' presenting' : ''}`}
      data-flow={comparing ? compare.flowId : lab.flowId}
      data-mode={comparing ? 'compare' : 'single'}
      aria-label={lab.presenting ? 'Flow Lab presentation' : undefined}
    >
      {comparing ? (
        <CompareView presentation={presentation} keys={keys} />
      ) : (
        <>
          <div className="toolbar lab-toolbar">
            <SelectField
              label="Flow"
              className="lab-picker"
              value={lab.flowId}
              disabled={lab.busy !== 'idle'}
              onChange={(id) => void chooseFlow(id as FlowId)}
            >
              <Options items={FLOWS} value={(f) => f.id} label={(f) => f.title} />
            </SelectField>
            <p className="muted lab-summary">{flow.summary}</p>
            {canCompare ? (
              <button
                type="button"
                className="button"
                onClick={() => setCompareOpen(true)}
                title="Walk one flow against two issuers, their exchanges side by side"
              >
                Compare issuers
              </button>
            ) : null}
            {lab.presenting ? <PresentedIssuer /> : null}
            {presentation}
          </div>
          {keys}
          <div className="lab-grid">
            <LabSide lab={lab} />
            <LabMain lab={lab} />
          </div>
        </>
      )}
    </div>
  );
}

/**
 * Presentation mode covers the header and its issuer switcher: the room still reads which issuer the walk runs
 * against, in words (name and profile) beside its colour (WCAG 1.4.1). Absent with one issuer.
 */
function PresentedIssuer() {
  const many = useApp(selectManyIssuers);
  const issuer = useApp(selectCurrentIssuer);
  if (!many || issuer === undefined) return null;
  return (
    <p className="presented-issuer" data-testid="presented-issuer">
      <span className="issuer-swatch" aria-hidden="true" style={{ background: issuer.colour }} />
      Issuer <strong>{issuer.name}</strong> · {issuer.profile}
    </p>
  );
}

function LabSide({ lab }: { readonly lab: FlowLabState }) {
  const outcomes = useApp(selectLabOutcomes);
  const labGoTo = useApp((s) => s.labGoTo);
  const flow = flowById(lab.flowId);
  const model = useMemo(() => diagramModel(flow, outcomes, lab.cursor), [flow, outcomes, lab.cursor]);
  return (
    <aside className="lab-side" aria-label="Steps and sequence diagram">
      <StepLinks
        steps={flow.steps}
        cursor={lab.cursor}
        reached={lab.steps.length}
        busy={lab.busy !== 'idle'}
        onGo={(i) => void labGoTo(i)}
        outcome={(i) => outcomes[i] ?? 'pending'}
        badge={(i) => {
          const outcome = outcomes[i];
          return outcome === undefined ? null : (
            <span className={`badge outcome-${outcome}`}>{OUTCOME_TEXT[outcome]}</span>
          );
        }}
      />
      <SequenceDiagram model={model} onPick={(i) => void labGoTo(i)} />
    </aside>
  );
}

function stepVerb(step: StepDefinition): string {
  return step.kind === 'local' ? 'Run this step' : 'Send request';
}

function LabMain({ lab }: { readonly lab: FlowLabState }) {
  const flow = flowById(lab.flowId);
  const step = flow.steps[lab.cursor];
  const walked = lab.steps[lab.cursor];
  const sendLabStep = useApp((s) => s.sendLabStep);
  const labBack = useApp((s) => s.labBack);
  const labNext = useApp((s) => s.labNext);
  const rewalk = useApp((s) => s.rewalkFromCursor);
  const setLabEdit = useApp((s) => s.setLabEdit);
  const timeline = useApp(selectLabTimeline);
  if (step === undefined) return null;
  const sent = walked !== undefined;
  const last = lab.cursor === flow.steps.length - 1;
  const later = lab.steps.length - lab.cursor - 1;
  const state = walked?.walked.after ?? stateAfter(lab.steps);
  const preview =
    lab.draft === undefined ? undefined : applyEdits(lab.draft, effectiveEdits(lab.draft, lab.edits));
  // Only the server's record says what it compared; the response's prose is for people, not for parsing.
  const comparison = walked?.server === undefined ? undefined : pkceComparison(walked.server.verdict);
  const edited = walked === undefined ? [] : Object.entries(walked.walked.edits);
  return (
    <div className="lab-main">
      <StepCard sent={sent} cursor={lab.cursor} total={flow.steps.length} flowTitle={flow.title} step={step}>
        <StepNav
          first={lab.cursor === 0}
          last={last}
          sent={sent}
          busy={lab.busy !== 'idle'}
          sendLabel={lab.busy === 'sending' ? 'Sending…' : stepVerb(step)}
          onBack={labBack}
          onSend={() => void sendLabStep()}
          onNext={() => void labNext()}
        >
          {sent ? (
            <button
              type="button"
              className="button"
              onClick={() => void rewalk()}
              disabled={lab.busy !== 'idle'}
            >
              Change and send again
            </button>
          ) : null}
        </StepNav>
        {sent ? (
          <p className="muted small lab-rewalk-note">
            {later > 0
              ? `You are looking back at step ${lab.cursor + 1}. Sending it again discards its answer and the ${later} later step${later === 1 ? '' : 's'} (${lab.cursor + 2}–${lab.steps.length}).`
              : 'Sending it again discards this answer and walks the step anew.'}
          </p>
        ) : null}
        <ErrorText message={lab.error} />
        {edited.length > 0 ? (
          <p className="lab-edited" role="note">
            Edited before sending:{' '}
            {edited.map(([k, v]) => (
              <code key={k} className="wrap">
                {k}={v}{' '}
              </code>
            ))}
          </p>
        ) : null}
      </StepCard>

      {!sent && step.kind === 'http' && lab.draft !== undefined ? (
        <>
          <EditFields
            names={step.editable}
            values={lab.edits}
            original={(name) => (lab.draft === undefined ? undefined : requestValue(lab.draft, name))}
            onEdit={setLabEdit}
            disabled={lab.busy !== 'idle'}
          />
          {preview === undefined ? null : (
            <RequestPanel request={preview} title="Request (about to be sent)" />
          )}
        </>
      ) : null}
      {!sent && step.kind === 'local' ? (
        <p className="muted lab-local">This step happens inside the app: nothing is sent over the network.</p>
      ) : null}
      {step.id === 'authorize' &&
      walked?.walked.response?.status === 200 &&
      walked.walked.response.redirectedTo === undefined ? (
        <p className="error-text" role="note">
          The server showed its consent page instead of redirecting with a code: it runs with
          <code> authorize.mode: interactive</code>. The Flow Lab walks flows in <code>auto</code> mode.
        </p>
      ) : null}
      {walked?.walked.response === undefined ? null : (
        <ServerVerdict
          response={walked.walked.response}
          server={walked.server}
          logged={walked.walked.request !== undefined && isLogged(walked.walked.request.url)}
        />
      )}
      {state.pkce === undefined || !PKCE_STEPS.has(step.id) ? null : (
        <PkcePanel
          pkce={state.pkce}
          comparison={comparison}
          presented={walked?.walked.request?.form?.['code_verifier']}
        />
      )}
      {state.backendKey !== undefined && step.id === 'backend-key' && sent ? (
        <section className="lab-panel" aria-label="Public key">
          <h3>Public key (JWK) given to the server</h3>
          <CodeBlock>{JSON.stringify(state.backendKey.publicJwk, null, 2)}</CodeBlock>
        </section>
      ) : null}
      {state.assertion === undefined || !ASSERTION_STEPS.has(step.id) ? null : (
        <AssertionPanel assertion={state.assertion} />
      )}
      {flow.id === 'refresh-rotation' ? <FamilyTimelineView timeline={timeline} /> : null}
      {walked?.walked.request === undefined ? null : (
        <RequestPanel request={walked.walked.request} title="Request (as sent)" />
      )}
      {walked?.walked.response === undefined ? null : <ResponsePanel response={walked.walked.response} />}

      {lab.presenting ? null : <LabExport lab={lab} />}
    </div>
  );
}

function LabExport({ lab }: { readonly lab: FlowLabState }) {
  const session = useApp(selectSession);
  const origin = useDeps().api.origin;
  const flow = flowById(lab.flowId);
  const token = session.status === 'signed-in' ? session.token : '';
  const walked = useMemo(() => lab.steps.map((s) => s.walked), [lab.steps]);
  const script = useMemo(
    () => toCurlScript(flow, walked, { origin, adminToken: token }),
    [flow, walked, origin, token],
  );
  const markdown = useMemo(() => toMarkdown(flow, walked), [flow, walked]);
  return (
    <section className="card lab-export-card" aria-labelledby="lab-export-title">
      <header className="card-header">
        <h2 id="lab-export-title">Export this walk</h2>
      </header>
      {walked.length === 0 ? (
        <p className="muted">Walk at least one step to export it.</p>
      ) : (
        <>
          <p className="muted small">
            The curl script replays the {walked.length} walked step{walked.length === 1 ? '' : 's'} against a
            sandbox (<code>SANDBOX_URL</code>, <code>ADMIN_TOKEN</code>), taking codes and tokens from its own
            answers and checking each status; the Markdown is a transcript of every request and response.
          </p>
          <ExportBar name={`flow-lab-${flow.id}`} script={script} markdown={markdown} />
        </>
      )}
    </section>
  );
}
