import type { FastifyInstance } from 'fastify';
import type { GrantType } from '../config/schema.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import type { GrantHandler, Note } from '../grants/grant.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { fireFailure, interrupt, reshapeTokenResponse } from '../failures/engine.js';
import { authenticateClient, type ClientAuthContext } from '../oauth/client-auth.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../oauth/errors.js';
import { requireParam } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import { NO_STORE, readFormBody, speakOAuth } from './oauth-scope.js';

const GRANT_HANDLERS: Readonly<Record<GrantType, GrantHandler>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

export function clientAuthContext(sandbox: Sandbox): ClientAuthContext {
  return {
    findClient: (id) => sandbox.clients.get(id),
    tokenUrl: sandbox.urls.token,
    clock: sandbox.clock,
    seenJtis: sandbox.seenAssertionJtis,
    realm: 'token-sandbox',
  };
}

/**
 * The token endpoint as a pipeline of named steps: parse the form, authenticate the client, check the grant
 * type is served and allowed, apply an armed failure mode, run the grant's module, let a response-shaping
 * failure spoil the answer, answer with no-store headers.
 */
export function tokenRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    speakOAuth(app);
    const path = sandbox.profile.tokenPath;

    app.post(path, async (request, reply) => {
      const params = readFormBody(request);
      const { client } = await authenticateClient(
        request.headers.authorization,
        params,
        clientAuthContext(sandbox),
      );
      const grantType = requireParam(params, 'grant_type', 'RFC 6749 §4.1.3');
      if (!(sandbox.profile.grantTypes as readonly string[]).includes(grantType)) {
        throw new UnsupportedGrantType(
          `grant_type ${grantType} is not supported; expected one of ${sandbox.profile.grantTypes.join(', ')}`,
          { rule: 'RFC 6749 §5.2' },
        );
      }
      const type = grantType as GrantType;
      if (!client.grantTypes.includes(type)) {
        throw new UnauthorizedClient(`client ${client.clientId} is not allowed the ${type} grant`, {
          rule: 'RFC 6749 §5.2',
        });
      }
      const failure = fireFailure(sandbox, request, 'token', client.clientId);
      if ((await interrupt(sandbox, request, reply, failure)) === 'hung') return reply;
      const notes: Note[] = [];
      const body = await GRANT_HANDLERS[type]({ sandbox, client, params, notes });
      request.sandboxNotes = notes;
      const shaped = await reshapeTokenResponse(sandbox, failure, body);
      reply.code(200).headers(NO_STORE);
      if ('raw' in shaped) return reply.type('application/json; charset=utf-8').send(shaped.raw);
      return reply.send(shaped);
    });

    app.get(path, async () => {
      throw new InvalidRequest('the token endpoint takes POST requests only', { rule: 'RFC 6749 §3.2' });
    });
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the server checked and accepted on this request, for the exchange log's verdict. */
    sandboxNotes?: Note[];
  }
}
