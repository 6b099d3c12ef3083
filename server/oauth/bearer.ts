import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sandbox } from '../sandbox.js';
import { checkAccessToken, type AccessTokenClaims } from '../tokens/verify.js';
import { bearerToken } from './authorization.js';
import {
  InsufficientScope,
  InvalidToken,
  sanitizeDescription,
  toWireError,
  type OAuthError,
} from './errors.js';
import { scopeWords } from './scopes.js';

/**
 * Bearer tokens at a resource server (RFC 6750): requiring one, checking its scope, and the challenge that
 * goes with a refusal. A check throws `InvalidToken` or `InsufficientScope`; the plugin's error handler writes
 * it in the plugin's own shape: `sendOAuthError` (oauth/respond.ts, OAuth JSON) for userinfo, an OperationOutcome at the FHIR
 * base (fhir/outcome.ts). Both carry the same status and challenge, so a client reads them alike.
 */

/** The errors of a resource server (RFC 6750 §3.1): the ones that carry a Bearer challenge. */
export type BearerError = InvalidToken | InsufficientScope;

export function isBearerError(error: unknown): error is BearerError {
  return error instanceof InvalidToken || error instanceof InsufficientScope;
}

/**
 * RFC 6750 §3: the `WWW-Authenticate` challenge of a resource server's error.
 */
export function bearerChallenge(error: OAuthError): string {
  // RFC 6750 §3.1 says a request with no credentials SHOULD NOT get an error code; the sandbox names one
  // anyway (with a description saying no token was sent), because saying why is what a developer needs here.
  return `Bearer realm="token-sandbox", error="${error.code}", error_description="${sanitizeDescription(error.description)}"`;
}

/**
 * The claims of a valid bearer token (RFC 6750 §2.1: the Authorization header), or a thrown `InvalidToken`:
 * none sent, not this server's, expired, or revoked.
 */
export async function requireBearer(sandbox: Sandbox, request: FastifyRequest): Promise<AccessTokenClaims> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) throw new InvalidToken('no bearer token was sent', { rule: 'RFC 6750 §3.1' });
  const check = await checkAccessToken(sandbox, token);
  if (!check.active) throw new InvalidToken(check.reason, { rule: 'RFC 6750 §3.1' });
  return check.claims;
}

/** Whether a token's scope holds a word (`openid`, `fhirUser`): scope is space-delimited (RFC 6749 §3.3). */
export function hasScope(claims: AccessTokenClaims, word: string): boolean {
  return scopeWords(claims.scope).includes(word);
}

/**
 * Starts the answer to a bearer error with a FHIR body: the status the class fixes, the challenge, no-store,
 * and the error kept for the exchange log's verdict. The caller sends the OperationOutcome.
 */
export function rejectBearer(request: FastifyRequest, reply: FastifyReply, error: BearerError): FastifyReply {
  request.sandboxRejection = error;
  return reply
    .code(toWireError(error).status)
    .headers({ 'WWW-Authenticate': bearerChallenge(error), 'Cache-Control': 'no-store' });
}
