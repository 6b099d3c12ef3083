import type { FastifyInstance } from 'fastify';
import { GRANT_TYPES, type GrantType } from '../config/schema.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import type { GrantContext, GrantHandler, Note, TokenResponse } from '../grants/grant.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { fireFailure, interrupt, reshapeTokenResponse } from '../failures/engine.js';
import { usesScheme } from '../oauth/authorization.js';
import { authenticateClient, type ClientAuthContext } from '../oauth/client-auth.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../oauth/errors.js';
import { readParams, requireParam, type Params } from '../oauth/form.js';
import type { Profile } from '../profiles/profile.js';
import type { Sandbox } from '../sandbox.js';
import { NO_STORE, speakOAuth } from '../oauth/respond.js';
import { onlyThroughProfilePath, PROFILE_ROUTES } from './profile-paths.js';

const GRANT_HANDLERS: Readonly<Record<GrantType, GrantHandler>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

export function clientAuthContext(sandbox: Sandbox): ClientAuthContext {
  return {
    findClient: (id) => sandbox.clients.get(id),
    tokenUrl: sandbox.urls.token,
    issuer: sandbox.urls.issuer,
    assertionAudience: sandbox.settings.tokens.assertionAudience,
    clock: sandbox.clock,
    seenJtis: sandbox.seenAssertionJtis,
    realm: 'token-sandbox',
    allowedMethods: sandbox.profile.authMethods,
  };
}

/**
 * The profile's required parameters, checked before the client is authenticated, so their absence is the
 * documented invalid_request. `client_id` counts as present when a Basic Authorization header carries it.
 */
function requireProfileParams(profile: Profile, params: Params, authorization: string | undefined): void {
  const grantType = params.get('grant_type');
  const byGrant = (GRANT_TYPES as readonly string[]).includes(grantType ?? '')
    ? profile.requiredParams.byGrant[grantType as GrantType]
    : undefined;
  const basic = usesScheme(authorization, 'basic');
  const missing = [...profile.requiredParams.always, ...(byGrant ?? [])].filter(
    (name) => !params.has(name) && !(name === 'client_id' && basic),
  );
  if (missing.length > 0) {
    throw new InvalidRequest(`missing required parameter ${missing.join(', ')}`, {
      rule: `${profile.title}; RFC 6749 §5.2`,
      reason: 'missing_parameter',
    });
  }
}

/** The response as the profile writes it: only the fields its vendor sends, plus its constant extras. */
function shapeTokenResponse(profile: Profile, body: Partial<TokenResponse>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of profile.tokenResponse.fields) {
    if (body[field] !== undefined) out[field] = body[field];
  }
  return { ...out, ...profile.tokenResponse.extra };
}

/**
 * The token endpoint as a pipeline of named steps, every one read from the active profile: parse the
 * parameters, check the profile's required ones, authenticate the client, check the grant type is served and
 * allowed, apply an armed failure mode, run the grant's module, let a response-shaping failure spoil the
 * answer, shape the response for the profile, answer with no-store headers.
 */
export function tokenRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    speakOAuth(app, () => sandbox.profile.errors);
    // The active profile's token path is rewritten to this route (see profile-paths.ts).
    app.addHook('onRequest', onlyThroughProfilePath);

    app.post(PROFILE_ROUTES.token, async (request, reply) => {
      const profile = sandbox.profile;
      const params = readParams(request, profile.parameterLocation);
      requireProfileParams(profile, params, request.headers.authorization);
      const { client } = await authenticateClient(
        request.headers.authorization,
        params,
        clientAuthContext(sandbox),
      );
      const grantType = requireParam(params, 'grant_type', 'RFC 6749 §4.1.3');
      if (!(profile.grantTypes as readonly string[]).includes(grantType)) {
        throw new UnsupportedGrantType(
          `grant_type ${grantType} is not supported; expected one of ${profile.grantTypes.join(', ')}`,
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
      const known = { clientId: client.clientId, grantType: type };
      if ((await interrupt(sandbox, request, reply, failure, known)) === 'hung') return reply;
      const notes: Note[] = [];
      // Set before the grant runs: its comparisons belong in the verdict of a refusal too.
      const details: GrantContext['details'] = {};
      request.sandboxDetails = details;
      const body = await GRANT_HANDLERS[type]({ sandbox, client, params, notes, details, profile });
      request.sandboxNotes = notes;
      const shaped = await reshapeTokenResponse(sandbox, failure, body);
      reply.code(200).headers(NO_STORE);
      if ('raw' in shaped) return reply.type('application/json; charset=utf-8').send(shaped.raw);
      return reply.send(shapeTokenResponse(profile, shaped));
    });

    app.get(PROFILE_ROUTES.token, async () => {
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
