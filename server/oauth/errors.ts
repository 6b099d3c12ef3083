/**
 * OAuth errors as a small class hierarchy bound to RFC 6749 §5.2: the class fixes the wire code and the
 * status, so a throw site only says what went wrong (`description`) and which rule it broke (`rule`).
 */

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type';

export interface OAuthErrorOptions {
  /** The rule the request broke, cited so a person can look it up ("RFC 6749 §4.1.2"). */
  readonly rule?: string;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export abstract class OAuthError extends Error {
  abstract readonly code: OAuthErrorCode;
  abstract readonly status: number;
  readonly rule: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description);
    this.rule = options.rule;
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

export interface WireError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { error: OAuthErrorCode; error_description: string };
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

/** The one serializer for OAuth errors on the wire. */
export function toWireError(error: OAuthError): WireError {
  return {
    status: error.status,
    headers: error.headers,
    body: { error: error.code, error_description: sanitizeDescription(error.description) },
  };
}
