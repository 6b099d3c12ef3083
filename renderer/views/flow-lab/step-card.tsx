import { useId, type ReactNode } from 'react';
import type { StepDefinition } from '../../flow-lab/flows.js';

/**
 * A Flow Lab step card, the same in the single walk and in Compare issuers: where the walk stands, what the step
 * is and the rule it follows, then `children` (its buttons, errors and notes).
 */
export function StepCard({
  sent,
  cursor,
  total,
  flowTitle,
  issuers,
  step,
  children,
}: {
  /** Whether the step has been sent (styles the card). */
  readonly sent: boolean;
  /** Where the walk stands: the step shown (from 0) of `total`. */
  readonly cursor: number;
  readonly total: number;
  readonly flowTitle: string;
  /** In Compare issuers, the two issuers. */
  readonly issuers?: ReactNode;
  readonly step: StepDefinition;
  readonly children: ReactNode;
}) {
  const titleId = useId();
  return (
    <section className="card lab-step" aria-labelledby={titleId} data-sent={sent}>
      <p className="muted small lab-step-count">
        Step {cursor + 1} of {total} · {flowTitle}
        {issuers === undefined ? null : <> · {issuers}</>}
      </p>
      <h2 id={titleId}>{step.title}</h2>
      <p className="lab-sentence">{step.sentence}</p>
      <p className="narration">
        {step.narration} <span className="rule">({step.cite})</span>
      </p>
      {children}
    </section>
  );
}

/**
 * Back, then Send (before the step is sent), Next step (after), or the end of the flow; `children` go after them
 * in the same row. Every button waits while the walk is `busy`.
 */
export function StepNav({
  first,
  last,
  sent,
  busy,
  sendDisabled = false,
  sendLabel,
  onBack,
  onSend,
  onNext,
  children,
}: {
  readonly first: boolean;
  readonly last: boolean;
  readonly sent: boolean;
  readonly busy: boolean;
  /** Send waits for more than `busy` (Compare issuers: two different issuers chosen). */
  readonly sendDisabled?: boolean;
  readonly sendLabel: string;
  readonly onBack: () => void;
  readonly onSend: () => void;
  readonly onNext: () => void;
  readonly children?: ReactNode;
}) {
  return (
    <div className="button-row lab-nav">
      <button type="button" className="button" onClick={onBack} disabled={first || busy}>
        Back
      </button>
      {sent ? (
        last ? (
          <span className="muted">End of the flow.</span>
        ) : (
          <button type="button" className="button primary" onClick={onNext} disabled={busy}>
            Next step
          </button>
        )
      ) : (
        <button type="button" className="button primary" onClick={onSend} disabled={busy || sendDisabled}>
          {sendLabel}
        </button>
      )}
      {children}
    </div>
  );
}

/**
 * The numbered list of a flow's steps, the same in the single walk and in Compare issuers: a step opens once the
 * walk has reached it, the one shown is `aria-current`, and `badge` says how each walked step went.
 */
export function StepLinks({
  steps,
  cursor,
  reached,
  busy,
  onGo,
  badge,
  outcome,
}: {
  readonly steps: readonly StepDefinition[];
  readonly cursor: number;
  /** How many steps the walk has sent: the one after them is the furthest it can open. */
  readonly reached: number;
  readonly busy: boolean;
  readonly onGo: (index: number) => void;
  readonly badge: (index: number) => ReactNode;
  /** The single walk marks each link with its step's outcome (`data-outcome`). */
  readonly outcome?: (index: number) => string;
}) {
  return (
    <ol className="lab-steps" aria-label="Steps">
      {steps.map((s, i) => (
        <li key={`${s.id}-${i}`}>
          <button
            type="button"
            className="lab-step-link"
            aria-current={i === cursor ? 'step' : undefined}
            disabled={i > reached || busy}
            onClick={() => onGo(i)}
            data-outcome={outcome?.(i)}
          >
            <span>
              {i + 1}. {s.title}
            </span>
            {badge(i)}
          </button>
        </li>
      ))}
    </ol>
  );
}
