import {
  AccessDenied,
  InsufficientScope,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidToken,
  ServerError,
  TemporarilyUnavailable,
  UnauthorizedClient,
  UnsupportedGrantType,
  type OAuthError,
  type OAuthErrorOptions,
} from '../oauth/errors.js';
import type { FailureEndpoint } from '../admin/shapes.js';
import type { FailureId } from './ids.js';

export type { FailureEndpoint };

/** How an injected failure reshapes an otherwise successful token response. */
export type ResponseShape = 'malformed_json' | 'missing_access_token' | 'expired_token' | 'bad_signature';

/** What the request looks like to the failure, for errors that depend on it. */
export interface InjectionContext {
  /** The client sent `Authorization: Basic` (RFC 6749 §5.2: invalid_client then carries WWW-Authenticate). */
  readonly usedBasic: boolean;
}

/**
 * What a failure mode does. Errors go through the endpoint's normal error path, so the active profile words
 * them; `delay` and `hang` hold the answer back; `respond` lets the request succeed and then spoils the answer.
 */
export type FailureEffect =
  | { readonly kind: 'error'; readonly error: (context: InjectionContext) => OAuthError }
  | { readonly kind: 'delay' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'respond'; readonly shape: ResponseShape };

export interface FailureMode {
  readonly id: FailureId;
  readonly endpoint: FailureEndpoint;
  /** What a client sees, in a few words (README table, UI). */
  readonly produces: string;
  readonly effect: FailureEffect;
}

/** Used when `token.slow` is armed without `delayMs`. */
export const DEFAULT_SLOW_MS = 5_000;
/** Seconds a client is told to wait by `token.temporarily_unavailable` (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;

type ErrorClass = new (description: string, options?: OAuthErrorOptions) => OAuthError;

function injected(id: FailureId, Class: ErrorClass, description: string, rule: string) {
  return {
    kind: 'error',
    error: () => new Class(`${description} (injected by failure mode ${id})`, { rule }),
  } as const;
}

function mode(
  id: FailureId,
  endpoint: FailureEndpoint,
  produces: string,
  effect: FailureEffect,
): readonly [FailureId, FailureMode] {
  return [id, { id, endpoint, produces, effect }];
}

function error(
  id: FailureId,
  endpoint: FailureEndpoint,
  produces: string,
  Class: ErrorClass,
  description: string,
  rule: string,
): readonly [FailureId, FailureMode] {
  return mode(id, endpoint, produces, injected(id, Class, description, rule));
}

/**
 * Every failure mode of docs/failures.md, declared as data. The engine (`engine.ts`) is the one place that applies
 * them; endpoints only say where in their pipeline a failure may strike.
 */
