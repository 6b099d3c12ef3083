import { CLIENT_ID, LIFETIME_SECONDS } from '../../server/config/bounds.js';
import type { AuthMethod, ClientConfig, EffectiveClient, GrantType } from '../api/types.js';
import { lifetimeProblem } from '../lib/lifetime.js';

/** The three kinds of client people register, each with the auth methods that fit it. */
export type ClientKind = 'confidential' | 'public' | 'backend';

export const KIND_METHODS: Record<ClientKind, readonly AuthMethod[]> = {
  confidential: ['client_secret_basic', 'client_secret_post'],
  public: ['none'],
  backend: ['private_key_jwt'],
};

/** The kind of client an auth method makes: give it the method in force, as the server lists it (`effective`). */
export function kindOf(method: AuthMethod): ClientKind {
  if (method === 'none') return 'public';
  if (method === 'private_key_jwt') return 'backend';
  return 'confidential';
}

/** The form's values: text as typed, so a half-typed number is never lost. */
export interface ClientFormValues {
  readonly clientId: string;
  readonly clientName: string;
  readonly kind: ClientKind;
  readonly authMethod: AuthMethod;
  readonly clientSecret: string;
  readonly redirectUris: string;
  readonly launchUrl: string;
  readonly grantTypes: readonly GrantType[];
  readonly scope: string;
  readonly requirePkce: boolean;
  readonly accessTokenLifetime: string;
  readonly refreshTokenLifetime: string;
  readonly refreshTokenRotation: boolean;
  readonly refreshTokenReuseDetection: boolean;
  readonly jwksSource: 'paste' | 'url';
  readonly jwks: string;
  readonly jwksUri: string;
}

export const DEFAULT_SCOPE = 'openid fhirUser launch launch/patient patient/*.rs offline_access';

export function newClientForm(secret: string): ClientFormValues {
  return {
    clientId: '',
    clientName: '',
    kind: 'confidential',
    authMethod: 'client_secret_basic',
    clientSecret: secret,
    redirectUris: 'http://localhost:3000/callback',
    launchUrl: '',
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: DEFAULT_SCOPE,
    requirePkce: true,
    accessTokenLifetime: '',
    refreshTokenLifetime: '',
    refreshTokenRotation: true,
    refreshTokenReuseDetection: true,
    jwksSource: 'paste',
    jwks: '',
    jwksUri: '',
  };
}

/**
 * A registered client as the form shows it. Where its document says nothing, the form starts from the values in
 * force that the server lists (`effective`), so saving writes what was in force, not a default of the form's own.
 * Lifetimes stay empty instead: empty keeps following the server's `tokens` settings.
 */
export function clientToForm(c: ClientConfig, effective: EffectiveClient): ClientFormValues {
  return {
    clientId: c.clientId,
    clientName: c.clientName ?? '',
    kind: kindOf(effective.authMethod),
    authMethod: effective.authMethod,
    clientSecret: c.clientSecret ?? '',
    redirectUris: (c.redirectUris ?? []).join('\n'),
    launchUrl: c.launchUrl ?? '',
    grantTypes: effective.grantTypes,
    scope: effective.scope,
    requirePkce: effective.requirePkce,
    accessTokenLifetime: c.accessTokenLifetime === undefined ? '' : String(c.accessTokenLifetime),
    refreshTokenLifetime: c.refreshTokenLifetime === undefined ? '' : String(c.refreshTokenLifetime),
    refreshTokenRotation: effective.refreshTokenRotation,
    refreshTokenReuseDetection: effective.refreshTokenReuseDetection,
    jwksSource: c.jwksUri !== undefined ? 'url' : 'paste',
    jwks: c.jwks === undefined ? '' : JSON.stringify(c.jwks, null, 2),
    jwksUri: c.jwksUri ?? '',
  };
}

/** Field name → what is wrong with it, in the words the form shows under the field. */
export type FormErrors = Partial<Record<keyof ClientFormValues, string>>;

function lifetime(
  text: string,
  name: string,
  errors: FormErrors,
  key: keyof ClientFormValues,
): number | undefined {
  const problem = lifetimeProblem(text, name, LIFETIME_SECONDS);
  if (problem !== undefined) errors[key] = problem;
  const t = text.trim();
  return problem !== undefined || t === '' ? undefined : Number(t);
}

