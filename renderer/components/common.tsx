import { useEffect, useId, useRef, useState, type ChangeEvent, type ReactNode } from 'react';
import type { ArtefactState } from '../api/types.js';
import { claimTimes } from '../lib/jwt.js';

/**
 * Copies `text` and says so in words, for screen readers too. The button's accessible name is its visible
 * text (WCAG 2.5.3 Label in Name), so speech users can say what they see; the value it copies is its
 * description (`describedBy`, the id of the element that shows it) where one is on screen.
 */
export function CopyButton({
  text,
  label = 'Copy',
  describedBy,
}: {
  readonly text: string;
  readonly label?: string;
  readonly describedBy?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setState('idle');
    }, 1500);
  }
  return (
    <button
      type="button"
      className="button small ghost"
      onClick={copy}
      data-state={state}
      {...(describedBy === undefined ? {} : { 'aria-describedby': describedBy })}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy blocked' : label}
      </span>
    </button>
  );
}

/** A URL or value with its copy button. */
export function CopyValue({ value, label }: { readonly value: string; readonly label?: string }) {
  const id = useId();
  return (
    <span className="copy-value">
      <code id={id}>{value}</code>
      <CopyButton text={value} describedBy={id} {...(label === undefined ? {} : { label })} />
    </span>
  );
}

/**
 * A block of code or JSON. It scrolls past its maximum height, so it takes keyboard focus: a keyboard user
 * can then scroll it too (WCAG 2.1.1; axe `scrollable-region-focusable`).
 */
export function CodeBlock({ children, label }: { readonly children: ReactNode; readonly label?: string }) {
  return (
    <pre className="code-block" tabIndex={0} {...(label === undefined ? {} : { 'aria-label': label })}>
      {children}
    </pre>
  );
}

/**
 * The `<option>`s of a select, one per item: `value` is what the select reports, `label` the words shown
 * (the value itself when omitted), `id` the React key where two items could share a value.
 */
export function Options<T>({
  items,
  value,
  label,
  id,
}: {
  readonly items: readonly T[];
  readonly value: (item: T) => string;
  readonly label?: (item: T) => ReactNode;
  readonly id?: (item: T) => string;
}) {
  return items.map((item) => (
    <option key={(id ?? value)(item)} value={value(item)}>
      {label === undefined ? value(item) : label(item)}
    </option>
  ));
}

/** An error in words, announced when it appears. */
export function ErrorText({ message, id }: { readonly message: string | undefined; readonly id?: string }) {
  if (message === undefined || message === '') return null;
  return (
    <p className="error-text" role="alert" {...(id === undefined ? {} : { id })}>
      {message}
    </p>
  );
}

/** What to do when a view has nothing to show yet. */
export function EmptyState({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <p className="empty-title">{title}</p>
      {children === undefined ? null : <div className="empty-body">{children}</div>}
    </div>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p className="muted" role="status" aria-busy="true">
      Loading {what}…
    </p>
  );
}

const STATE_LABEL: Record<ArtefactState, string> = {
  active: 'active',
  consumed: 'consumed',
  expired: 'expired',
  revoked: 'revoked',
};

export function StateBadge({ state }: { readonly state: ArtefactState }) {
  return (
    <span className={`badge state-${state}`} data-state={state}>
      {STATE_LABEL[state]}
    </span>
  );
}

export function StatusBadge({ status }: { readonly status: number }) {
  const family = status === 0 ? 'none' : `${Math.floor(status / 100)}xx`;
  return <span className={`badge status status-${family}`}>{status === 0 ? 'no answer' : status}</span>;
}

/**
 * A button that opens the system's file chooser. The file input itself stays hidden and out of the tab order:
 * the button is the one control a keyboard reaches; `inputLabel` names the input for assistive technology.
 */
export function FileButton({
  children,
  accept,
  multiple = false,
  inputLabel,
  onChange,
}: {
  readonly children: ReactNode;
  readonly accept: string;
  readonly multiple?: boolean;
  readonly inputLabel: string;
  readonly onChange: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="button" onClick={() => fileRef.current?.click()}>
        {children}
      </button>
      <input
        ref={fileRef}
        type="file"
        multiple={multiple}
        accept={accept}
        className="visually-hidden"
        onChange={onChange}
        aria-label={inputLabel}
        tabIndex={-1}
      />
    </>
  );
}

