import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RegisteredClient } from '../config/defaults.js';
import { DEFAULTS } from '../config/defaults.js';
import {
  InvalidRequest,
  InvalidScope,
  OAuthError,
  UnauthorizedClient,
  UnsupportedResponseType,
  type OAuthErrorCode,
} from '../oauth/errors.js';
import { isWellFormedPkceValue } from '../oauth/pkce.js';
import { matchRedirectUri } from '../oauth/redirect-uri.js';
import { decideScope, parseClinicalScope, splitScope } from '../oauth/scopes.js';
import type { Sandbox } from '../sandbox.js';
import type { LaunchContext } from '../store/artefacts.js';
import { toSeconds } from '../clock.js';
import { fireFailure, interrupt } from '../failures/engine.js';
import { escapeHtml, sendPage } from './html.js';
import { OAUTH_BODY_LIMIT } from './oauth-scope.js';

type MultiParams = ReadonlyMap<string, readonly string[]>;

/** Thrown before the redirect target is trusted: shown as a page, never redirected (RFC 6749 §4.1.2.1). */
class PageError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly rule: string,
  ) {
    super(description);
  }
}

function parseMulti(raw: string): MultiParams {
  const params = new Map<string, string[]>();
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((eq === -1 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
      value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    } catch {
      throw new PageError('invalid_request', 'the request has malformed percent-encoding', 'RFC 3986 §2.1');
    }
    if (value === '') continue;
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  return params;
}

function single(params: MultiParams, name: string): string | undefined {
  const values = params.get(name);
  return values?.length === 1 ? values[0] : undefined;
}

function rawParams(request: FastifyRequest): string {
  if (request.method === 'GET') {
    const q = request.url.indexOf('?');
    return q === -1 ? '' : request.url.slice(q + 1);
  }
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new PageError(
      'invalid_request',
      'a POST to the authorization endpoint must be application/x-www-form-urlencoded',
      'OpenID Connect Core §3.1.2.1',
    );
  }
  return typeof request.body === 'string' ? request.body : '';
}

/** Steps 1 and 2: find the client and the redirect target; failures here are never redirected. */
function trustedTarget(
  sandbox: Sandbox,
  params: MultiParams,
): { client: RegisteredClient; target: string; sent: string | undefined } {
  if ((params.get('client_id')?.length ?? 0) > 1 || (params.get('redirect_uri')?.length ?? 0) > 1) {
    throw new PageError(
      'invalid_request',
      'client_id or redirect_uri was sent more than once',
      'RFC 6749 §3.1',
    );
  }
  const clientId = single(params, 'client_id');
  if (clientId === undefined)
    throw new PageError('invalid_request', 'client_id is missing', 'RFC 6749 §4.1.1');
  const client = sandbox.clients.get(clientId);
  if (!client) {
    throw new PageError(
      'invalid_client',
      `client ${clientId} is not registered with this sandbox`,
      'RFC 6749 §4.1.2.1',
    );
  }
  const sent = single(params, 'redirect_uri');
  if (sent !== undefined) {
    if (!matchRedirectUri(client.redirectUris, sent)) {
      throw new PageError(
        'invalid_request',
        `redirect_uri ${sent} is not registered for client ${clientId} (registered: ${client.redirectUris.join(', ') || 'none'}); redirect URIs are compared as exact strings`,
        'RFC 9700 §4.1.3',
      );
    }
    return { client, target: sent, sent };
  }
  const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
  if (only === undefined) {
    throw new PageError(
      'invalid_request',
      `redirect_uri is missing, and client ${clientId} has ${client.redirectUris.length} registered, so it is required`,
      'RFC 6749 §3.1.2.3',
    );
  }
  return { client, target: only, sent: undefined };
}

interface ApprovedRequest {
  readonly scope: readonly string[];
  readonly codeChallenge: string | undefined;
  readonly nonce: string | undefined;
}

