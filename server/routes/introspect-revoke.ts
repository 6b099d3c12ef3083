import type { FastifyInstance } from 'fastify';
import { toSeconds } from '../clock.js';
import { authenticateClient } from '../oauth/client-auth.js';
import { InvalidRequest } from '../oauth/errors.js';
import { readFormBody, requireParam } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import { checkAccessToken } from '../tokens/verify.js';
import { NO_STORE, speakOAuth } from '../oauth/respond.js';
import { clientAuthContext } from './token.js';

/** RFC 7662 token introspection and RFC 7009 token revocation. */
export function introspectRevokeRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    speakOAuth(app);

    app.post('/introspect', async (request, reply) => {
      const params = readFormBody(request);
      await authenticateClient(request.headers.authorization, params, clientAuthContext(sandbox));
      const token = requireParam(params, 'token', 'RFC 7662 §2.1');
      reply.headers(NO_STORE);

      const found = sandbox.store.lookupRefreshToken(token);
      if (found.status !== 'unknown') {
        if (found.status !== 'ok') return { active: false };
        return {
          active: true,
          token_type: 'refresh_token',
          scope: found.record.scope.join(' '),
          client_id: found.record.clientId,
          sub: found.grant.sub,
          iss: sandbox.urls.issuer,
          exp: toSeconds(found.record.expiresAt),
          iat: toSeconds(found.record.issuedAt),
          ...launchFields(found.grant.context),
        };
      }
      const check = await checkAccessToken(sandbox, token);
      // RFC 7662 §2.2: an inactive token gets exactly {"active": false}, nothing that could leak why; the
      // reason goes to the exchange log's verdict only.
      if (!check.active) {
        request.sandboxNotes = [{ text: `inactive: ${check.reason}`, rule: 'RFC 7662 §2.2' }];
        return { active: false };
      }
      const c = check.claims;
      return {
        active: true,
        token_type: 'Bearer',
        scope: c.scope,
        client_id: c.client_id,
        sub: c.sub,
        aud: c.aud,
        iss: c.iss,
        exp: c.exp,
        iat: c.iat,
        jti: c.jti,
        ...(c.patient === undefined ? {} : { patient: c.patient }),
        ...(c.encounter === undefined ? {} : { encounter: c.encounter }),
        ...(c.fhirUser === undefined ? {} : { fhirUser: c.fhirUser }),
      };
    });

    app.post('/revoke', async (request, reply) => {
      const params = readFormBody(request);
      const { client } = await authenticateClient(
        request.headers.authorization,
        params,
        clientAuthContext(sandbox),
      );
      const token = requireParam(params, 'token', 'RFC 7009 §2.1');
      reply.headers(NO_STORE);

      const refresh = sandbox.store.lookupRefreshToken(token);
      if (refresh.status !== 'unknown') {
        if (refresh.record.clientId !== client.clientId) {
          throw new InvalidRequest('the token was issued to another client', { rule: 'RFC 7009 §2.1' });
        }
        // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
        sandbox.store.revoke({ kind: 'refresh_token', value: token }, 'refresh token revoked by the client');
        return reply.code(200).send();
      }
      const check = await checkAccessToken(sandbox, token);
      if (check.active) {
        if (check.claims.client_id !== client.clientId) {
          throw new InvalidRequest('the token was issued to another client', { rule: 'RFC 7009 §2.1' });
        }
        sandbox.store.revoke(
          {
            kind: 'access_token',
            value: check.claims.jti,
            clientId: client.clientId,
            grantId: undefined,
            expiresAt: check.claims.exp * 1000,
          },
          'access token revoked by the client',
        );
      }
      // RFC 7009 §2.2: an unknown or already invalid token is answered with 200 as well; why nothing was
      // revoked (another issuer's token, README "Many issuers") goes to the exchange log's verdict only.
      if (!check.active) {
        request.sandboxNotes = [{ text: `nothing revoked: ${check.reason}`, rule: 'RFC 7009 §2.2' }];
      }
      return reply.code(200).send();
    });
  };
}

function launchFields(context: { patient?: string; encounter?: string; fhirUser?: string }) {
  return {
    ...(context.patient === undefined ? {} : { patient: context.patient }),
    ...(context.encounter === undefined ? {} : { encounter: context.encounter }),
    ...(context.fhirUser === undefined ? {} : { fhirUser: context.fhirUser }),
  };
}
