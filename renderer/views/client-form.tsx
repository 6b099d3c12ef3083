import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import {
  AUTH_METHOD_VALUES,
  GRANT_TYPE_VALUES,
  type AuthMethod,
  type ClientConfig,
  type GrantType,
  type ListedClient,
} from '../api/types.js';
import { Choice, ErrorText, Field, Options, RadioGroup } from '../components/common.js';
import { TextField } from '../components/text-field.js';
import { randomSecret } from '../lib/random.js';
import { useApp } from '../store/react.js';
import {
  clientToForm,
  formFieldOf,
  formToClient,
  KIND_METHODS,
  newClientForm,
  type ClientFormValues,
  type ClientKind,
  type FormErrors,
} from './client-form-model.js';
import { JwksGroup, SecretField, SecurityGroup, textBinding } from './client-form-parts.js';

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

export const GRANT_LABEL: Record<GrantType, string> = {
  authorization_code: 'Authorization code',
  refresh_token: 'Refresh token',
  client_credentials: 'Client credentials',
};

/** Registers a new client or edits one: the form of the Clients view, made of its parts. */
export function ClientForm({
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
  const text = textBinding(values, errors, set);
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
        <TextField
          label="Client ID"
          hint="The client_id the app sends."
          inputRef={firstRef}
          {...text('clientId')}
          readOnly={mode === 'update'}
          autoComplete="off"
          spellCheck={false}
        />
        <TextField label="Name" {...text('clientName')} />
        <RadioGroup
          legend="Type"
          name="kind"
          className="span-2"
          labels={KIND_LABEL}
          value={values.kind}
          onChange={setKind}
        />
        <Field label="Token endpoint auth method" error={errors.authMethod}>
          {({ id, describedBy }) => (
            <select
              id={id}
              value={values.authMethod}
              onChange={(e) => set('authMethod', e.target.value as AuthMethod)}
              aria-describedby={describedBy}
            >
              <Options
                items={AUTH_METHOD_VALUES.filter((m) => KIND_METHODS[values.kind].includes(m))}
                value={(m) => m}
                label={(m) => METHOD_LABEL[m]}
              />
            </select>
          )}
        </Field>
        {secretMethod ? <SecretField {...text('clientSecret')} /> : <div />}
        <TextField
          label="Redirect URIs"
          hint="One per line, compared as exact strings. For http://127.0.0.1 any port matches (RFC 8252 §7.3)."
          rows={3}
          mono
          {...text('redirectUris')}
        />
        <TextField
          label="Launch URL"
          hint="Where an EHR launch sends the user (with iss and launch)."
          mono
          {...text('launchUrl')}
          placeholder="http://localhost:3000/launch"
        />
        <fieldset
          className="field"
          aria-describedby={errors.grantTypes === undefined ? undefined : 'grant-error'}
        >
          <legend>Grant types</legend>
          {GRANT_TYPE_VALUES.map((g) => (
            <Choice
              key={g}
              checked={values.grantTypes.includes(g)}
              onChange={(on) => toggleGrant(g, on)}
              label={GRANT_LABEL[g]}
            />
          ))}
          {errors.grantTypes === undefined ? null : (
            <p className="field-error" id="grant-error">
              {errors.grantTypes}
            </p>
          )}
        </fieldset>
        <SecurityGroup values={values} set={set} />
        <TextField
          label="Allowed scopes"
          hint="Space-separated. SMART v1 and v2 scopes cover narrower ones."
          rows={2}
          mono
          className="span-2"
          {...text('scope')}
        />
        <div className="field-pair">
          <TextField
            label="Access token lifetime (s)"
            hint="Empty: the server default."
            inputMode="numeric"
            {...text('accessTokenLifetime')}
          />
          <TextField
            label="Refresh token lifetime (s)"
            hint="Empty: the server default."
            inputMode="numeric"
            {...text('refreshTokenLifetime')}
          />
        </div>
        {values.authMethod === 'private_key_jwt' ? (
          <JwksGroup values={values} errors={errors} set={set} />
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
