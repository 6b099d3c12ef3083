import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { toSeconds, type Clock } from '../clock.js';
import type { RegisteredClient } from '../config/defaults.js';
import { InvalidClient } from './errors.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART Backend Services: RS384 and ES384 are required; RS256 and ES256 are common. */
export const ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256'] as const;

/** SMART App Launch: an assertion's `exp` is at most five minutes ahead. */
const MAX_LIFETIME_S = 300;
const SKEW_S = 60;

/**
 * Which `aud` a client assertion must carry. `token-url`: the token endpoint URL, as SMART App Launch 2.2
 * and RFC 7523 §3 say (a string, or an array that contains it). `issuer-strict`: RFC 10070 (rfc7523bis,
 * the fix for the private_key_jwt audience-injection attacks): the authorization server's issuer
 * identifier as the sole audience, a JSON string; the token URL is refused.
 */
export type AssertionAudience = 'token-url' | 'issuer-strict';

export interface AssertionContext {
  readonly findClient: (clientId: string) => RegisteredClient | undefined;
  readonly tokenUrl: string;
  /** The issuer identifier, the only accepted audience under `issuer-strict`. */
  readonly issuer?: string;
  /** Default `token-url`. */
  readonly assertionAudience?: AssertionAudience;
  readonly clock: Clock;
  /** (iss, jti) pairs already used, with their exp in seconds (RFC 7523 §3 replay protection). */
  readonly seenJtis: Map<string, number>;
}

type KeySet = JWTVerifyGetKey;
const remoteSets = new WeakMap<RegisteredClient, KeySet>();

function keySetFor(client: RegisteredClient): KeySet {
  if (client.jwks) return createLocalJWKSet(client.jwks);
  let set = remoteSets.get(client);
  if (!set) {
    set = createRemoteJWKSet(new URL(client.jwksUri ?? ''), { timeoutDuration: 5000 });
    remoteSets.set(client, set);
  }
  return set;
}

const reject = (
  description: string,
  rule = 'SMART App Launch 2.2 client-confidential-asymmetric',
  reason: 'client_not_found' | 'client_auth_failed' = 'client_auth_failed',
) => new InvalidClient(description, { rule, reason });

/**
 * Verifies a private_key_jwt client assertion fully. jose checks the signature, `iss`, `sub`, `aud` and
 * `exp`; what it does not enforce is checked here: a `kid` in the header, `exp` present and near, `jti`
 * present and never reused, and under `issuer-strict` an `aud` that is one string.
 */
export async function verifyClientAssertion(
  assertion: string,
  bodyClientId: string | undefined,
  ctx: AssertionContext,
): Promise<RegisteredClient> {
  let iss: unknown;
  let alg: unknown;
  let kid: unknown;
  try {
    ({ alg, kid } = decodeProtectedHeader(assertion));
    iss = decodeJwt(assertion).iss;
  } catch {
    throw reject('client_assertion is not a well-formed JWT', 'RFC 7523 §3');
  }
  if (typeof iss !== 'string') throw reject('client_assertion has no iss claim', 'RFC 7523 §3');
  if (bodyClientId !== undefined && bodyClientId !== iss) {
    throw reject('client_id differs from the client_assertion iss', 'RFC 7523 §3');
  }
  const client = ctx.findClient(iss);
  if (!client) {
    throw reject(`client ${iss} (the assertion's iss) is not registered`, 'RFC 7523 §3', 'client_not_found');
  }
  if (client.authMethod !== 'private_key_jwt') {
    throw reject(
      `client ${iss} is registered for ${client.authMethod}, not private_key_jwt`,
      'RFC 6749 §2.3',
    );
  }
  if (typeof alg !== 'string' || !(ASSERTION_ALGS as readonly string[]).includes(alg)) {
    throw reject(
      `client_assertion alg ${String(alg)} is not accepted; expected one of ${ASSERTION_ALGS.join(', ')}`,
    );
  }
  // SMART App Launch 2.2 (client-confidential-asymmetric): kid is REQUIRED in the assertion header.
  if (typeof kid !== 'string' || kid === '') {
    throw reject('client_assertion header has no kid; it names the registered key that signed it');
  }
  const strict = ctx.assertionAudience === 'issuer-strict';
  const audience = strict ? (ctx.issuer ?? ctx.tokenUrl) : ctx.tokenUrl;
  const now = toSeconds(ctx.clock.now());
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetFor(client), {
      algorithms: [...ASSERTION_ALGS],
      issuer: iss,
      subject: iss,
      audience,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now * 1000),
      clockTolerance: SKEW_S,
    }));
  } catch (err) {
    const expected = strict
      ? `the issuer ${audience} as its only audience (RFC 10070)`
      : `the token URL ${audience}`;
    throw reject(
      `client_assertion rejected: ${assertionFailure(err, expected)}`,
      strict ? 'RFC 10070' : undefined,
    );
  }
  if (strict && typeof payload.aud !== 'string') {
    throw reject(
      `client_assertion aud must be one string, the issuer ${audience}, not an array`,
      'RFC 10070',
    );
  }
  // jose accepts an aud array that merely contains the expected value; an assertion also minted for
  // another audience could be replayed there, so the expected audience must be the only one.
  if (Array.isArray(payload.aud) && payload.aud.some((a) => a !== audience)) {
    throw reject(`client_assertion aud must name ${audience} as its only audience`, 'RFC 7523 §3');
  }
  const exp = payload.exp ?? 0;
  if (exp > now + MAX_LIFETIME_S + SKEW_S) {
    throw reject(
      `client_assertion exp is more than ${MAX_LIFETIME_S} seconds ahead (is it in milliseconds?)`,
    );
  }
  const key = `${iss}\u0000${payload.jti ?? ''}`;
  if (ctx.seenJtis.has(key)) throw reject('client_assertion jti was already used (replay)', 'RFC 7523 §3');
  ctx.seenJtis.set(key, exp + SKEW_S);
  return client;
}

function assertionFailure(err: unknown, expectedAudience: string): string {
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `aud must be ${expectedAudience}`;
    if (err.claim === 'iss' || err.claim === 'sub') return 'iss and sub must both be the client_id';
    return `${err.claim} claim ${err.reason === 'missing' ? 'is missing' : 'is invalid'}`;
  }
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches its kid and alg';
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return 'several registered keys match; send a kid';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof joseErrors.JOSEError) return err.message;
  return 'it could not be verified';
}
