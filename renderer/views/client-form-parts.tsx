import { useState } from 'react';
import { Choice, CopyButton, Field } from '../components/common.js';
import { TextField } from '../components/text-field.js';
import { randomSecret } from '../lib/random.js';
import type { ClientFormValues, FormErrors } from './client-form-model.js';

/** Changes one field of the client form. */
export type SetField = <K extends keyof ClientFormValues>(key: K, value: ClientFormValues[K]) => void;

/** The fields of the client form that hold free text (not a choice among fixed values). */
export type TextKey = {
  [K in keyof ClientFormValues]: string extends ClientFormValues[K] ? K : never;
}[keyof ClientFormValues];

/**
 * Binds a text field of the client form to its key: its value, the error found for it (by the form or by the
 * server) and the change that writes it back. Spread into a `TextField`.
 */
export function textBinding<K extends TextKey>(
  values: Pick<ClientFormValues, K>,
  errors: Pick<FormErrors, K>,
  set: SetField,
): (key: K) => { value: string; error: string | undefined; onChange: (value: string) => void } {
  return (key) => ({
    value: values[key],
    error: errors[key],
    onChange: (value) => set<TextKey>(key, value),
  });
}

/**
 * The client secret: hidden until revealed, copyable, and replaceable by a fresh random one (RFC 6749 §2.3.1:
 * the app sends it to the token endpoint).
 */
export function SecretField({
  value,
  error,
  onChange,
}: {
  readonly value: string;
  readonly error?: string | undefined;
  readonly onChange: (secret: string) => void;
}) {
  const [revealed, setRevealed] = useState(false);
  return (
    <Field
      label="Client secret"
      error={error}
      hint="Generated for you; the app sends it to the token endpoint."
    >
      {({ id, describedBy, invalid }) => (
        <div className="input-row">
          <input
            id={id}
            type={revealed ? 'text' : 'password'}
            value={value}
            onChange={(e) => onChange(e.target.value)}
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
          <CopyButton text={value} label="Copy secret" />
          <button type="button" className="button small" onClick={() => onChange(randomSecret())}>
            Generate
          </button>
        </div>
      )}
    </Field>
  );
}

/**
 * PKCE and refresh-token rules of one client. A public client always needs PKCE (RFC 9700 §2.1.1), so that box
 * is shown ticked and cannot be cleared.
 */
export function SecurityGroup({
  values,
  set,
}: {
  readonly values: Pick<
    ClientFormValues,
    'kind' | 'requirePkce' | 'refreshTokenRotation' | 'refreshTokenReuseDetection'
  >;
  readonly set: SetField;
}) {
  return (
    <fieldset className="field">
      <legend>Security</legend>
      <Choice
        checked={values.kind === 'public' || values.requirePkce}
        disabled={values.kind === 'public'}
        onChange={(on) => set('requirePkce', on)}
        label="Require PKCE (S256)"
      />
      <Choice
        checked={values.refreshTokenRotation}
        onChange={(on) => set('refreshTokenRotation', on)}
        label="Rotate refresh tokens"
      />
      <Choice
        checked={values.refreshTokenReuseDetection}
        onChange={(on) => set('refreshTokenReuseDetection', on)}
        label="Reuse of a rotated refresh token revokes the grant"
      />
    </fieldset>
  );
}

/**
 * The public keys of a private_key_jwt client (RFC 7523 §3; SMART backend services): a pasted JWK Set or the
 * URL the server fetches it from.
 */
export function JwksGroup({
  values,
  errors,
  set,
}: {
  readonly values: Pick<ClientFormValues, 'jwksSource' | 'jwks' | 'jwksUri'>;
  readonly errors: Pick<FormErrors, 'jwks' | 'jwksUri'>;
  readonly set: SetField;
}) {
  const text = textBinding<'jwks' | 'jwksUri'>(values, errors, set);
  return (
    <fieldset className="field span-2">
      <legend>Public keys (JWKS)</legend>
      <div className="choice-row">
        <Choice
          radio="jwks-source"
          checked={values.jwksSource === 'paste'}
          onChange={() => set('jwksSource', 'paste')}
          label="Paste a JWK Set"
        />
        <Choice
          radio="jwks-source"
          checked={values.jwksSource === 'url'}
          onChange={() => set('jwksSource', 'url')}
          label="By URL"
        />
      </div>
      {values.jwksSource === 'paste' ? (
        <TextField label="JWK Set" rows={5} mono placeholder='{"keys": [ … ]}' {...text('jwks')} />
      ) : (
        <TextField label="JWKS URL" mono {...text('jwksUri')} />
      )}
    </fieldset>
  );
}
