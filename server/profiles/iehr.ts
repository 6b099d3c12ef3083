import type { Profile } from './profile.js';

/**
 * The iEHR token endpoint document (POST /oauth2/token; test/fixtures/iehr-oauth2-token-endpoint.txt, copied
 * verbatim from the vendor's). Each field cites the row it reproduces;
 * docs/profiles.md maps every row to its test.
 */
export const iehrProfile: Profile = {
  name: 'iehr',
  title: 'iEHR OAuth 2.0 token endpoint',
  tokenPath: '/oauth2/token',
  // "Must be the same redirect_uri that was used to get authorization_code in /oauth2/authorize".
  authorizePath: '/oauth2/authorize',
  // "Must be authorization_code or refresh_token or client_credentials".
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  // "If the client was issued a secret, the client must pass its client_id and client_secret in the
  // authorization header through Basic HTTP authorization."
  authMethods: ['client_secret_basic', 'none'],
  // "code_verifier (Conditional) Required if ... the authorization code was requested with PKCE."
  pkce: 'when-sent',
  requireAud: false,
  // "Your app makes requests to this endpoint directly, not through the user's browser."
  tokenCors: false,
  // "Content-Type Must always be 'application/x-www-form-urlencoded'."
  parameterLocation: 'body',
  requiredParams: {
    // "grant_type (Required)", "client_id (Required)" (or in the Basic header, as the samples send it).
    always: ['grant_type', 'client_id'],
    byGrant: {
      // "redirect_uri (Conditional) Required only if grant_type is authorization_code"; "code (Conditional)".
      authorization_code: ['code', 'redirect_uri'],
      // invalid_request: "grant_type is refresh_token but refresh_token is not included".
      refresh_token: ['refresh_token'],
    },
  },
  refreshTokens: {
    // The Note: "returns refresh_token only when the grant_type is authorization_code and the requested
    // scopes during login included offline or offline_access". The other reading ("only when the grant_type
    // is authorization_code") is `always`, selectable in a config profile that extends this one.
    onAuthorizationCode: 'offline-scope',
    offlineScopes: ['offline', 'offline_access'],
    // The refresh sample answers without a refresh_token: the one in use stays valid.
    onRefresh: 'none',
  },
  scope: {
    // "scope ... Only used if the grant_type is client_credentials."
    onRefresh: 'ignore',
    // "Any scope that you request must be activated for the app client, or iEHR will ignore it."
    unknownOnClientCredentials: 'ignore',
    // The document grants whatever scope is enabled for the client and says nothing of SMART contexts.
    patientUserOnClientCredentials: 'grant',
  },
  tokenResponse: {
    // The sample responses carry exactly these fields; none carries scope or launch context.
    fields: ['access_token', 'refresh_token', 'id_token', 'token_type', 'expires_in'],
    extra: {},
  },
  errors: {
    // Sample Error Response: {"error": "invalid_request|invalid_client|invalid_grant|..."}, no description.
    fields: ['error'],
    // The sample answers every listed error with "HTTP/1.1 400 Bad Request", invalid_client included.
    status: { invalid_client: 400 },
    descriptionByReason: {},
    descriptionByCode: {},
  },
  discovery: {
    // The scopes the document names: openid (the client_credentials sample), offline and offline_access (the
    // refresh Note), email and profile (the invalid_grant example); custom scopes are per client.
    scopesSupported: ['openid', 'profile', 'email', 'offline', 'offline_access'],
  },
};