/**
 * Turns the form into the client document the admin API takes, or says what to fix. Only what the form can
 * know is checked here; everything else is the server's to say, and its message is shown under the field.
 */
export function formToClient(v: ClientFormValues): { client: ClientConfig; errors: FormErrors } {
  const errors: FormErrors = {};
  const clientId = v.clientId.trim();
  if (clientId === '') errors.clientId = 'a client ID is required';
  else if (!new RegExp(CLIENT_ID.pattern).test(clientId))
    errors.clientId = 'use printable ASCII without spaces';
  else if (clientId.length > CLIENT_ID.maxLength)
    errors.clientId = `a client ID is at most ${CLIENT_ID.maxLength} characters (this one has ${clientId.length})`;
  const redirectUris = v.redirectUris
    .split('\n')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (v.grantTypes.length === 0) errors.grantTypes = 'choose at least one grant type';
  const secretMethod = v.authMethod === 'client_secret_basic' || v.authMethod === 'client_secret_post';
  if (secretMethod && v.clientSecret === '')
    errors.clientSecret = 'a confidential client needs a secret; generate one';
  let jwks: ClientConfig['jwks'];
  if (v.authMethod === 'private_key_jwt' && v.jwksSource === 'paste') {
    try {
      const parsed: unknown = JSON.parse(v.jwks);
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        !Array.isArray((parsed as { keys?: unknown }).keys)
      ) {
        errors.jwks = 'paste a JWK Set: a JSON object with a "keys" array';
      } else jwks = parsed as ClientConfig['jwks'];
    } catch {
      errors.jwks = 'this is not valid JSON; paste the JWK Set ({"keys": [...]})';
    }
  }
  if (v.authMethod === 'private_key_jwt' && v.jwksSource === 'url' && v.jwksUri.trim() === '') {
    errors.jwksUri = 'give the URL of the client’s JWK Set';
  }
  const access = lifetime(v.accessTokenLifetime, 'access token lifetime', errors, 'accessTokenLifetime');
  const refresh = lifetime(v.refreshTokenLifetime, 'refresh token lifetime', errors, 'refreshTokenLifetime');
  const client: ClientConfig = {
    clientId,
    ...(v.clientName.trim() === '' ? {} : { clientName: v.clientName.trim() }),
    tokenEndpointAuthMethod: v.authMethod,
    ...(secretMethod ? { clientSecret: v.clientSecret } : {}),
    redirectUris,
    ...(v.launchUrl.trim() === '' ? {} : { launchUrl: v.launchUrl.trim() }),
    grantTypes: [...v.grantTypes],
    scope: v.scope
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .join(' '),
    requirePkce: v.authMethod === 'none' ? true : v.requirePkce,
    ...(access === undefined ? {} : { accessTokenLifetime: access }),
    ...(refresh === undefined ? {} : { refreshTokenLifetime: refresh }),
    refreshTokenRotation: v.refreshTokenRotation,
    refreshTokenReuseDetection: v.refreshTokenReuseDetection,
    ...(v.authMethod === 'private_key_jwt' && v.jwksSource === 'paste' && jwks !== undefined ? { jwks } : {}),
    ...(v.authMethod === 'private_key_jwt' && v.jwksSource === 'url' ? { jwksUri: v.jwksUri.trim() } : {}),
  };
  return { client, errors };
}

/** The form field a server error names (`redirectUris[0]` → `redirectUris`), when the form has one. */
export function formFieldOf(path: string | undefined): keyof ClientFormValues | undefined {
  if (path === undefined) return undefined;
  const head = /^[A-Za-z]+/.exec(path.replace(/^\./, ''))?.[0];
  const map: Partial<Record<string, keyof ClientFormValues>> = {
    clientId: 'clientId',
    clientName: 'clientName',
    clientSecret: 'clientSecret',
    redirectUris: 'redirectUris',
    launchUrl: 'launchUrl',
    grantTypes: 'grantTypes',
    scope: 'scope',
    tokenEndpointAuthMethod: 'authMethod',
    requirePkce: 'requirePkce',
    accessTokenLifetime: 'accessTokenLifetime',
    refreshTokenLifetime: 'refreshTokenLifetime',
    jwks: 'jwks',
    jwksUri: 'jwksUri',
  };
  return head === undefined ? undefined : map[head];
}
