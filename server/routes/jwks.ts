import type { FastifyInstance } from 'fastify';
import { failureMode } from '../failures/catalog.js';
import { fireFailure, interrupt } from '../failures/engine.js';
import type { Sandbox } from '../sandbox.js';
import { sendOAuthError } from '../oauth/respond.js';

/**
 * How long a client may cache the JWKS (docs/endpoints.md#jwks). Short, because a rotation makes a new key
 * current at once: a client that meets an unknown `kid` should refetch anyway (OIDC Core §10.1.1), and one
 * that trusts max-age alone sees the new key within this time.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** The JWKS (RFC 7517 §5): the current and published signing keys, and the `jwks.*` failure modes. */
export function jwksRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    // An injected 500 or 503 is written as OAuth JSON, as the other OAuth endpoints write their errors.
    app.setErrorHandler((error, request, reply) => sendOAuthError(request, reply, error));
    app.get('/.well-known/jwks.json', async (request, reply) => {
      const failure = fireFailure(sandbox, request, 'jwks', undefined);
      if ((await interrupt(sandbox, request, reply, failure)) === 'hung') return reply;
      const effect = failure === undefined ? undefined : failureMode(failure.id).effect;
      const maxAge = effect?.kind === 'cache' ? effect.maxAgeSeconds : JWKS_MAX_AGE_SECONDS;
      return reply
        .type('application/json')
        .header('Cache-Control', `public, max-age=${maxAge}`)
        .send(await sandbox.publicJwks());
    });
  };
}
