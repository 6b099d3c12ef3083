import { decodeJwt } from 'jose';
import { decodeFormComponent, type Params } from './form.js';

/**
 * The one parser of the `Authorization` header in the server: its scheme and credentials (RFC 9110 §11.4,
 * §11.6.2), a Bearer token (RFC 6750 §2.1), Basic client credentials (RFC 7617, RFC 6749 §2.3.1), and which
 * client a request speaks for. Each reader decides what to do with a header it cannot use.
 */

export interface AuthorizationHeader {
  /** The scheme as sent (`Basic`, `bearer`): for showing. */
  readonly scheme: string;
  /** The scheme in lower case: schemes are case-insensitive (RFC 9110 §11.1). */
  readonly kind: string;
  /** Everything after the scheme and its spaces; empty when the header is a bare scheme. */
  readonly credentials: string;
}

/** RFC 9110 §11.1: `auth-scheme = token`, then `1*SP` and the credentials. */
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+([^]*))?$/;

/** An Authorization header split into scheme and credentials, or undefined when absent or not `scheme …`. */
export function parseAuthorization(header: string | undefined): AuthorizationHeader | undefined {
  const match = HEADER.exec(header?.trim() ?? '');
  if (match?.[1] === undefined) return undefined;
  return { scheme: match[1], kind: match[1].toLowerCase(), credentials: match[2] ?? '' };
}

/** Whether the header uses `scheme` (lower case), whatever its credentials. */
export function usesScheme(header: string | undefined, scheme: 'basic' | 'bearer'): boolean {
  return parseAuthorization(header)?.kind === scheme;
}

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const auth = parseAuthorization(header);
  return auth?.kind === 'bearer' && B64TOKEN.test(auth.credentials) ? auth.credentials : undefined;
}

/**
 * Basic credentials decoded (RFC 7617 §2): `base64(client_id ":" client_secret)`. RFC 6749 §2.3.1 has both
 * form-urlencoded before they are joined, so each is form-decoded here (appendix B); a part whose escapes
 * are malformed is undefined. Undefined when the text is not base64 of `id:secret` with a non-empty id.
 */
export function decodeBasic(
  credentials: string,
): { readonly clientId: string | undefined; readonly secret: string | undefined } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return {
    clientId: decodeFormComponent(decoded.slice(0, colon)),
    secret: decodeFormComponent(decoded.slice(colon + 1)),
  };
}

/**
 * The client a request speaks for, when it says so: a `client_id` parameter, Basic credentials, the
 * `client_id` claim of a bearer token (RFC 9068 §2.2), or a client assertion's issuer (RFC 7523 §3). Nothing
 * is verified: this is for scoping failure modes and labelling the exchange log, never for granting anything.
 */
export function clientIdOf(header: string | undefined, params: Params = new Map()): string | undefined {
  const fromParams = params.get('client_id');
  if (fromParams !== undefined) return fromParams;
  const auth = parseAuthorization(header);
  if (auth?.kind === 'basic') return decodeBasic(auth.credentials)?.clientId;
  if (auth?.kind === 'bearer') return stringClaim(auth.credentials, 'client_id');
  const assertion = params.get('client_assertion');
  return assertion === undefined ? undefined : stringClaim(assertion, 'iss');
}

function stringClaim(jwt: string, claim: string): string | undefined {
  try {
    const value = decodeJwt(jwt)[claim];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
