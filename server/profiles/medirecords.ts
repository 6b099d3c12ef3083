import type { Profile } from './profile.js';
import { SMART_APP_SCOPES, SMART_REFRESH_TOKENS, SMART_SCOPE_RULES } from './smart.js';

/**
 * The MediRecords FHIR Implementation Guide 1.4.2, "token" (POST {MRAPP_BASE_URL}/oauth/smartauth/token).
 * Each field cites the row of the document it reproduces; docs/profiles.md maps every row to its test.
 */

/** The document's error table, "Error Description(s)" column, verbatim. */
export const MEDIRECORDS_DESCRIPTIONS = {
  redirectUriMismatch: 'Redirect_uri mismatch',
  missingParameters: 'Missing required parameters',
  unsupportedGrantType: 'Unsupported grant type',
  missingCodeVerifier: 'Missing code_verifier',
  codeVerifierFailed: 'Code_verifier check fail/failed to consume authorization code',
  clientNotAuthorised: 'Client_id not found/authorised',
  unexpected: 'Unexpected server error',
} as const;

const D = MEDIRECORDS_DESCRIPTIONS;

export const medirecordsProfile: Profile = {
  name: 'medirecords',
  title: 'MediRecords FHIR IG 1.4.2 token endpoint',
  tokenPath: '/oauth/smartauth/token',
  // The document shows only the token endpoint; this authorize path sits beside it (docs/profiles.md).
  authorizePath: '/oauth/smartauth/authorize',
  // "grant_type ... Currently only supports: authorization_code".
  grantTypes: ['authorization_code'],
  // The document names client_id and no client_assertion: SMART public and symmetric clients.
  authMethods: ['none', 'client_secret_basic', 'client_secret_post'],
  // "code_verifier ... This is mandatory if code_challenge was provided in the previous /authorize call".
  pkce: 'when-sent',
  requireAud: false,
  // A SMART token endpoint: SMART App Launch 2.2 browser apps call it.
  tokenCors: true,
  // "Query Parameters" of a POST: read as the form body SMART clients send; `query-or-body` is selectable.
  parameterLocation: 'body',
  // The request table marks no parameter optional; code_verifier is conditional (checked by the grant).
  requiredParams: {
    always: ['grant_type', 'client_id'],
    byGrant: { authorization_code: ['code', 'redirect_uri'] },
  },
  // "refresh_token (optional)": issued as SMART issues it, for offline_access or online_access.
  refreshTokens: SMART_REFRESH_TOKENS,
  // No refresh or client_credentials grant here: SMART's rules, for a config profile that extends this one.
  scope: SMART_SCOPE_RULES,
  tokenResponse: {
    // "Response Parameters", in the document's order.
    fields: [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'id_token',
      'refresh_token',
      'patient',
      'encounter',
      'fhirContext',
    ],
    extra: {},
  },
  errors: {
    fields: ['error', 'error_description'],
    // "401 Unauthorized: Client_id not found/authorised" covers a client not allowed the grant as well.
    status: { unauthorized_client: 401 },
    descriptionByReason: {
      missing_parameter: D.missingParameters,
      redirect_uri_mismatch: D.redirectUriMismatch,
      missing_code_verifier: D.missingCodeVerifier,
      code_verifier_failed: D.codeVerifierFailed,
      code_consumed: D.codeVerifierFailed,
      code_invalid: D.codeVerifierFailed,
      client_not_found: D.clientNotAuthorised,
      client_auth_failed: D.clientNotAuthorised,
    },
    descriptionByCode: {
      unsupported_grant_type: D.unsupportedGrantType,
      invalid_client: D.clientNotAuthorised,
      unauthorized_client: D.clientNotAuthorised,
      invalid_grant: D.codeVerifierFailed,
      server_error: D.unexpected,
    },
  },
  discovery: {
    // SMART scopes for the one grant it serves; no system/ scopes without client_credentials.
    scopesSupported: [...SMART_APP_SCOPES],
  },
};
