import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULTS } from '../config/defaults.js';
import type { Rejection } from '../exchanges/exchange.js';
import { fireFailure, interrupt } from '../failures/engine.js';
import { codeContext, resolveEhrLaunch } from '../launch/code-context.js';
import { logUnexpected } from '../log-unexpected.js';
import {
  readAuthorizationParams,
  stateToReturn,
  trustedTarget,
  validateAuthorizationRequest,
  type AuthorizationRules,
  type TrustedTarget,
} from '../oauth/authorization-request.js';
import { AccessDenied, InvalidRequest, OAuthError, ServerError } from '../oauth/errors.js';
import { acceptRawBodies, parseStrictForm, requireFormContentType, type MultiParams } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import { toSeconds } from '../clock.js';
import type { LaunchContext } from '../store/artefacts.js';
import type { PendingAuthorization } from '../store/pending-authorizations.js';
import { consentPage, readDecision, type Decision } from './consent-page.js';
import { escapeHtml, sendPage } from './html.js';
import { decisionPath, onlyThroughProfilePath, PROFILE_ROUTES } from './profile-paths.js';
import { asOAuthError } from './oauth-scope.js';

/** What validation reads from the sandbox at the moment of a request (the profile may have changed). */
function rulesOf(sandbox: Sandbox): AuthorizationRules {
  return {
    pkce: sandbox.profile.pkce,
    requireAud: sandbox.profile.requireAud,
    fhirBase: sandbox.urls.fhirBase,
    parameterLength: sandbox.settings.limits.parameterLength,
  };
}

/** Issues the code and redirects back to the client (RFC 6749 §4.1.2). */
function approve(
  sandbox: Sandbox,
  reply: FastifyReply,
  request: PendingAuthorization,
  context: LaunchContext,
  status: 302 | 303,
): FastifyReply {
  const now = sandbox.clock.now();
  const code = sandbox.store.issueCode({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    deliveredTo: request.deliveredTo,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    nonce: request.nonce,
    sub: context.fhirUser ?? DEFAULTS.launch.fhirUser,
    authTime: toSeconds(now),
    context,
    expiresAt: now + sandbox.settings.tokens.codeLifetime * 1000,
  });
  // What the exchange log shows as the verdict of this authorization request.
  reply.request.sandboxNotes = [
    ...(request.codeChallenge === undefined
      ? []
      : [{ text: 'PKCE S256 code_challenge recorded', rule: 'RFC 7636 §4.4' }]),
    {
      text: `authorization code issued to ${request.clientId}, sent to ${request.deliveredTo} (scope ${request.scope.join(' ')})`,
      rule: 'RFC 6749 §4.1.2',
    },
  ];
  return reply.redirect(
    redirectTo(request.deliveredTo, { code: code.code, state: request.state, iss: sandbox.urls.issuer }),
    status,
  );
}

function redirectTo(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
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
        return approve(
          sandbox,
          reply,
          pending,
          codeContext(sandbox, pending.scope, pending.ehrContext),
          status,
        );
      }
      const id = sandbox.pendingAuthorizations.put(pending);
      return consentPage(reply, sandbox, client, pending, id, decisionPath(sandbox.profile));
    };

    // The active profile's authorize path is rewritten to this route (see profile-paths.ts).
    app.addHook('onRequest', onlyThroughProfilePath);
    app.get(PROFILE_ROUTES.authorize, handler);
    app.post(PROFILE_ROUTES.authorize, handler);

    // The consent page's form lands here. The pending id is unguessable and single-use, so only the page
    // that was shown can decide, and only once (a forged cross-site post has no valid id).
    app.post(PROFILE_ROUTES.decision, async (request, reply) => {
      let pending: PendingAuthorization;
      let decision: Decision;
      try {
        requireFormContentType(request.headers['content-type']);
        const form = parseStrictForm(typeof request.body === 'string' ? request.body : '');
        pending = takePending(sandbox, form.get('request'));
        decision = readDecision(form, sandbox, pending);
      } catch (err) {
        if (err instanceof OAuthError) return errorPage(reply, err);
        throw err;
      }
      if (decision.kind === 'deny') {
        const denied = new AccessDenied('the user denied the request', { rule: 'RFC 6749 §4.1.2.1' });
        return redirectError(sandbox, reply, pending.deliveredTo, denied, pending.state, 303);
      }
      const context = codeContext(sandbox, pending.scope, pending.ehrContext, decision.picked);
      return approve(sandbox, reply, pending, context, 303);
    });
  };
}

/** The pending authorization a consent form answers, taken (so decided once), while its client still exists. */
function takePending(sandbox: Sandbox, id: string | undefined): PendingAuthorization {
  const pending = id === undefined ? undefined : sandbox.pendingAuthorizations.take(id);
  if (pending === undefined || sandbox.clients.get(pending.clientId) === undefined) {
    throw new InvalidRequest(
      'this authorization request is unknown, already decided, expired or pushed out by newer ones (the pendingAuthorizations limit); start again from the app',
      { rule: 'RFC 6749 §10.12' },
    );
  }
  return pending;
}

/** RFC 6749 §4.1.2.1: an error about a request whose redirect target is trusted goes back to the client. */
function redirectError(
  sandbox: Sandbox,
  reply: FastifyReply,
  target: string,
  err: OAuthError,
  state: string | undefined,
  status: 302 | 303,
): FastifyReply {
  // The exchange log's verdict and the verdict header name it.
  reply.request.sandboxRejection = err;
  return reply.redirect(
    redirectTo(target, {
      error: err.code,
      error_description: err.description,
      state,
      iss: sandbox.urls.issuer,
    }),
    status,
  );
}

/** Shown instead of redirecting, because the client or the redirect URI could not be trusted (RFC 6749 §4.1.2.1). */
function errorPage(reply: FastifyReply, err: Rejection): FastifyReply {
  reply.request.sandboxRejection = err;
  const rule = err.rule ?? 'RFC 6749 §4.1.2.1';
  return sendPage(
    reply,
    400,
    'Authorization request rejected',
    `<h1>Authorization request rejected</h1>
<p><code>${escapeHtml(err.code)}</code>: ${escapeHtml(err.description)}</p>
<p class="rule">Rule: ${escapeHtml(rule)}. The sandbox does not redirect back, because the client or the redirect URI could not be trusted (RFC 6749 §4.1.2.1).</p>`,
  );
}
