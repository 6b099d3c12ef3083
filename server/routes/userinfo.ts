import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasScope, isBearerError, requireBearer } from '../oauth/bearer.js';
import { InsufficientScope } from '../oauth/errors.js';
import { sendOAuthError } from '../oauth/respond.js';
import { scopeWords } from '../oauth/scopes.js';
import type { Sandbox } from '../sandbox.js';
import { fhirUserUrl } from '../fhir/user-claims.js';
import { claimsAbout, customClaims } from '../people/token-claims.js';

/**
 * The userinfo endpoint (OpenID Connect Core §5.3): a protected resource, so its refusals are RFC 6750
 * bearer errors, written as OAuth JSON with the Bearer challenge by this plugin's error handler.
 */
export function userinfoRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error, request, reply) => {
      if (isBearerError(error)) return sendOAuthError(request, reply, error);
      // Anything else is not ours to word: the parent's handler answers it, as before this plugin had one.
      throw error;
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const claims = await requireBearer(sandbox, request);
      if (!hasScope(claims, 'openid')) {
        throw new InsufficientScope('userinfo needs a token with the openid scope', {
          rule: 'OpenID Connect Core §5.3',
        });
      }
      const scope = scopeWords(claims.scope);
      // OpenID Connect Core §5.3.2: the claims of the granted scopes (`profile`: name …), as the id_token has them.
      // Custom claims of the client and the persona too (queued ones belong to the tokens that took them).
      const persona =
        claims.sub === undefined ? undefined : sandbox.personas.bySub(claims.sub, claims.fhirUser);
      const body: Record<string, unknown> = {
        ...claimsAbout(sandbox, persona, claims.fhirUser, scope),
        ...customClaims(sandbox.clients.get(claims.client_id), persona),
        sub: claims.sub,
      };
      if (claims.fhirUser !== undefined && hasScope(claims, 'fhirUser')) {
        body['fhirUser'] = fhirUserUrl(sandbox.urls.fhirBase, claims.fhirUser);
      }
      // Claims about the user are not for caches.
      return reply.headers({ 'Cache-Control': 'no-store' }).send(body);
    };
    app.get('/userinfo', handler);
    app.post('/userinfo', handler);
  };
}
