import { CodeBlock } from '../../components/common.js';
import { useId } from 'react';
import { queryParams, shownHeaders, type WireRequest } from '../../flow-lab/wire.js';
import { glossaryFor } from '../../flow-lab/glossary.js';
import { AnnotatedTable } from './annotated-table.js';

function baseUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** The exact HTTP request: method, URL with its query broken out, headers, body; each part annotated. */
export function RequestPanel({ request, title }: { readonly request: WireRequest; readonly title: string }) {
  const query = queryParams(request.url);
  const headers = shownHeaders(request);
  return (
    <section className="lab-panel" aria-label={title}>
      <h3>{title}</h3>
      <p className="request-line">
        <span className="badge method">{request.method}</span>{' '}
        <code className="wrap">{baseUrl(request.url)}</code>
      </p>
      <AnnotatedTable caption="Query parameters" rows={query} place="param" />
      <AnnotatedTable caption="Headers" rows={headers} place="header" url={request.url} />
      {request.form === undefined ? null : (
        <AnnotatedTable caption="Form body" rows={Object.entries(request.form)} place="param" />
      )}
      {request.json === undefined ? null : (
        <>
          <p className="table-caption">JSON body (admin API: registers the app for this walk)</p>
          <CodeBlock>{JSON.stringify(request.json, null, 2)}</CodeBlock>
        </>
      )}
    </section>
  );
}

/** The fields a person may change before sending, prefilled with what the step would send. */
export function EditFields({
  names,
  values,
  original,
  onEdit,
  disabled,
}: {
  readonly names: readonly string[];
  readonly values: Readonly<Record<string, string>>;
  readonly original: (name: string) => string | undefined;
  readonly onEdit: (name: string, value: string) => void;
  readonly disabled: boolean;
}) {
  const id = useId();
  if (names.length === 0) return null;
  return (
    <fieldset className="lab-edits">
      <legend>Change a value before sending</legend>
      <p className="muted small">
        Send a wrong value on purpose (a different verifier, another redirect_uri, an old refresh token) to
        see the server’s verdict and the rule behind it.
      </p>
      {names.map((name) => {
        const value = values[name] ?? '';
        const changed = value !== (original(name) ?? '');
        const entry = glossaryFor('param', name);
        return (
          <div className={`field${changed ? ' changed' : ''}`} key={name}>
            <label htmlFor={`${id}-${name}`}>
              {name}
              {changed ? <span className="badge edited-badge">edited</span> : null}
            </label>
            <input
              id={`${id}-${name}`}
              value={value}
              disabled={disabled}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => onEdit(name, e.target.value)}
              aria-describedby={entry === undefined ? undefined : `${id}-${name}-hint`}
            />
            {entry === undefined ? null : (
              <p className="hint" id={`${id}-${name}-hint`}>
                {entry.meaning} ({entry.rule})
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
