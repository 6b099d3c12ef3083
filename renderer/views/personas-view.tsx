import { useState, type SubmitEvent } from 'react';
import type { Claims, PersonaConfig } from '../api/types.js';
import { Card, EmptyState, ErrorText, Field, Loading, RowAction, TableHead } from '../components/common.js';
import { selectPersonas } from '../store/selectors.js';
import { useApp, useLoad } from '../store/react.js';

/** The persona form as typed: text until "Save", when it becomes the admin API's persona. */
export interface PersonaDraft {
  readonly id: string;
  readonly fhirUser: string;
  readonly sub: string;
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly claims: string;
}

const EMPTY: PersonaDraft = {
  id: '',
  fhirUser: 'Practitioner/',
  sub: '',
  name: '',
  givenName: '',
  familyName: '',
  email: '',
  claims: '',
};

export function draftOf(p: PersonaConfig): PersonaDraft {
  return {
    id: p.id,
    fhirUser: p.fhirUser,
    sub: p.sub ?? '',
    name: p.name,
    givenName: p.givenName ?? '',
    familyName: p.familyName ?? '',
    email: p.email ?? '',
    claims: p.claims === undefined ? '' : JSON.stringify(p.claims, null, 2),
  };
}

/**
 * The draft as the admin API's persona, or what is wrong with the claims text. Every other rule (reserved
 * claims, a person's fhirUser, a unique sub) is the server's, which names the field when it refuses.
 */
export function personaOf(d: PersonaDraft): { persona: PersonaConfig } | { error: string } {
  let claims: Claims | undefined;
  if (d.claims.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(d.claims);
    } catch {
      return { error: 'claims must be a JSON object, e.g. {"department": "oncology"}' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { error: 'claims must be a JSON object of claim names to values' };
    }
    claims = parsed as Claims;
  }
  const text = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const optional = {
    sub: text(d.sub),
    givenName: text(d.givenName),
    familyName: text(d.familyName),
    email: text(d.email),
  };
  return {
    persona: {
      id: d.id.trim(),
      fhirUser: d.fhirUser.trim(),
      name: d.name.trim(),
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
      ...(optional.email === undefined ? {} : { emailVerified: true }),
      ...(claims === undefined ? {} : { claims }),
    },
  };
}

type Editor =
  | { readonly mode: 'closed' }
  | { readonly mode: 'create' }
  | { readonly mode: 'edit'; readonly persona: PersonaConfig };

