import { Fragment, type ReactNode } from 'react';
import { glossaryFor, type GlossaryPlace } from '../../flow-lab/glossary.js';

/**
 * A name that may break only after its underscores (code_challenge_methods_supported), never mid-word, so
 * a long discovery field does not push the table out of its card and "Authorization" stays whole.
 */
function breakAtUnderscores(name: string): ReactNode {
  const parts = name.split('_');
  return parts.map((part, i) => (
    <Fragment key={i}>
      {part}
      {i < parts.length - 1 ? (
        <>
          _<wbr />
        </>
      ) : null}
    </Fragment>
  ));
}

/** Name / value / what it is for: a request's parameters, headers or a response's fields, each annotated. */
export function AnnotatedTable({
  caption,
  rows,
  place,
  url,
}: {
  readonly caption: string;
  readonly rows: readonly (readonly [string, string])[];
  readonly place: GlossaryPlace;
  /** The request's URL: what a header means can depend on where it was sent (the admin API or not). */
  readonly url?: string;
}) {
  if (rows.length === 0) return null;
  return (
    <table className="table lab-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
          <th scope="col">What it is for</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, value], i) => {
          const entry = glossaryFor(place, name, { value, url: url ?? '' });
          return (
            <tr key={`${name}-${i}`} data-name={name}>
              <th scope="row">
                <code>{breakAtUnderscores(name)}</code>
              </th>
              <td>
                <code className="wrap">{value}</code>
              </td>
              <td>
                {entry === undefined ? (
                  <span className="muted">—</span>
                ) : (
                  <>
                    {entry.meaning} <span className="rule">({entry.rule})</span>
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
