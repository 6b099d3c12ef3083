import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import {
  AUTH_METHOD_VALUES,
  GRANT_TYPE_VALUES,
  type AuthMethod,
  type ClientConfig,
  type GrantType,
  type ListedClient,
} from '../api/types.js';
import { Card, CopyButton, CopyValue, EmptyState, ErrorText, Field, Loading } from '../components/common.js';
import { randomSecret } from '../lib/random.js';
import { selectClientEditor, selectClients } from '../store/selectors.js';
import { useApp } from '../store/react.js';
import {
  clientToForm,
  formFieldOf,
  formToClient,
  KIND_METHODS,
  kindOf,
  newClientForm,
  type ClientFormValues,
  type ClientKind,
  type FormErrors,
} from './client-form-model.js';

const KIND_LABEL: Record<ClientKind, string> = {
  confidential: 'Confidential (has a secret)',
  public: 'Public (browser or native app, PKCE)',
  backend: 'Backend service (private_key_jwt)',
};

const METHOD_LABEL: Record<AuthMethod, string> = {
  client_secret_basic: 'client_secret_basic (HTTP Basic)',
  client_secret_post: 'client_secret_post (secret in the form)',
  none: 'none (public client)',
  private_key_jwt: 'private_key_jwt (signed assertion)',
};

const GRANT_LABEL: Record<GrantType, string> = {
  authorization_code: 'Authorization code',
  refresh_token: 'Refresh token',
  client_credentials: 'Client credentials',
};

export function ClientsView() {
  const clients = useApp(selectClients);
  const editor = useApp(selectClientEditor);
  const setEditor = useApp((s) => s.setClientEditor);
  const loadClients = useApp((s) => s.loadClients);
  // The client just registered, with the secret it was given: shown once, until dismissed or another form opens.
  const [registered, setRegistered] = useState<ClientConfig>();

  useEffect(() => {
    void loadClients();
  }, [loadClients]);

  const editing =
    editor.mode === 'edit' && clients.status === 'ready'
      ? clients.data.find((c) => c.clientId === editor.clientId)
      : undefined;

  return (
    <div className="view-body">
      <div className="toolbar">
        <p className="muted">Apps that may ask this server for codes and tokens.</p>
        <button type="button" className="button primary" onClick={() => setEditor({ mode: 'create' })}>
          New client
        </button>
      </div>
      {registered !== undefined && editor.mode === 'closed' ? (
        <Registered
          client={registered}
          onDismiss={() => {
            setRegistered(undefined);
          }}
        />
      ) : null}
      {editor.mode === 'create' ? <ClientForm key="new" mode="create" onRegistered={setRegistered} /> : null}
      {editor.mode === 'edit' && editing !== undefined ? (
        <ClientForm key={editing.clientId} mode="update" client={editing} />
      ) : null}
      {editor.mode === 'confirm-delete' ? <ConfirmDelete clientId={editor.clientId} /> : null}
      {clients.status === 'loading' || clients.status === 'idle' ? <Loading what="clients" /> : null}
      {clients.status === 'error' ? <ErrorText message={clients.message} /> : null}
      {clients.status === 'ready' && clients.data.length === 0 && editor.mode === 'closed' ? (
        <EmptyState title="No clients yet">
          <p>Register the app you are building: press “New client”, or load a config file in Settings.</p>
        </EmptyState>
      ) : null}
      {clients.status === 'ready' && clients.data.length > 0 ? <ClientTable clients={clients.data} /> : null}
    </div>
  );
}

/**
 * Each row shows what `GET /clients` computes on the server beside the client as registered (README "Admin
 * API"): `warnings`, what the active profile cannot serve it, and `effective`, its values in force.
 */
