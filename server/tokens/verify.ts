import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { Sandbox } from '../sandbox.js';

export interface AccessTokenClaims extends JWTPayload {
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  readonly exp: number;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirUser?: string;
}

export type AccessTokenCheck =
  | { readonly active: true; readonly claims: AccessTokenClaims }
  | { readonly active: false; readonly reason: string };

/**
 * Whether an access token is one this server issued and still honours: signature, issuer, expiry (by the
 * server's clock) and the revocation deny-list. The FHIR base, userinfo and introspection share it.
 */
export async function checkAccessToken(sandbox: Sandbox, token: string): Promise<AccessTokenCheck> {
  let payload: JWTPayload;
  try {
    // Retired keys included: the signature is checked first, so only a token a retired key really signed is
    // told so below; a forged one stays "not one this server issued".
    ({ payload } = await jwtVerify(token, createLocalJWKSet(sandbox.keys.allPublicKeys()), {
      issuer: sandbox.urls.issuer,
      typ: 'at+jwt',
      currentDate: new Date(sandbox.clock.now()),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired)
      return { active: false, reason: 'the access token has expired' };
    return {
      active: false,
      reason: await notIssuedHere(sandbox, token, 'the access token is not one this server issued'),
    };
  }
  const kid = decodeProtectedHeader(token).kid;
  const key = kid === undefined ? undefined : sandbox.keys.keyStatus(kid);
  if (key?.state === 'retired') {
    // RFC 7517 §5 / OIDC Core §10.1.1: a key removed from the JWKS no longer verifies anything it signed.
    const at = key.retiredAt === undefined ? '' : `, retired at ${new Date(key.retiredAt).toISOString()}`;
    return { active: false, reason: `the access token was signed by key ${key.kid}${at}` };
  }
  const claims = payload as AccessTokenClaims;
  if (
    typeof claims.jti !== 'string' ||
    typeof claims.scope !== 'string' ||
    typeof claims.client_id !== 'string'
  ) {
    return { active: false, reason: 'the access token lacks jti, scope or client_id' };
  }
  if (sandbox.store.isAccessTokenRevoked(claims.jti)) {
    return { active: false, reason: 'the access token has been revoked' };
  }
  if (sandbox.store.isAccessTokenExpiredEarly(claims.jti)) {
    return { active: false, reason: 'the access token has expired (expired early from the admin API)' };
  }
  return { active: true, claims };
}

/**
 * Why a token is not this issuer's, in words: `otherwise`, unless another issuer of the same sandbox issued it
 * (README "Many issuers": tokens never cross issuers), and then the reason names that issuer.
 */
export async function notIssuedHere(sandbox: Sandbox, token: string, otherwise: string): Promise<string> {
  const issuer = await sandbox.issuedElsewhere(token);
  return issuer === undefined
    ? otherwise
    : `issued by issuer ${issuer}, not by issuer ${sandbox.issuerName}: tokens never cross issuers`;
}