export const FAILURE_CATALOG: ReadonlyMap<FailureId, FailureMode> = new Map([
  error(
    'token.invalid_request',
    'token',
    '400 invalid_request',
    InvalidRequest,
    'the request is missing a required parameter or is otherwise malformed',
    'RFC 6749 §5.2',
  ),
  mode('token.invalid_client', 'token', '401 invalid_client (WWW-Authenticate when Basic was used)', {
    kind: 'error',
    error: (context) =>
      new InvalidClient('client authentication failed (injected by failure mode token.invalid_client)', {
        rule: 'RFC 6749 §5.2',
        ...(context.usedBasic ? { headers: { 'WWW-Authenticate': 'Basic realm="token-sandbox"' } } : {}),
      }),
  }),
  error(
    'token.invalid_grant',
    'token',
    '400 invalid_grant',
    InvalidGrant,
    'the authorization grant or refresh token is invalid, expired or revoked',
    'RFC 6749 §5.2',
  ),
  error(
    'token.unauthorized_client',
    'token',
    '400 unauthorized_client',
    UnauthorizedClient,
    'the client is not allowed to use this grant type',
    'RFC 6749 §5.2',
  ),
  error(
    'token.unsupported_grant_type',
    'token',
    '400 unsupported_grant_type',
    UnsupportedGrantType,
    'the grant type is not supported by this server',
    'RFC 6749 §5.2',
  ),
  error(
    'token.invalid_scope',
    'token',
    '400 invalid_scope',
    InvalidScope,
    'the requested scope is invalid, unknown, or exceeds what was granted',
    'RFC 6749 §5.2',
  ),
  error(
    'token.server_error',
    'token',
    '500 server_error',
    ServerError,
    'the server met an unexpected condition',
    'RFC 6749 §4.1.2.1',
  ),
  mode(
    'token.temporarily_unavailable',
    'token',
    `503 temporarily_unavailable, Retry-After: ${RETRY_AFTER_SECONDS}`,
    {
      kind: 'error',
      error: () =>
        new TemporarilyUnavailable(
          'the server is temporarily overloaded or down for maintenance; retry later (injected by failure mode token.temporarily_unavailable)',
          {
            rule: 'RFC 6749 §4.1.2.1; RFC 9110 §10.2.3',
            headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
          },
        ),
    },
  ),
  // The seed documents' named cases: the error a real server gives for each, worded as ours are.
  error(
    'token.redirect_uri_mismatch',
    'token',
    '400 invalid_grant: redirect_uri mismatch',
    InvalidGrant,
    'redirect_uri does not match the one the code was issued for',
    'RFC 6749 §4.1.3',
  ),
  error(
    'token.missing_code_verifier',
    'token',
    '400 invalid_grant: missing code_verifier',
    InvalidGrant,
    'code_verifier is missing; the code was issued with a code_challenge',
    'RFC 7636 §4.6',
  ),
  error(
    'token.code_verifier_failed',
    'token',
    '400 invalid_grant: code_verifier check failed',
    InvalidGrant,
    'PKCE verification failed: S256(code_verifier) does not match the code_challenge',
    'RFC 7636 §4.6',
  ),
  error(
    'token.code_consumed',
    'token',
    '400 invalid_grant: code already used',
    InvalidGrant,
    'this authorization code was already used',
    'RFC 6749 §4.1.2',
  ),
  error(
    'token.refresh_revoked',
    'token',
    '400 invalid_grant: refresh token revoked',
    InvalidGrant,
    'the refresh token has been revoked',
    'RFC 7009 §2',
  ),
  mode('token.slow', 'token', `the normal answer, after delayMs (default ${DEFAULT_SLOW_MS} ms)`, {
    kind: 'delay',
  }),
  mode('token.hang', 'token', 'no answer at all until the client gives up', { kind: 'hang' }),
  mode('token.malformed_json', 'token', '200 with a truncated JSON body', {
    kind: 'respond',
    shape: 'malformed_json',
  }),
  mode('token.missing_access_token', 'token', '200 without access_token', {
    kind: 'respond',
    shape: 'missing_access_token',
  }),
  mode('token.expired_token', 'token', '200 with expires_in 0 and an access token already expired', {
    kind: 'respond',
    shape: 'expired_token',
  }),
  mode('token.bad_signature', 'token', '200 with tokens signed by a key not in the JWKS', {
    kind: 'respond',
    shape: 'bad_signature',
  }),
  error(
    'authorize.access_denied',
    'authorize',
    'redirect with error=access_denied',
    AccessDenied,
    'the resource owner denied the request',
    'RFC 6749 §4.1.2.1',
  ),
  error(
    'authorize.invalid_scope',
    'authorize',
    'redirect with error=invalid_scope',
    InvalidScope,
    'the requested scope is invalid, unknown, or malformed',
    'RFC 6749 §4.1.2.1',
  ),
  error(
    'authorize.server_error',
    'authorize',
    'redirect with error=server_error',
    ServerError,
    'the authorization server met an unexpected condition',
    'RFC 6749 §4.1.2.1',
  ),
  error(
    'fhir.invalid_token',
    'fhir',
    '401 invalid_token with WWW-Authenticate',
    InvalidToken,
    'the access token is invalid, expired or revoked',
    'RFC 6750 §3.1',
  ),
  error(
    'fhir.insufficient_scope',
    'fhir',
    '403 insufficient_scope with WWW-Authenticate',
    InsufficientScope,
    'the access token does not grant the scope this request needs',
    'RFC 6750 §3.1',
  ),
]);

/** The declared mode of an id; every id of `FAILURE_IDS` has one (checked by a test). */
export function failureMode(id: FailureId): FailureMode {
  const found = FAILURE_CATALOG.get(id);
  if (!found) throw new Error(`failure mode ${id} is not declared in the catalog`);
  return found;
}