function ClientTable({ clients }: { readonly clients: readonly ListedClient[] }) {
  const setEditor = useApp((s) => s.setClientEditor);
  return (
    <table className="table" aria-label="Registered clients">
      <thead>
        <tr>
          <th scope="col">Client ID</th>
          <th scope="col">Type</th>
          <th scope="col">Auth method</th>
          <th scope="col">Grants</th>
          <th scope="col">Redirect URIs</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {clients.map((c) => (
          <tr key={c.clientId} data-client-id={c.clientId}>
            <th scope="row">
              <code>{c.clientId}</code>
              {c.clientName === undefined ? null : <div className="muted small">{c.clientName}</div>}
              {c.warnings.map((w) => (
                <div key={w} className="small" role="note">
                  <span className="badge armed-badge">warning</span> {w}
                </div>
              ))}
            </th>
            <td>{kindOf(c.effective.authMethod)}</td>
            <td>
              <code>{c.effective.authMethod}</code>
            </td>
            <td>{c.effective.grantTypes.map((g) => GRANT_LABEL[g]).join(', ')}</td>
            <td>
              {(c.redirectUris ?? []).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                (c.redirectUris ?? []).map((u) => (
                  <div key={u}>
                    <code className="small">{u}</code>
                  </div>
                ))
              )}
            </td>
            <td className="row-actions">
              <button
                type="button"
                className="button small"
                onClick={() => setEditor({ mode: 'edit', clientId: c.clientId })}
                aria-label={`Edit ${c.clientId}`}
              >
                Edit
              </button>
              <button
                type="button"
                className="button small danger"
                onClick={() => setEditor({ mode: 'confirm-delete', clientId: c.clientId })}
                aria-label={`Delete ${c.clientId}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfirmDelete({ clientId }: { readonly clientId: string }) {
  const setEditor = useApp((s) => s.setClientEditor);
  const deleteClient = useApp((s) => s.deleteClient);
  const announce = useApp((s) => s.announce);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
  }, []);
  async function confirm() {
    setBusy(true);
    const result = await deleteClient(clientId);
    setBusy(false);
    if (result.ok) {
      setEditor({ mode: 'closed' });
      announce(`Client ${clientId} deleted`);
    } else setError(result.message);
  }
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      onKeyDown={(e) => e.key === 'Escape' && setEditor({ mode: 'closed' })}
    >
      <h2 id="confirm-title">Delete client {clientId}?</h2>
      <p id="confirm-text">
        It can no longer get codes or tokens. Tokens it already holds stay valid until they expire or are
        revoked.
      </p>
      <ErrorText message={error} />
      <div className="button-row">
        <button type="button" className="button danger" onClick={confirm} disabled={busy}>
          Delete {clientId}
        </button>
        <button
          type="button"
          className="button"
          ref={cancelRef}
          onClick={() => setEditor({ mode: 'closed' })}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The confirmation of a registration; the admin API never returns a secret again (Edit → Reveal aside). */
function Registered({
  client,
  onDismiss,
}: {
  readonly client: ClientConfig;
  readonly onDismiss: () => void;
}) {
  const secret = client.clientSecret;
  return (
    <Card
      title={`Client ${client.clientId} registered`}
      className="registered"
      actions={
        <button type="button" className="button small ghost" onClick={onDismiss}>
          Dismiss
        </button>
      }
    >
      {secret === undefined || secret === '' ? (
        <p>It needs no secret: it authenticates with {client.tokenEndpointAuthMethod ?? 'its own means'}.</p>
      ) : (
        <>
          <p>Copy its client secret into your app now; it is shown here this once.</p>
          <div className="secret-once">
            <span className="muted">client_secret</span>
            <CopyValue value={secret} label="Copy secret" />
          </div>
        </>
      )}
    </Card>
  );
}

function ClientForm({
  mode,
  client,
  onRegistered,
}: {
  readonly mode: 'create' | 'update';
  readonly client?: ListedClient;
  readonly onRegistered?: (client: ClientConfig) => void;
}) {
  const [values, setValues] = useState<ClientFormValues>(() =>
    client === undefined ? newClientForm(randomSecret()) : clientToForm(client, client.effective),
  );
  const [errors, setErrors] = useState<FormErrors>({});
  const [serverError, setServerError] = useState<string>();
  const [revealed, setRevealed] = useState(false);
  const [busy, setBusy] = useState(false);
  const saveClient = useApp((s) => s.saveClient);
  const setEditor = useApp((s) => s.setClientEditor);
  const announce = useApp((s) => s.announce);
  const firstRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    firstRef.current?.focus();
  }, []);

  function set<K extends keyof ClientFormValues>(key: K, value: ClientFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }
  function setKind(kind: ClientKind) {
    setValues((v) => ({
      ...v,
      kind,
      authMethod: KIND_METHODS[kind].includes(v.authMethod)
        ? v.authMethod
        : (KIND_METHODS[kind][0] ?? 'none'),
      clientSecret: kind === 'confidential' && v.clientSecret === '' ? randomSecret() : v.clientSecret,
      grantTypes: kind === 'backend' ? ['client_credentials'] : v.grantTypes,
    }));
  }
  function toggleGrant(grant: GrantType, on: boolean) {
    setValues((v) => ({
      ...v,
      grantTypes: on ? [...v.grantTypes, grant] : v.grantTypes.filter((g) => g !== grant),
    }));
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const { client: doc, errors: found } = formToClient(values);
    setErrors(found);
    setServerError(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const result = await saveClient(doc, mode);
    setBusy(false);
    if (result.ok) {
      setEditor({ mode: 'closed' });
      if (mode === 'create') onRegistered?.(doc);
      announce(`Client ${doc.clientId} ${mode === 'create' ? 'registered' : 'saved'}`);
      return;
    }
    setServerError(result.message);
    const fieldErrors: FormErrors = {};
    for (const issue of result.issues.length > 0
      ? result.issues
      : [{ path: result.field ?? '', message: result.message }]) {
      const field = formFieldOf(issue.path);
      if (field !== undefined) fieldErrors[field] ??= issue.message;
    }
    setErrors(fieldErrors);
  }

  const secretMethod = values.kind === 'confidential';
  return (
    <form
      className="card form"
      onSubmit={submit}
      aria-labelledby="client-form-title"
      noValidate
      data-state={busy ? 'saving' : 'editing'}
    >
      <header className="card-header">
        <h2 id="client-form-title">{mode === 'create' ? 'New client' : `Edit ${values.clientId}`}</h2>
      </header>
      <ErrorText message={serverError} />
      <div className="form-grid">
        <Field label="Client ID" error={errors.clientId} hint="The client_id the app sends.">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              ref={firstRef}
              value={values.clientId}
              onChange={(e) => set('clientId', e.target.value)}
              readOnly={mode === 'update'}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Name" error={errors.clientName}>
          {({ id, describedBy }) => (
            <input
              id={id}
              value={values.clientName}
              onChange={(e) => set('clientName', e.target.value)}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <fieldset className="field span-2">
          <legend>Type</legend>
          <div className="choice-row">
            {(Object.keys(KIND_LABEL) as ClientKind[]).map((kind) => (
              <label key={kind} className="choice">
                <input
                  type="radio"
                  name="kind"
                  value={kind}
                  checked={values.kind === kind}
                  onChange={() => setKind(kind)}
                />
                {KIND_LABEL[kind]}
              </label>
            ))}
          </div>
        </fieldset>
        <Field label="Token endpoint auth method" error={errors.authMethod}>
          {({ id, describedBy }) => (
            <select
              id={id}
              value={values.authMethod}
              onChange={(e) => set('authMethod', e.target.value as AuthMethod)}
              aria-describedby={describedBy}
            >
              {AUTH_METHOD_VALUES.filter((m) => KIND_METHODS[values.kind].includes(m)).map((m) => (
                <option key={m} value={m}>
                  {METHOD_LABEL[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {secretMethod ? (
          <Field
            label="Client secret"
            error={errors.clientSecret}
            hint="Generated for you; the app sends it to the token endpoint."
          >
            {({ id, describedBy, invalid }) => (
              <div className="input-row">
                <input
                  id={id}
                  type={revealed ? 'text' : 'password'}
                  value={values.clientSecret}
                  onChange={(e) => set('clientSecret', e.target.value)}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  autoComplete="off"
                  spellCheck={false}
                  className="mono"
                />
                <button
                  type="button"
                  className="button small"
                  onClick={() => setRevealed((r) => !r)}
                  aria-pressed={revealed}
                >
                  {revealed ? 'Hide' : 'Reveal'}
                </button>
                <CopyButton text={values.clientSecret} label="Copy secret" />
                <button
                  type="button"
                  className="button small"
                  onClick={() => set('clientSecret', randomSecret())}
                >
                  Generate
                </button>
              </div>
            )}
          </Field>
        ) : (
          <div />
        )}
        <Field
          label="Redirect URIs"
          error={errors.redirectUris}
          hint="One per line, compared as exact strings. For http://127.0.0.1 any port matches (RFC 8252 §7.3)."
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={3}
              value={values.redirectUris}
              onChange={(e) => set('redirectUris', e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              spellCheck={false}
              className="mono"
            />
          )}
        </Field>
        <Field
          label="Launch URL"
          error={errors.launchUrl}
          hint="Where an EHR launch sends the user (with iss and launch)."
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              value={values.launchUrl}
              onChange={(e) => set('launchUrl', e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              spellCheck={false}
              className="mono"
              placeholder="http://localhost:3000/launch"
            />
          )}
        </Field>
        <fieldset
          className="field"
          aria-describedby={errors.grantTypes === undefined ? undefined : 'grant-error'}
        >
          <legend>Grant types</legend>
          {GRANT_TYPE_VALUES.map((g) => (
            <label key={g} className="choice">
              <input
                type="checkbox"
                checked={values.grantTypes.includes(g)}
                onChange={(e) => toggleGrant(g, e.target.checked)}
              />
              {GRANT_LABEL[g]}
            </label>
          ))}
          {errors.grantTypes === undefined ? null : (
            <p className="field-error" id="grant-error">
              {errors.grantTypes}
            </p>
          )}
        </fieldset>
        <fieldset className="field">
          <legend>Security</legend>
          <label className="choice">
            <input
              type="checkbox"
              checked={values.kind === 'public' || values.requirePkce}
              disabled={values.kind === 'public'}
              onChange={(e) => set('requirePkce', e.target.checked)}
            />
            Require PKCE (S256)
          </label>
          <label className="choice">
            <input
              type="checkbox"
              checked={values.refreshTokenRotation}
              onChange={(e) => set('refreshTokenRotation', e.target.checked)}
            />
            Rotate refresh tokens
          </label>
          <label className="choice">
            <input
              type="checkbox"
              checked={values.refreshTokenReuseDetection}
              onChange={(e) => set('refreshTokenReuseDetection', e.target.checked)}
            />
            Reuse of a rotated refresh token revokes the grant
          </label>
        </fieldset>
        <Field
          label="Allowed scopes"
          error={errors.scope}
          hint="Space-separated. SMART v1 and v2 scopes cover narrower ones."
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={2}
              value={values.scope}
              onChange={(e) => set('scope', e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              spellCheck={false}
              className="mono span-2"
            />
          )}
        </Field>
        <div className="field-pair">
          <Field
            label="Access token lifetime (s)"
            error={errors.accessTokenLifetime}
            hint="Empty: the server default."
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                inputMode="numeric"
                value={values.accessTokenLifetime}
                onChange={(e) => set('accessTokenLifetime', e.target.value)}
                aria-describedby={describedBy}
                aria-invalid={invalid}
              />
            )}
          </Field>
          <Field
            label="Refresh token lifetime (s)"
            error={errors.refreshTokenLifetime}
            hint="Empty: the server default."
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                inputMode="numeric"
                value={values.refreshTokenLifetime}
                onChange={(e) => set('refreshTokenLifetime', e.target.value)}
                aria-describedby={describedBy}
                aria-invalid={invalid}
              />
            )}
          </Field>
        </div>
        {values.authMethod === 'private_key_jwt' ? (
          <fieldset className="field span-2">
            <legend>Public keys (JWKS)</legend>
            <div className="choice-row">
              <label className="choice">
                <input
                  type="radio"
                  name="jwks-source"
                  checked={values.jwksSource === 'paste'}
                  onChange={() => set('jwksSource', 'paste')}
                />
                Paste a JWK Set
              </label>
              <label className="choice">
                <input
                  type="radio"
                  name="jwks-source"
                  checked={values.jwksSource === 'url'}
                  onChange={() => set('jwksSource', 'url')}
                />
                By URL
              </label>
            </div>
            {values.jwksSource === 'paste' ? (
              <Field label="JWK Set" error={errors.jwks}>
                {({ id, describedBy, invalid }) => (
                  <textarea
                    id={id}
                    rows={5}
                    value={values.jwks}
                    onChange={(e) => set('jwks', e.target.value)}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    spellCheck={false}
                    className="mono"
                    placeholder='{"keys": [ … ]}'
                  />
                )}
              </Field>
            ) : (
              <Field label="JWKS URL" error={errors.jwksUri}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    value={values.jwksUri}
                    onChange={(e) => set('jwksUri', e.target.value)}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    spellCheck={false}
                    className="mono"
                  />
                )}
              </Field>
            )}
          </fieldset>
        ) : null}
      </div>
      <div className="button-row">
        <button type="submit" className="button primary" disabled={busy}>
          {mode === 'create' ? 'Register client' : 'Save changes'}
        </button>
        <button type="button" className="button" onClick={() => setEditor({ mode: 'closed' })}>
          Cancel
        </button>
      </div>
    </form>
  );
}
