import { RFC6749_ERROR_SHAPE } from '../oauth/errors.js';
import type { Profile } from './profile.js';
import { TOKEN_FIELDS } from './token-fields.js';

/** The scopes a SMART app asks for (SMART App Launch 2.2 §scopes), without the Backend Services' system/ ones. */
export const SMART_APP_SCOPES = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.rs',
  'user/*.rs',
] as const;

/** SMART App Launch 2.2 §scopes for requesting a refresh token: issued for offline_access or online_access. */
export const SMART_REFRESH_TOKENS: Profile['refreshTokens'] = {
  onAuthorizationCode: 'offline-scope',
  offlineScopes: ['offline_access', 'online_access'],
  onRefresh: 'rotate',
};

/**
 * RFC 6749 §6 narrowing on refresh; SMART Backend Services §scopes: a client_credentials token carries only
 * scopes the client may have, and system/ ones only.
 */
export const SMART_SCOPE_RULES: Profile['scope'] = {
  onRefresh: 'narrow',
  unknownOnClientCredentials: 'refuse',
  patientUserOnClientCredentials: 'refuse',
};

/** The default: SMART App Launch 2.2 and RFC 6749 as strictly as a careful EHR applies them. */
export const smartProfile: Profile = {
  name: 'smart',
  title: 'SMART App Launch 2.2 (strict)',
  tokenPath: '/token',
  authorizePath: '/authorize',
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
  // SMART App Launch 2.2: every app uses PKCE S256, public or not.
  pkce: 'required',
  requireAud: true,
  tokenCors: true,
  parameterLocation: 'body',
  requiredParams: { always: [], byGrant: {} },
  refreshTokens: SMART_REFRESH_TOKENS,
  scope: SMART_SCOPE_RULES,
  tokenResponse: { fields: TOKEN_FIELDS, extra: {} },
  errors: RFC6749_ERROR_SHAPE,
  discovery: {
    // `email` releases the persona's email and email_verified (OpenID Connect Core §5.4).
    scopesSupported: [...SMART_APP_SCOPES, 'email', 'system/*.rs'],
  },
};
