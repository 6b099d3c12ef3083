import { createHash } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { toSeconds } from '../clock.js';
import type { SigningKey } from '../keys/key-ring.js';
import type { SigningPool } from '../keys/signing-pool.js';
import type { LaunchContext } from '../store/artefacts.js';
import { randomToken } from '../store/random.js';

export interface AccessTokenInput {
  readonly issuer: string;
  /** The resource server the token is for: the FHIR base. */
  readonly audience: string;
  readonly clientId: string;
  readonly sub: string;
  readonly scope: string;
  readonly context: LaunchContext;
  /** Custom claims (server/people/claims.ts); never reserved ones, and the protocol's claims are set over them. */
  readonly customClaims?: Readonly<Record<string, unknown>>;
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
}

export interface MintedToken {
  readonly token: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

interface RegisteredClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/**
 * Signs a JWT. With a signing pool that has a worker ready, the compact JWS (RFC 7515 §7.1) is put together
 * here from jose's base64url and only the signature is made in the worker; otherwise jose's SignJWT signs on
 * this thread. Both produce the same header and claims, and both verify with jose.
 */
async function signJwt(
  key: SigningKey,
  typ: 'at+jwt' | 'JWT',
  claims: Record<string, unknown>,
  registered: RegisteredClaims,
  pool: SigningPool | undefined,
): Promise<string> {
  if (pool !== undefined) {
    const header = base64url.encode(JSON.stringify({ alg: key.alg, kid: key.kid, typ }));
    const payload = base64url.encode(JSON.stringify({ ...claims, ...registered }));
    const signingInput = `${header}.${payload}`;
    const signature = pool.sign(key, signingInput);
    if (signature !== undefined) return `${signingInput}.${await signature}`;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .setIssuer(registered.iss)
    .setSubject(registered.sub)
    .setAudience(registered.aud)
    .setIssuedAt(registered.iat)
    .setExpirationTime(registered.exp)
    .setJti(registered.jti)
    .sign(key.privateKey);
}

/** Signs a JWT with a fresh `jti`, issued now and expiring `lifetimeSeconds` later (RFC 7519 §4.1). */
async function mintJwt(
  key: SigningKey,
  typ: 'at+jwt' | 'JWT',
  claims: Record<string, unknown>,
  parties: Pick<RegisteredClaims, 'iss' | 'sub' | 'aud'>,
  time: { readonly nowMs: number; readonly lifetimeSeconds: number },
  pool: SigningPool | undefined,
): Promise<MintedToken> {
  const jti = randomToken(16);
  const iat = toSeconds(time.nowMs);
  const exp = iat + time.lifetimeSeconds;
  const token = await signJwt(key, typ, claims, { ...parties, iat, exp, jti }, pool);
  return { token, jti, iat, exp };
}

/** A JWT access token in the RFC 9068 shape (`typ: at+jwt`), carrying the SMART launch context. */
export async function mintAccessToken(
  key: SigningKey,
  input: AccessTokenInput,
  pool?: SigningPool,
): Promise<MintedToken> {
  const claims: Record<string, unknown> = {
    ...input.customClaims,
    client_id: input.clientId,
    scope: input.scope,
  };
  if (input.context.patient !== undefined) claims['patient'] = input.context.patient;
  if (input.context.encounter !== undefined) claims['encounter'] = input.context.encounter;
  if (input.context.fhirUser !== undefined) claims['fhirUser'] = input.context.fhirUser;
  return mintJwt(
    key,
    'at+jwt',
    claims,
    { iss: input.issuer, sub: input.sub, aud: input.audience },
    input,
    pool,
  );
}

/** OIDC Core §3.1.3.6: the left-most half of the hash of the access token, base64url-encoded. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return base64url.encode(digest.subarray(0, digest.length / 2));
}

export interface IdTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly sub: string;
  readonly nonce: string | undefined;
  readonly authTime: number;
  readonly accessToken: string;
  /** Absolute URL of the user's FHIR resource, when `fhirUser` was granted. */
  readonly fhirUser: string | undefined;
  /**
   * OpenID Connect Core §5.4 claims of the granted scopes (`name`, `email`, …) with custom claims over them;
   * the protocol's claims are set over these.
   */
  readonly userClaims: Readonly<Record<string, unknown>>;
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
}

export async function mintIdToken(
  key: SigningKey,
  input: IdTokenInput,
  pool?: SigningPool,
): Promise<MintedToken> {
  const claims: Record<string, unknown> = {
    ...input.userClaims,
    auth_time: input.authTime,
    at_hash: atHash(input.accessToken),
  };
  if (input.nonce !== undefined) claims['nonce'] = input.nonce;
  if (input.fhirUser !== undefined) claims['fhirUser'] = input.fhirUser;
  return mintJwt(key, 'JWT', claims, { iss: input.issuer, sub: input.sub, aud: input.clientId }, input, pool);
}