/**
 * A table's header row: one column header per name, then the row actions' column, named for screen readers
 * only (`actions`, the words they hear).
 */
export function TableHead({
  columns,
  actions = 'Actions',
}: {
  readonly columns: readonly string[];
  readonly actions?: string;
}) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
        <th scope="col">
          <span className="visually-hidden">{actions}</span>
        </th>
      </tr>
    </thead>
  );
}

/** A small button acting on one row: its accessible name says which ("Edit web-app"), its face only the verb. */
export function RowAction({
  verb,
  row,
  danger = false,
  onClick,
}: {
  readonly verb: string;
  readonly row: string;
  readonly danger?: boolean;
  readonly onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={danger ? 'button small danger' : 'button small'}
      aria-label={`${verb} ${row}`}
      onClick={onClick}
    >
      {verb}
    </button>
  );
}

/** A checkbox, or a radio button of the group `radio` names, with its words: the whole line is clickable. */
export function Choice({
  label,
  checked,
  onChange,
  radio,
  value,
  disabled,
}: {
  readonly label: ReactNode;
  readonly checked: boolean;
  readonly onChange: (checked: boolean) => void;
  readonly radio?: string;
  readonly value?: string;
  readonly disabled?: boolean;
}) {
  return (
    <label className="choice">
      <input
        type={radio === undefined ? 'checkbox' : 'radio'}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        {...(radio === undefined ? {} : { name: radio })}
        {...(value === undefined ? {} : { value })}
        {...(disabled === undefined ? {} : { disabled })}
      />
      {label}
    </label>
  );
}

/** A group of radio buttons under its legend, one per key of `labels`, in their order. */
export function RadioGroup<T extends string>({
  legend,
  name,
  labels,
  value,
  onChange,
  className,
}: {
  readonly legend: string;
  /** The radio group's name: one choice of the group at a time. */
  readonly name: string;
  readonly labels: Readonly<Record<T, string>>;
  readonly value: T;
  readonly onChange: (value: T) => void;
  /** Classes beside `field`, for the group's place in its row. */
  readonly className?: string;
}) {
  return (
    <fieldset className={className === undefined ? 'field' : `field ${className}`}>
      <legend>{legend}</legend>
      <div className="choice-row">
        {(Object.keys(labels) as T[]).map((key) => (
          <Choice
            key={key}
            radio={name}
            value={key}
            checked={value === key}
            onChange={() => onChange(key)}
            label={labels[key]}
          />
        ))}
      </div>
    </fieldset>
  );
}

/** A labelled form field: the label, the control, a hint and the field's own error. */
export function Field({
  label,
  hint,
  error,
  className,
  children,
}: {
  readonly label: string;
  readonly hint?: string;
  readonly error?: string | undefined;
  /** Classes beside `field`, for the field's place in its row. */
  readonly className?: string;
  readonly children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint === undefined ? undefined : hintId, error === undefined ? undefined : errorId]
    .filter((x) => x !== undefined)
    .join(' ');
  return (
    <div
      className={['field', className, error === undefined ? undefined : 'invalid'].filter(Boolean).join(' ')}
    >
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        describedBy: describedBy === '' ? undefined : describedBy,
        invalid: error !== undefined,
      })}
      {hint === undefined ? null : (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error === undefined ? null : (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A token's iat, nbf, exp and auth_time as local times with "in 59 min" / "2 min ago" beside them. */
export function ClaimTimes({
  claims,
  now,
}: {
  readonly claims: Readonly<Record<string, unknown>>;
  /** The moment the relative times count from (milliseconds since the epoch). */
  readonly now: number;
}) {
  const times = claimTimes(claims, now);
  if (times.length === 0) return null;
  return (
    <dl className="claim-times" aria-label="Token times">
      {times.map((t) => (
        <div key={t.claim}>
          <dt>
            <code>{t.claim}</code>
          </dt>
          <dd>
            <time dateTime={new Date(t.at).toISOString()}>{new Date(t.at).toLocaleString()}</time>{' '}
            <span className="muted">({t.relative})</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A section card with a heading. */
export function Card({
  title,
  actions,
  children,
  className,
}: {
  readonly title: string;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
  readonly className?: string;
}) {
  const id = useId();
  return (
    <section className={`card${className === undefined ? '' : ` ${className}`}`} aria-labelledby={id}>
      <header className="card-header">
        <h2 id={id}>{title}</h2>
        {actions === undefined ? null : <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
