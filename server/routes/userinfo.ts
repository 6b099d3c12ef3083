import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  InsufficientScope,
  InvalidToken,
  sanitizeDescription,
  toWireError,
  type OAuthError,
} from '../oauth/errors.js';
import type { Sandbox } from '../sandbox.js';
import { bearerToken, checkAccessToken, type AccessTokenClaims } from '../tokens/verify.js';
import { fhirUserUrl, userClaims } from '../fhir/user-claims.js';

/**
 * RFC 6750 §3: the `WWW-Authenticate` challenge of a resource server's error. A request without any token
 * gets the bare challenge (§3.1: no error code when the request lacked authentication information).
 */
export function bearerChallenge(error: OAuthError): string {
  // RFC 6750 §3.1 says a request with no credentials SHOULD NOT get an error code; the sandbox names one
  // anyway (with a description saying no token was sent), because saying why is what a developer needs here.
  return `Bearer realm="token-sandbox", error="${error.code}", error_description="${sanitizeDescription(error.description)}"`;
}

/** RFC 6750 §3: a resource server's error carries the reason in WWW-Authenticate, too. */
export function sendBearerError(reply: FastifyReply, error: OAuthError): FastifyReply {
  const wire = toWireError(error);
  reply.request.sandboxRejection = error;
  return reply
    .code(wire.status)
    .headers({ 'WWW-Authenticate': bearerChallenge(error), 'Cache-Control': 'no-store' })
    .send(wire.body);
}

/**
 * The claims of a valid bearer token, or a sent 401 (RFC 6750 §3.1). `send` shapes the error body: OAuth
 * JSON by default; the FHIR base answers with an OperationOutcome and the same challenge.
 */
export async function requireBearer(
  sandbox: Sandbox,
  request: FastifyRequest,
  reply: FastifyReply,
  send: (reply: FastifyReply, error: OAuthError) => FastifyReply = sendBearerError,
): Promise<AccessTokenClaims | undefined> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) {
    send(reply, new InvalidToken('no bearer token was sent', { rule: 'RFC 6750 §3.1' }));
    return undefined;
  }
  const check = await checkAccessToken(sandbox, token);
  if (!check.active) {
    send(reply, new InvalidToken(check.reason, { rule: 'RFC 6750 §3.1' }));
    return undefined;
  }
  return check.claims;
}

/** OpenID Connect Core §5.3. */
export function userinfoRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const claims = await requireBearer(sandbox, request, reply);
      if (!claims) return reply;
      if (!claims.scope.split(' ').includes('openid')) {
        return sendBearerError(
          reply,
          new InsufficientScope('userinfo needs a token with the openid scope', {
            rule: 'OpenID Connect Core §5.3',
          }),
        );
      }
      const scope = claims.scope.split(' ');
      // OpenID Connect Core §5.3.2: the claims of the granted scopes (`profile`: name …), as the id_token has them.
      const body: Record<string, unknown> = {
        sub: claims.sub,
        ...userClaims(sandbox.fhir, claims.fhirUser, scope),
      };
      if (claims.fhirUser !== undefined && scope.includes('fhirUser')) {
        body['fhirUser'] = fhirUserUrl(sandbox.urls.fhirBase, claims.fhirUser);
      }
      return reply.headers({ 'Cache-Control': 'no-store' }).send(body);
    };
    app.get('/userinfo', handler);
    app.post('/userinfo', handler);
  };
}
