/**
 * OAuth errors as a small class hierarchy bound to RFC 6749 §5.2: the class fixes the wire code and the
 * status, so a throw site only says what went wrong (`description`) and which rule it broke (`rule`).
 */

export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/**
 * The named cases of the vendor documents (and of the failure modes that reproduce them), so a profile can word
 * each one as its document does while the class still fixes the wire code. A throw site names the case; it
 * never words it for a vendor.
 */
export const OAUTH_ERROR_REASONS = [
  /** A required parameter is absent (RFC 6749 §5.2 invalid_request). */
  'missing_parameter',
  /** redirect_uri differs from the one the code was issued for (RFC 6749 §4.1.3). */
  'redirect_uri_mismatch',
  /** The code was issued with a code_challenge and no code_verifier came (RFC 7636 §4.6). */
  'missing_code_verifier',
  /** The code_verifier is malformed, does not match, or was sent for a code without a challenge. */
  'code_verifier_failed',
  /** The code was already redeemed. */
  'code_consumed',
  /** The code is unknown, expired or belongs to another client. */
  'code_invalid',
  /** The refresh token was revoked, or its grant was (reuse of a rotated token included). */
  'refresh_revoked',
  /** The refresh token is unknown, expired or belongs to another client. */
  'refresh_invalid',
  /** No client is registered with the presented client_id. */
  'client_not_found',
  /** The client exists but did not authenticate as it registered. */
  'client_auth_failed',
] as const;
export type OAuthErrorReason = (typeof OAUTH_ERROR_REASONS)[number];

export interface OAuthErrorOptions {
  /** The rule the request broke, cited so a person can look it up ("RFC 6749 §4.1.2"). */
  readonly rule?: string;
  /** The named case, for profiles that word it their own way. */
  readonly reason?: OAuthErrorReason;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export abstract class OAuthError extends Error {
  abstract readonly code: OAuthErrorCode;
  abstract readonly status: number;
  readonly rule: string | undefined;
  readonly reason: OAuthErrorReason | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description);
    this.rule = options.rule;
    this.reason = options.reason;
    this.headers = options.headers ?? {};
  }
}

export class InvalidRequest extends OAuthError {
  readonly code = 'invalid_request';
  readonly status = 400;
}

/** 401; carries `WWW-Authenticate` when the client tried the Authorization header (RFC 6749 §5.2). */
export class InvalidClient extends OAuthError {
  readonly code = 'invalid_client';
  readonly status = 401;
}

export class InvalidGrant extends OAuthError {
  readonly code = 'invalid_grant';
  readonly status = 400;
}

export class UnauthorizedClient extends OAuthError {
  readonly code = 'unauthorized_client';
  readonly status = 400;
}

export class UnsupportedGrantType extends OAuthError {
  readonly code = 'unsupported_grant_type';
  readonly status = 400;
}

export class InvalidScope extends OAuthError {
  readonly code = 'invalid_scope';
  readonly status = 400;
}

export class AccessDenied extends OAuthError {
  readonly code = 'access_denied';
  readonly status = 403;
}

export class UnsupportedResponseType extends OAuthError {
  readonly code = 'unsupported_response_type';
  readonly status = 400;
}

export class UnsupportedTokenType extends OAuthError {
  readonly code = 'unsupported_token_type';
  readonly status = 400;
}

export class ServerError extends OAuthError {
  readonly code = 'server_error';
  readonly status = 500;
}

export class TemporarilyUnavailable extends OAuthError {
  readonly code = 'temporarily_unavailable';
  readonly status = 503;
}

/** RFC 6750 §3.1: a resource server's answer to a missing, expired or revoked bearer token. */
export class InvalidToken extends OAuthError {
  readonly code = 'invalid_token';
  readonly status = 401;
}

/** RFC 6750 §3.1: the token is valid but its scope does not cover the request. */
export class InsufficientScope extends OAuthError {
  readonly code = 'insufficient_scope';
  readonly status = 403;
}

/**
 * How a profile writes errors on the wire: which body fields, the status where its document departs from
 * RFC 6749 §5.2, and its own wording of the named cases. The RFC shape is the default.
 */
export interface ErrorShape {
  /** The body fields: RFC 6749 §5.2 sends both; some vendors send `error` only. */
  readonly fields: readonly ErrorField[];
  /** Status by wire code, where the vendor's document differs from the class's own status. */
  readonly status: Readonly<Partial<Record<OAuthErrorCode, number>>>;
  /** The vendor's description of a named case; wins over `descriptionByCode`. */
  readonly descriptionByReason: Readonly<Partial<Record<OAuthErrorReason, string>>>;
  /** The vendor's description of a wire code; else the sandbox's own description is sent. */
  readonly descriptionByCode: Readonly<Partial<Record<OAuthErrorCode, string>>>;
}

export const ERROR_FIELDS = ['error', 'error_description'] as const;
export type ErrorField = (typeof ERROR_FIELDS)[number];

/** RFC 6749 §5.2 exactly: `error` and `error_description`, the class's status, the sandbox's own words. */
export const RFC6749_ERROR_SHAPE: ErrorShape = {
  fields: ['error', 'error_description'],
  status: {},
  descriptionByReason: {},
  descriptionByCode: {},
};

export interface WireError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { error?: OAuthErrorCode; error_description?: string };
}

/**
 * RFC 6749 §5.2 limits error_description to %x20-21 / %x23-5B / %x5D-7E: printable ASCII without `"` or `\`.
 * Anything else (a quote from user input, a newline) is replaced so the body stays valid for strict clients.
 */
export function sanitizeDescription(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    out += c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c ? ch : c === 0x22 ? "'" : '?';
  }
  return out;
}

/**
 * The one serializer for OAuth errors on the wire. The error's class fixes the code; the profile's shape
 * decides the body fields, a documented status and the wording. `WWW-Authenticate` only goes with a 401
 * (RFC 7235 §4.1): a vendor that answers 400 to a failed Basic login sends no challenge.
 */
export function toWireError(error: OAuthError, shape: ErrorShape = RFC6749_ERROR_SHAPE): WireError {
  const status = shape.status[error.code] ?? error.status;
  const description =
    (error.reason === undefined ? undefined : shape.descriptionByReason[error.reason]) ??
    shape.descriptionByCode[error.code] ??
    error.description;
  const headers = Object.fromEntries(
    Object.entries(error.headers).filter(([name]) => status === 401 || name !== 'WWW-Authenticate'),
  );
  const body: WireError['body'] = {};
  if (shape.fields.includes('error')) body.error = error.code;
  if (shape.fields.includes('error_description')) body.error_description = sanitizeDescription(description);
  return { status, headers, body };
}