/** Step 3: everything else; a failure here is redirected back to the client with `error`. */
function validateRequest(sandbox: Sandbox, client: RegisteredClient, params: MultiParams): ApprovedRequest {
  const duplicated = [...params].find(([, values]) => values.length > 1)?.[0];
  if (duplicated !== undefined) {
    throw new InvalidRequest(`parameter ${duplicated} was sent more than once`, { rule: 'RFC 6749 §3.1' });
  }
  const responseType = single(params, 'response_type');
  if (responseType === undefined)
    throw new InvalidRequest('response_type is missing', { rule: 'RFC 6749 §4.1.1' });
  if (responseType !== 'code') {
    throw new UnsupportedResponseType(`response_type ${responseType} is not supported; only code is`, {
      rule: 'RFC 9700 §2.1.2',
    });
  }
  if (!client.grantTypes.includes('authorization_code')) {
    throw new UnauthorizedClient(`client ${client.clientId} is not allowed the authorization_code grant`, {
      rule: 'RFC 6749 §4.1.2.1',
    });
  }

  const challenge = single(params, 'code_challenge');
  const method = single(params, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined)
      throw new InvalidRequest('code_challenge_method sent without code_challenge', {
        rule: 'RFC 7636 §4.3',
      });
    if (sandbox.profile.requirePkce || client.requirePkce) {
      throw new InvalidRequest('PKCE is required: send code_challenge and code_challenge_method=S256', {
        rule: sandbox.profile.requirePkce ? 'SMART App Launch 2.2 §PKCE' : 'RFC 9700 §2.1.1',
      });
    }
  } else {
    if (method !== 'S256') {
      throw new InvalidRequest(
        `code_challenge_method must be S256 (got ${method ?? 'none, which means plain'})`,
        {
          rule: 'RFC 7636 §4.3; SMART App Launch 2.2 (plain is not allowed)',
        },
      );
    }
    if (!isWellFormedPkceValue(challenge)) {
      throw new InvalidRequest('code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]', {
        rule: 'RFC 7636 §4.2',
      });
    }
  }

  const asked = single(params, 'scope');
  const requested = asked === undefined ? client.scope : splitScope(asked);
  if (requested === undefined)
    throw new InvalidScope('scope is not a space-separated list of scope tokens', { rule: 'RFC 6749 §3.3' });
  const { granted, refused } = decideScope(requested, client.scope);
  if (refused.length > 0) {
    throw new InvalidScope(`scope not allowed for client ${client.clientId}: ${refused.join(' ')}`, {
      rule: 'RFC 6749 §4.1.2.1',
    });
  }

  const fhirBase = sandbox.urls.fhirBase;
  const aud = single(params, 'aud');
  const smartScopes = granted.some((s) => s.startsWith('launch') || parseClinicalScope(s) !== undefined);
  if (aud !== undefined && aud !== fhirBase && aud !== `${fhirBase}/`) {
    throw new InvalidRequest(`aud ${aud} is not this server's FHIR base ${fhirBase}`, {
      rule: 'SMART App Launch 2.2 §authorization request (aud)',
    });
  }
  if (aud === undefined && smartScopes && sandbox.profile.name === 'smart') {
    throw new InvalidRequest(`aud is required with SMART scopes; send aud=${fhirBase}`, {
      rule: 'SMART App Launch 2.2 §authorization request (aud)',
    });
  }
  return { scope: granted, codeChallenge: challenge, nonce: single(params, 'nonce') };
}

function standaloneContext(sandbox: Sandbox, scope: readonly string[]): LaunchContext {
  const launch = { ...DEFAULTS.launch, ...sandbox.config.launch };
  return {
    ...(scope.includes('launch/patient') ? { patient: launch.patient } : {}),
    ...(scope.includes('launch/encounter') ? { encounter: launch.encounter } : {}),
    fhirUser: launch.fhirUser,
  };
}

function redirectTo(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

/** RFC 6749 §4.1.1–4.1.2 (GET, and POST as OpenID Connect and SMART's authorize-post allow). */
export function authorizeRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: OAUTH_BODY_LIMIT }, (_req, body, done) => {
      done(null, body);
    });
    app.setErrorHandler((error, request, reply) => {
      request.log.error({ err: error }, 'unexpected error at the authorization endpoint');
      return errorPage(reply, new PageError('server_error', 'unexpected server error', 'RFC 6749 §4.1.2.1'));
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      let client: RegisteredClient;
      let target: string;
      let sent: string | undefined;
      let params: MultiParams;
      try {
        params = parseMulti(rawParams(request));
        ({ client, target, sent } = trustedTarget(sandbox, params));
      } catch (err) {
        if (err instanceof PageError) return errorPage(reply, err);
        throw err;
      }
      const status = request.method === 'GET' ? 302 : 303;
      const state = single(params, 'state');
      const iss = sandbox.urls.issuer;
      let approved: ApprovedRequest;
      let outcome: 'proceed' | 'hung';
      try {
        approved = validateRequest(sandbox, client, params);
        // RFC 6749 §4.1.2.1: an armed authorize.* failure strikes only now, once the redirect target is trusted.
        const failure = fireFailure(sandbox, request, 'authorize', client.clientId);
        outcome = await interrupt(sandbox, request, reply, failure);
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        request.sandboxRejection = err;
        const duplicateState = (params.get('state')?.length ?? 0) > 1;
        return reply.redirect(
          redirectTo(target, {
            error: err.code,
            error_description: err.description,
            state: duplicateState ? undefined : state,
            iss,
          }),
          status,
        );
      }
      if (outcome === 'hung') return reply;
      const context = standaloneContext(sandbox, approved.scope);
      const now = sandbox.clock.now();
      const code = sandbox.store.issueCode({
        clientId: client.clientId,
        redirectUri: sent,
        deliveredTo: target,
        codeChallenge: approved.codeChallenge,
        scope: approved.scope,
        nonce: approved.nonce,
        sub: context.fhirUser ?? DEFAULTS.launch.fhirUser,
        authTime: toSeconds(now),
        context,
        expiresAt: now + sandbox.lifetimes().code * 1000,
      });
      request.sandboxNotes = [
        ...(approved.codeChallenge === undefined
          ? []
          : [{ text: 'PKCE S256 code_challenge recorded', rule: 'RFC 7636 §4.4' }]),
        {
          text: `authorization code issued to ${client.clientId}, sent to ${target} (scope ${approved.scope.join(' ')})`,
          rule: 'RFC 6749 §4.1.2',
        },
      ];
      return reply.redirect(redirectTo(target, { code: code.code, state, iss }), status);
    };

    app.get(sandbox.profile.authorizePath, handler);
    app.post(sandbox.profile.authorizePath, handler);
  };
}

function errorPage(reply: FastifyReply, err: PageError): FastifyReply {
  reply.request.sandboxRejection = err;
  return sendPage(
    reply,
    400,
    'Authorization request rejected',
    `<h1>Authorization request rejected</h1>
<p><code>${escapeHtml(err.code)}</code>: ${escapeHtml(err.description)}</p>
<p class="rule">Rule: ${escapeHtml(err.rule)}. The sandbox does not redirect back, because the client or the redirect URI could not be trusted (RFC 6749 §4.1.2.1).</p>`,
  );
}
