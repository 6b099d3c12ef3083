import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InsufficientScope, InvalidToken, toWireError, type OAuthError } from '../oauth/errors.js';
import type { Sandbox } from '../sandbox.js';
import { bearerToken, checkAccessToken, type AccessTokenClaims } from '../tokens/verify.js';

/** RFC 6750 §3: a resource server's error carries the reason in WWW-Authenticate, too. */
export function sendBearerError(reply: FastifyReply, error: OAuthError): FastifyReply {
  const wire = toWireError(error);
  reply.request.sandboxRejection = error;
  const challenge =
    error.code === 'invalid_token' && error.description === 'no bearer token'
      ? 'Bearer realm="token-sandbox"'
      : `Bearer realm="token-sandbox", error="${error.code}", error_description="${wire.body.error_description}"`;
  return reply
    .code(wire.status)
    .headers({ 'WWW-Authenticate': challenge, 'Cache-Control': 'no-store' })
    .send(wire.body);
}

/** The claims of a valid bearer token, or a sent 401 (RFC 6750 §3.1). */
export async function requireBearer(
  sandbox: Sandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<AccessTokenClaims | undefined> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) {
    sendBearerError(reply, new InvalidToken('no bearer token', { rule: 'RFC 6750 §3.1' }));
    return undefined;
  }
  const check = await checkAccessToken(sandbox, token);
  if (!check.active) {
    sendBearerError(reply, new InvalidToken(check.reason, { rule: 'RFC 6750 §3.1' }));
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
      const body: Record<string, unknown> = { sub: claims.sub };
      if (claims.fhirUser !== undefined && claims.scope.split(' ').includes('fhirUser')) {
        body['fhirUser'] = `${sandbox.urls.fhirBase}/${claims.fhirUser}`;
      }
      return reply.headers({ 'Cache-Control': 'no-store' }).send(body);
    };
    app.get('/userinfo', handler);
    app.post('/userinfo', handler);
  };
}
