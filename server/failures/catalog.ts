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
  type OAuthErrorReason,
} from '../oauth/errors.js';
import type { FailureEndpoint } from '../admin/shapes.js';
import { FAILURE_IDS, type FailureId } from './ids.js';

export type { FailureEndpoint };

/** How an injected failure reshapes an otherwise successful token response. */
export type ResponseShape =
  'malformed_json' | 'missing_access_token' | 'expired_token' | 'bad_signature' | 'unknown_kid';

/** What the request looks like to the failure, for errors that depend on it. */
export interface InjectionContext {
  /** The client sent `Authorization: Basic` (RFC 6749 §5.2: invalid_client then carries WWW-Authenticate). */
  readonly usedBasic: boolean;
  /** The authenticated client and the grant it asked for, where the endpoint knows them (token). */
  readonly clientId?: string | undefined;
  readonly grantType?: string | undefined;
}

/**
 * What a failure mode does. Errors go through the endpoint's normal error path, so the active profile words
 * them; `delay` and `hang` hold the answer back; `respond` lets the request succeed and then spoils the answer.
 * An error imitates the genuine one: the same class, named case (`reason`) and wording, so the profile words
 * it as its document words the real error, and nothing in the answer says it was injected (the exchange log,
 * the verdict header and the workbench do).
 */
export type FailureEffect =
  | { readonly kind: 'error'; readonly error: (context: InjectionContext) => OAuthError }
  | { readonly kind: 'delay' }
  /** No answer; with `closeAfterMs`, the connection is closed (still unanswered) once that much time passes. */
  | { readonly kind: 'hang'; readonly closeAfterMs?: number }
  | { readonly kind: 'respond'; readonly shape: ResponseShape }
  /** The normal answer with a `Cache-Control: max-age` that outlives the next key change (the JWKS). */
  | { readonly kind: 'cache'; readonly maxAgeSeconds: number };

export interface FailureMode {
  readonly id: FailureId;
  readonly endpoint: FailureEndpoint;
  /** What a client sees, in a few words (README table, UI). */
  readonly produces: string;
  readonly effect: FailureEffect;
}

/** Used when `token.slow` is armed without `delayMs`. */
export const DEFAULT_SLOW_MS = 5_000;
/** How long `jwks.hang` holds a JWKS request before it closes the connection without an answer. */
export const JWKS_HANG_MS = 30_000;
/** The max-age `jwks.stale_cache` announces: a day, so a caching client keeps the old set across a rotation. */
export const STALE_JWKS_MAX_AGE_SECONDS = 86_400;
/** Seconds a client is told to wait by `token.temporarily_unavailable` (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;

type ErrorClass = new (description: string, options?: OAuthErrorOptions) => OAuthError;

/** What stands for the request's client or grant when the endpoint does not know it. */
const clientOf = (c: InjectionContext) => c.clientId ?? 'of this request';

interface Imitation {
  /** The genuine error's wording, from what the request says where the genuine one names it. */
  readonly description: string | ((context: InjectionContext) => string);
  readonly rule: string;
  /** The named case the genuine error carries, so a profile words both alike. */
  readonly reason?: OAuthErrorReason;
}

function injected(Class: ErrorClass, imitation: Imitation) {
  const { description, ...options } = imitation;
  return {
    kind: 'error',
    error: (context: InjectionContext) =>
      new Class(typeof description === 'string' ? description : description(context), options),
  } as const;
}

/** A mode as the catalog declares it, under its id. */
type FailureSpec = Omit<FailureMode, 'id'>;

function mode(endpoint: FailureEndpoint, produces: string, effect: FailureEffect): FailureSpec {
  return { endpoint, produces, effect };
}

function error(
  endpoint: FailureEndpoint,
  produces: string,
  Class: ErrorClass,
  imitation: Imitation,
): FailureSpec {
  return mode(endpoint, produces, injected(Class, imitation));
}

/**
 * Every failure mode of docs/failures.md, declared as data, keyed by id: the type makes a missing, unknown or
 * repeated id a compile error rather than a failed test. The engine (`engine.ts`) is the one place that applies
 * them; endpoints only say where in their pipeline a failure may strike.
 */
