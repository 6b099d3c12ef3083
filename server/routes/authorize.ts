import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fireFailure, interrupt } from '../failures/engine.js';
import { resolveEhrLaunch } from '../launch/code-context.js';
import { logUnexpected } from '../log-unexpected.js';
import {
  readAuthorizationParams,
  stateToReturn,
  trustedTarget,
  validateAuthorizationRequest,
  type AuthorizationRules,
  type TrustedTarget,
} from '../oauth/authorization-request.js';
import { OAuthError, ServerError } from '../oauth/errors.js';
import { acceptRawBodies, type MultiParams } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import type { PendingAuthorization } from '../store/pending-authorizations.js';
import { signedInWithoutAsking } from '../people/sign-in.js';
import { errorPage, redirectError } from './authorize-replies.js';
import { approve, consentDecisionRoute, firstPage } from './consent.js';
import { onlyThroughProfilePath, PROFILE_ROUTES } from './profile-paths.js';
import { asOAuthError } from '../oauth/respond.js';

/** What validation reads from the sandbox at the moment of a request (the profile may have changed). */
function rulesOf(sandbox: Sandbox): AuthorizationRules {
  return {
    pkce: sandbox.profile.pkce,
    requireAud: sandbox.profile.requireAud,
    fhirBase: sandbox.urls.fhirBase,
    parameterLength: sandbox.settings.limits.parameterLength,
  };
}

/**
 * The authorization endpoint as a pipeline (RFC 6749 §4.1.1–4.1.2; GET, and POST as OpenID Connect and
 * SMART's authorize-post allow): read the parameters and find the trusted redirect target (an error so far
 * is shown as a page, never redirected), validate the request, resolve an EHR launch, apply an armed
 * failure mode (an error from here on is redirected to the client), then issue the code, or first ask on the
 * consent page in interactive mode.
 */
export function authorizeRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    acceptRawBodies(app);
    app.setErrorHandler((error, request, reply) => {
      // A body over the limit or an unreadable request is the client's mistake, said as such; only the
      // truly unexpected is a server_error, and it is logged.
      const oauth = asOAuthError(error);
      if (oauth instanceof ServerError) logUnexpected(request, error, 'at the authorization endpoint');
      return errorPage(reply, oauth);
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      let params: MultiParams;
      let trusted: TrustedTarget;
      try {
        params = readAuthorizationParams(request);
        trusted = trustedTarget((id) => sandbox.clients.get(id), params);
      } catch (err) {
        if (err instanceof OAuthError) return errorPage(reply, err);
        throw err;
      }
      const { client, target, sent } = trusted;
      const status = request.method === 'GET' ? 302 : 303;
      let pending: PendingAuthorization;
      let outcome: 'proceed' | 'hung';
      try {
        const valid = validateAuthorizationRequest(rulesOf(sandbox), client, params);
        const ehrContext =
          valid.launch === undefined
            ? undefined
            : resolveEhrLaunch(sandbox.launches, client.clientId, valid.launch, valid.scope);
        pending = {
          clientId: client.clientId,
          redirectUri: sent,
          deliveredTo: target,
          scope: valid.scope,
          codeChallenge: valid.codeChallenge,
          nonce: valid.nonce,
          state: valid.state,
          ehrContext,
        };
        const asIs = signedInWithoutAsking(sandbox, client, ehrContext);
        if (asIs !== undefined) pending = { ...pending, signedIn: asIs };
        // RFC 6749 §4.1.2.1: an armed authorize.* failure strikes only now, once the redirect target is trusted.
        const failure = fireFailure(sandbox, request, 'authorize', client.clientId);
        outcome = await interrupt(sandbox, request, reply, failure);
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        const state = stateToReturn(params, sandbox.settings.limits.parameterLength);
        return redirectError(sandbox, reply, target, err, state, status);
      }
      if (outcome === 'hung') return reply;
      if (sandbox.settings.authorize.mode !== 'interactive') {
        return approve(sandbox, reply, pending, { mode: 'auto' }, status);
      }
      return firstPage(sandbox, reply, client, pending);
    };

    // The active profile's authorize path is rewritten to this route (see profile-paths.ts).
    app.addHook('onRequest', onlyThroughProfilePath);
    app.get(PROFILE_ROUTES.authorize, handler);
    app.post(PROFILE_ROUTES.authorize, handler);

    // Interactive mode's sign-in and consent forms post here (consent.ts).
    consentDecisionRoute(app, sandbox);
  };
}