/** Personas: who signs in at the authorization endpoint, their claims, and the choices remembered per client. */
export function PersonasView() {
  const personas = useApp(selectPersonas);
  const remove = useApp((s) => s.deletePersona);
  const forget = useApp((s) => s.forgetRememberedPersona);
  const [editor, setEditor] = useState<Editor>({ mode: 'closed' });
  const [error, setError] = useState<string>();
  useLoad((s) => s.loadPersonas);

  if (personas.status === 'idle' || personas.status === 'loading') return <Loading what="personas" />;
  if (personas.status === 'error') return <ErrorText message={`Cannot list personas: ${personas.message}`} />;
  const { data } = personas;
  const remembered = Object.entries(data.remembered);
  return (
    <div className="view-body">
      <div className="toolbar">
        <p className="muted">
          People who sign in: the id_token and userinfo carry their claims for the granted scopes, and their
          custom claims go in every token.{' '}
          {data.shipped
            ? 'These are the shipped ones, made from the FHIR data’s practitioners and patients.'
            : ''}
        </p>
        <button type="button" className="button primary" onClick={() => setEditor({ mode: 'create' })}>
          New persona
        </button>
      </div>
      {editor.mode === 'closed' ? null : (
        <PersonaForm
          key={editor.mode === 'edit' ? editor.persona.id : 'new'}
          mode={editor.mode === 'edit' ? 'update' : 'create'}
          initial={editor.mode === 'edit' ? draftOf(editor.persona) : EMPTY}
          onDone={() => setEditor({ mode: 'closed' })}
        />
      )}
      <ErrorText message={error} />
      {data.personas.length === 0 ? (
        <EmptyState title="No personas">
          <p>Press “New persona” to add who signs in.</p>
        </EmptyState>
      ) : (
        <table className="table" aria-label="Personas">
          <TableHead columns={['Name', 'fhirUser', 'sub', 'Email', 'Custom claims']} />
          <tbody>
            {data.personas.map((p) => (
              <tr key={p.id} data-persona-id={p.id}>
                <th scope="row">
                  {p.name}
                  <div className="muted small">
                    <code>{p.id}</code>
                    {data.defaultPersona === p.id ? ' · default' : ''}
                  </div>
                </th>
                <td>
                  <code>{p.fhirUser}</code>
                </td>
                <td>
                  <code>{p.sub ?? p.fhirUser}</code>
                </td>
                <td>{p.email ?? <span className="muted">none</span>}</td>
                <td>
                  {p.claims === undefined ? (
                    <span className="muted">none</span>
                  ) : (
                    <code className="small">{JSON.stringify(p.claims)}</code>
                  )}
                </td>
                <td className="row-actions">
                  <RowAction
                    verb="Edit"
                    row={p.name}
                    onClick={() => setEditor({ mode: 'edit', persona: p })}
                  />
                  <RowAction
                    verb="Remove"
                    row={p.name}
                    danger
                    onClick={async () => {
                      const r = await remove(p.id);
                      setError(r.ok ? undefined : r.message);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Card title="Remembered sign-in choices">
        {remembered.length === 0 ? (
          <p className="muted">
            None. “Remember this choice” on the sign-in step skips it for that client until you forget it
            here.
          </p>
        ) : (
          <ul className="plain-list" aria-label="Remembered sign-in choices">
            {remembered.map(([clientId, persona]) => (
              <li key={clientId}>
                <code>{clientId}</code> signs in as <code>{persona}</code>{' '}
                <button
                  type="button"
                  className="button small"
                  aria-label={`Forget the choice for ${clientId}`}
                  onClick={async () => {
                    const r = await forget(clientId);
                    setError(r.ok ? undefined : r.message);
                  }}
                >
                  Forget
                </button>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

const FIELDS: readonly { key: keyof PersonaDraft; label: string; hint?: string }[] = [
  {
    key: 'id',
    label: 'Id',
    hint: 'letters, digits, . _ - (what the admin API and defaultPersona name it by)',
  },
  { key: 'name', label: 'Display name' },
  {
    key: 'fhirUser',
    label: 'fhirUser',
    hint: 'Practitioner/…, Patient/…, RelatedPerson/… or an absolute URL',
  },
  { key: 'sub', label: 'sub', hint: 'stable subject; empty: the fhirUser' },
  { key: 'givenName', label: 'Given name' },
  { key: 'familyName', label: 'Family name' },
  { key: 'email', label: 'Email' },
  {
    key: 'claims',
    label: 'Custom claims (JSON)',
    hint: 'in every token issued while signed in as this persona',
  },
];

function PersonaForm({
  mode,
  initial,
  onDone,
}: {
  readonly mode: 'create' | 'update';
  readonly initial: PersonaDraft;
  readonly onDone: () => void;
}) {
  const save = useApp((s) => s.savePersona);
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<{ message: string; field?: string }>();
  const [busy, setBusy] = useState(false);
  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = personaOf(draft);
    if ('error' in result) {
      setError({ message: result.error, field: 'claims' });
      return;
    }
    setBusy(true);
    const r = await save(result.persona, mode);
    setBusy(false);
    if (r.ok) onDone();
    else setError({ message: r.message, ...(r.field === undefined ? {} : { field: r.field.split('.')[0] }) });
  }
  return (
    <Card title={mode === 'create' ? 'New persona' : `Edit ${initial.name}`}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {FIELDS.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            {...(f.hint === undefined ? {} : { hint: f.hint })}
            error={error?.field === f.key ? error.message : undefined}
          >
            {({ id, describedBy, invalid }) =>
              f.key === 'claims' ? (
                <textarea
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  rows={4}
                  value={draft.claims}
                  onChange={(e) => setDraft({ ...draft, claims: e.target.value })}
                />
              ) : (
                <input
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={draft[f.key]}
                  readOnly={mode === 'update' && f.key === 'id'}
                  onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                />
              )
            }
          </Field>
        ))}
        {error !== undefined && !FIELDS.some((f) => f.key === error.field) ? (
          <ErrorText message={error.message} />
        ) : null}
        <div className="button-row">
          <button type="submit" className="button primary" disabled={busy}>
            {mode === 'create' ? 'Add persona' : 'Save'}
          </button>
          <button type="button" className="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