const FAILURE_MODES: Readonly<Record<FailureId, FailureSpec>> = {
  'token.invalid_request': error(
    'token',
    '400 invalid_request',
    InvalidRequest,
    // The genuine case the document tables name first: a required parameter left out.
    { description: 'missing required parameter code', rule: 'RFC 6749 §5.2', reason: 'missing_parameter' },
  ),
  'token.invalid_client': mode('token', '401 invalid_client (WWW-Authenticate when Basic was used)', {
    kind: 'error',
    error: (context) =>
      new InvalidClient(`wrong client_secret for client ${clientOf(context)}`, {
        rule: 'RFC 6749 §2.3',
        reason: 'client_auth_failed',
        ...(context.usedBasic ? { headers: { 'WWW-Authenticate': 'Basic realm="token-sandbox"' } } : {}),
      }),
  }),
  'token.invalid_grant': error(
    'token',
    '400 invalid_grant',
    InvalidGrant,
    // A code this server never issued, as the genuine error words it.
    {
      description: 'the authorization code is not one this server issued (or it was forgotten)',
      rule: 'RFC 6749 §5.2',
      reason: 'code_invalid',
    },
  ),
  'token.unauthorized_client': error('token', '400 unauthorized_client', UnauthorizedClient, {
    description: (c) => `client ${clientOf(c)} is not allowed the ${c.grantType ?? 'requested'} grant`,
    rule: 'RFC 6749 §5.2',
  }),
  'token.unsupported_grant_type': error('token', '400 unsupported_grant_type', UnsupportedGrantType, {
    description: (c) => `grant_type ${c.grantType ?? 'of this request'} is not supported by this server`,
    rule: 'RFC 6749 §5.2',
  }),
  'token.invalid_scope': error('token', '400 invalid_scope', InvalidScope, {
    description: (c) => `scope not allowed for client ${clientOf(c)}`,
    rule: 'RFC 6749 §5.2',
  }),
  'token.server_error': error(
    'token',
    '500 server_error',
    ServerError,
    // RFC 6749 §5.2 lists no server_error for the token endpoint; a 500 with it is what OAuth servers answer.
    {
      description: 'unexpected server error; the sandbox log has the details',
      rule: 'RFC 6749 §5.2; RFC 9110 §15.6.1',
    },
  ),
  'token.temporarily_unavailable': mode(
    'token',
    `503 temporarily_unavailable, Retry-After: ${RETRY_AFTER_SECONDS}`,
    {
      kind: 'error',
      error: () =>
        new TemporarilyUnavailable(
          'the server is temporarily overloaded or down for maintenance; retry later',
          {
            // As server_error: RFC 6749 §5.2 names no 503, HTTP does (RFC 9110 §15.6.4, Retry-After §10.2.3).
            rule: 'RFC 6749 §5.2; RFC 9110 §15.6.4; RFC 9110 §10.2.3',
            headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
          },
        ),
    },
  ),
  // The seed documents' named cases: the error a real server gives for each, worded as ours are.
  'token.redirect_uri_mismatch': error('token', '400 invalid_grant: redirect_uri mismatch', InvalidGrant, {
    description: 'redirect_uri does not match the one the code was issued for',
    rule: 'RFC 6749 §4.1.3',
    reason: 'redirect_uri_mismatch',
  }),
  'token.missing_code_verifier': error('token', '400 invalid_grant: missing code_verifier', InvalidGrant, {
    description: 'code_verifier is missing; the code was issued with a code_challenge',
    rule: 'RFC 7636 §4.6',
    reason: 'missing_code_verifier',
  }),
  'token.code_verifier_failed': error(
    'token',
    '400 invalid_grant: code_verifier check failed',
    InvalidGrant,
    {
      description: 'PKCE verification failed: S256(code_verifier) does not match the stored code_challenge',
      rule: 'RFC 7636 §4.6',
      reason: 'code_verifier_failed',
    },
  ),
  'token.code_consumed': error('token', '400 invalid_grant: code already used', InvalidGrant, {
    description: 'this code was already used',
    rule: 'RFC 6749 §4.1.2',
    reason: 'code_consumed',
  }),
  'token.refresh_revoked': error('token', '400 invalid_grant: refresh token revoked', InvalidGrant, {
    description: 'the refresh token has been revoked',
    rule: 'RFC 7009 §2',
    reason: 'refresh_revoked',
  }),
  'token.slow': mode('token', `the normal answer, after delayMs (default ${DEFAULT_SLOW_MS} ms)`, {
    kind: 'delay',
  }),
  'token.hang': mode('token', 'no answer at all until the client gives up', { kind: 'hang' }),
  'token.malformed_json': mode('token', '200 with a truncated JSON body', {
    kind: 'respond',
    shape: 'malformed_json',
  }),
  'token.missing_access_token': mode('token', '200 without access_token', {
    kind: 'respond',
    shape: 'missing_access_token',
  }),
  'token.expired_token': mode('token', '200 with expires_in 0 and an access token already expired', {
    kind: 'respond',
    shape: 'expired_token',
  }),
  'token.bad_signature': mode(
    'token',
    '200 with tokens signed by a key not in the JWKS, under a published kid',
    {
      kind: 'respond',
      shape: 'bad_signature',
    },
  ),
  'token.unknown_kid': mode('token', '200 with tokens whose kid is not in the JWKS', {
    kind: 'respond',
    shape: 'unknown_kid',
  }),
  'authorize.access_denied': error('authorize', 'redirect with error=access_denied', AccessDenied, {
    description: 'the user denied the request',
    rule: 'RFC 6749 §4.1.2.1',
  }),
  'authorize.invalid_scope': error('authorize', 'redirect with error=invalid_scope', InvalidScope, {
    description: (c) => `scope not allowed for client ${clientOf(c)}`,
    rule: 'RFC 6749 §4.1.2.1',
  }),
  'authorize.server_error': error('authorize', 'redirect with error=server_error', ServerError, {
    description: 'the authorization server met an unexpected condition',
    rule: 'RFC 6749 §4.1.2.1',
  }),
  'fhir.invalid_token': error('fhir', '401 invalid_token with WWW-Authenticate', InvalidToken, {
    description: 'the access token has been revoked',
    rule: 'RFC 6750 §3.1',
  }),
  'fhir.insufficient_scope': error(
    'fhir',
    '403 insufficient_scope with WWW-Authenticate',
    InsufficientScope,
    {
      description: 'no granted scope covers this request',
      rule: 'SMART App Launch 2.2 §scopes; RFC 6750 §3.1',
    },
  ),
  'jwks.server_error': error('jwks', '500 server_error instead of the key set', ServerError, {
    description: 'unexpected server error; the sandbox log has the details',
    rule: 'RFC 9110 §15.6.1',
  }),
  'jwks.temporarily_unavailable': mode(
    'jwks',
    `503 with Retry-After: ${RETRY_AFTER_SECONDS} instead of the key set`,
    {
      kind: 'error',
      error: () =>
        new TemporarilyUnavailable('the key set is temporarily unavailable; retry later', {
          rule: 'RFC 9110 §15.6.4; RFC 9110 §10.2.3',
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        }),
    },
  ),
  'jwks.hang': mode(
    'jwks',
    `no answer; the connection is closed after ${JWKS_HANG_MS / 1000} s (or when the client gives up)`,
    { kind: 'hang', closeAfterMs: JWKS_HANG_MS },
  ),
  'jwks.stale_cache': mode(
    'jwks',
    `the key set with Cache-Control: max-age=${STALE_JWKS_MAX_AGE_SECONDS}, so a caching client keeps it past a rotation`,
    { kind: 'cache', maxAgeSeconds: STALE_JWKS_MAX_AGE_SECONDS },
  ),
};

/** The modes in the order of `FAILURE_IDS` (grouped by endpoint), as docs/failures.md and the admin API list them. */
export const FAILURE_CATALOG: ReadonlyMap<FailureId, FailureMode> = new Map(
  FAILURE_IDS.map((id) => [id, { id, ...FAILURE_MODES[id] }]),
);

/** The declared mode of an id; every id of `FAILURE_IDS` has one (FAILURE_MODES's type sees to it). */
export function failureMode(id: FailureId): FailureMode {
  const found = FAILURE_CATALOG.get(id);
  if (!found) throw new Error(`failure mode ${id} is not declared in the catalog`);
  return found;
}
