import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logUnexpected } from '../log-unexpected.js';
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
import { matchRedirectUri, redirectUriProblem } from '../oauth/redirect-uri.js';
import { parseStrictForm, requireFormContentType } from '../oauth/form.js';
import { decideScope, parseClinicalScope, splitScope } from '../oauth/scopes.js';
import type { Sandbox } from '../sandbox.js';
import type { LaunchContext } from '../store/artefacts.js';
import type { PendingAuthorization } from '../store/pending-authorizations.js';
import { toSeconds } from '../clock.js';
import { configuredContext, LAUNCH_LIFETIME_MS } from '../launch/launches.js';
import { consentPage, patientChoices, userChoices } from './consent-page.js';
import { fireFailure, interrupt } from '../failures/engine.js';
import { escapeHtml, sendPage } from './html.js';
import { OAUTH_BODY_LIMIT } from './oauth-scope.js';
import { decisionPath, onlyThroughProfilePath, PROFILE_ROUTES } from './profile-paths.js';

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

/** A client's registered scope may be this long (config schema), so a request may ask for all of it. */
const SCOPE_LENGTH = 4000;
/** The longest client_id and redirect URI a client can be registered with (config schema). */
const CLIENT_ID_LENGTH = 255;
const REDIRECT_URI_LENGTH = 2000;

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
  // The registration's own bounds (config schema): longer values cannot match, and are not echoed back.
  const tooLong = (name: string, value: string | undefined, max: number) => {
    if (value !== undefined && value.length > max) {
      throw new PageError(
        'invalid_request',
        `${name} is ${value.length} characters long; registered values are at most ${max}`,
        'RFC 6749 §4.1.2.1',
      );
    }
  };
  tooLong('client_id', clientId, CLIENT_ID_LENGTH);
  tooLong('redirect_uri', single(params, 'redirect_uri'), REDIRECT_URI_LENGTH);
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
    // RFC 6749 §4.1.2.1: a malformed redirect_uri (a loopback port above 65535, a control character …) is an
    // invalid request shown here, never a redirect and never a server error.
    const malformed = redirectUriProblem(sent);
    if (malformed !== undefined) {
      throw new PageError('invalid_request', `redirect_uri ${malformed}`, 'RFC 6749 §3.1.2');
    }
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
  /** The context bound to the request's `launch` value (EHR launch), if it had one. */
  readonly ehrContext: LaunchContext | undefined;
}

/** SMART App Launch 2.2 §EHR launch: the `launch` value must be ours, alive and this client's. */
function resolveLaunch(
  sandbox: Sandbox,
  client: RegisteredClient,
  launch: string,
  scope: readonly string[],
): LaunchContext {
  const rule = 'SMART App Launch 2.2 §EHR launch';
  if (!scope.includes('launch')) {
    throw new InvalidScope('an EHR launch (the launch parameter) needs the launch scope', { rule });
  }
  const found = sandbox.launches.resolve(launch, client.clientId);
  switch (found.status) {
    case 'ok':
      return found.context;
    case 'unknown':
      throw new InvalidRequest('the launch value is not one this sandbox issued (or it was forgotten)', {
        rule,
      });
    case 'expired':
      throw new InvalidRequest(
        `the launch value expired (launches live ${LAUNCH_LIFETIME_MS / 60_000} minutes); launch the app again`,
        { rule },
      );
    case 'wrong_client':
      throw new InvalidRequest(`the launch value was issued for another client, not ${client.clientId}`, {
        rule,
      });
  }
}

/**
 * Every value the sandbox keeps (state and nonce ride along with each code and consent page) has a bound,
 * so a page that floods /authorize cannot grow memory or the state file with kilobytes per request.
 * client_id and redirect_uri are not checked here: step 2 already compared them with the registration.
 */
function checkLengths(sandbox: Sandbox, params: MultiParams): void {
  const limit = sandbox.limits().parameterLength;
  for (const [name, values] of params) {
    if (name === 'client_id' || name === 'redirect_uri') continue;
    const max = name === 'scope' ? Math.max(limit, SCOPE_LENGTH) : limit;
    const longest = Math.max(...values.map((v) => v.length));
    if (longest > max) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      throw new InvalidRequest(
        `${shown} is ${longest} characters long; at most ${max} are accepted (the parameterLength limit; raise it with limits.parameterLength in the config)`,
        { rule: 'RFC 6749 §4.1.2.1' },
      );
    }
  }
}

/** Step 3: everything else; a failure here is redirected back to the client with `error`. */
function validateRequest(sandbox: Sandbox, client: RegisteredClient, params: MultiParams): ApprovedRequest {
  checkLengths(sandbox, params);
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
  // Discovery advertises response_modes_supported ["query"]: a client that asked for the code in the fragment
  // or a form post must not silently get it in the query, where it would look for nothing.
  const responseMode = single(params, 'response_mode');
  if (responseMode !== undefined && responseMode !== 'query') {
    throw new InvalidRequest(
      `response_mode ${responseMode} is not supported; this server answers in the query (response_modes_supported: query)`,
      { rule: 'OAuth 2.0 Multiple Response Type Encoding Practices §2.1' },
    );
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
    const policy = sandbox.profile.pkce;
    // `when-sent`: the vendor's document makes PKCE conditional, so only a client configured with
    // `requirePkce: true` must use it; the verifier is still checked whenever a challenge was sent.
    const clientRequires = policy === 'when-sent' ? client.source.requirePkce === true : client.requirePkce;
    if (policy === 'required' || clientRequires) {
      throw new InvalidRequest('PKCE is required: send code_challenge and code_challenge_method=S256', {
        rule: policy === 'required' ? 'SMART App Launch 2.2 §PKCE' : 'RFC 9700 §2.1.1',
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
  if (aud === undefined && smartScopes && sandbox.profile.requireAud) {
    throw new InvalidRequest(`aud is required with SMART scopes; send aud=${fhirBase}`, {
      rule: 'SMART App Launch 2.2 §authorization request (aud)',
    });
  }
  const launch = single(params, 'launch');
  return {
    scope: granted,
    codeChallenge: challenge,
    nonce: single(params, 'nonce'),
    ehrContext: launch === undefined ? undefined : resolveLaunch(sandbox, client, launch, granted),
  };
}

/** What a person chose on the consent page (interactive mode); nothing in auto mode. */
interface Picked {
  readonly patient?: string;
  readonly fhirUser?: string;
}

/**
 * The launch context a code carries. An EHR launch brings its own (SMART App Launch 2.2 §EHR launch);
 * a standalone launch gets the patient and encounter the scopes ask for (`launch/patient`,
 * `launch/encounter`) from the picker, else from the config's `launch`.
 */
function contextFor(
  sandbox: Sandbox,
  scope: readonly string[],
  ehrContext: LaunchContext | undefined,
  picked: Picked = {},
): LaunchContext {
  const configured = configuredContext(sandbox.config);
  const wantsPatient = scope.includes('launch/patient');
  const wantsEncounter = scope.includes('launch/encounter');
  if (ehrContext !== undefined) {
    const patient = ehrContext.patient ?? (wantsPatient ? (picked.patient ?? configured.patient) : undefined);
    return {
      ...ehrContext,
      ...(patient === undefined ? {} : { patient }),
      ...(ehrContext.encounter === undefined && wantsEncounter && configured.encounter !== undefined
        ? { encounter: configured.encounter }
        : {}),
    };
  }
  const patient = wantsPatient ? (picked.patient ?? configured.patient) : undefined;
  const encounter = !wantsEncounter
    ? undefined
    : picked.patient === undefined
      ? configured.encounter
      : encounterOf(sandbox, picked.patient, configured.encounter);
  const fhirUser = picked.fhirUser ?? configured.fhirUser;
  return {
    ...(patient === undefined ? {} : { patient }),
    ...(encounter === undefined ? {} : { encounter }),
    ...(fhirUser === undefined ? {} : { fhirUser }),
    ...(configured.needPatientBanner === undefined
      ? {}
      : { needPatientBanner: configured.needPatientBanner }),
    ...(configured.smartStyleUrl === undefined ? {} : { smartStyleUrl: configured.smartStyleUrl }),
    ...(configured.tenant === undefined ? {} : { tenant: configured.tenant }),
  };
}

/** The configured encounter when it is the picked patient's, else that patient's first encounter. */
function encounterOf(sandbox: Sandbox, patient: string, configured: string | undefined): string | undefined {
  const ofPatient = sandbox.fhir
    .list('Encounter')
    .filter((e) => (e['subject'] as { reference?: unknown } | undefined)?.reference === `Patient/${patient}`);
  return ofPatient.find((e) => e.id === configured)?.id ?? ofPatient[0]?.id;
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
    expiresAt: now + sandbox.lifetimes().code * 1000,
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

/** The picker's answer, if it names one of the offered choices. */
function chosen(
  value: string | undefined,
  offered: readonly { readonly value: string }[],
): string | undefined {
  return offered.some((o) => o.value === value) ? value : undefined;
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
      logUnexpected(request, error, 'at the authorization endpoint');
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
        // An over-long state was refused, so it is not sent back either.
        const refusedState = (state?.length ?? 0) > sandbox.limits().parameterLength;
        return reply.redirect(
          redirectTo(target, {
            error: err.code,
            error_description: err.description,
            state: duplicateState || refusedState ? undefined : state,
            iss,
          }),
          status,
        );
      }
      if (outcome === 'hung') return reply;
      const pending: PendingAuthorization = {
        clientId: client.clientId,
        redirectUri: sent,
        deliveredTo: target,
        scope: approved.scope,
        codeChallenge: approved.codeChallenge,
        nonce: approved.nonce,
        state,
        ehrContext: approved.ehrContext,
      };
      if (sandbox.config.authorize?.mode !== 'interactive') {
        return approve(
          sandbox,
          reply,
          pending,
          contextFor(sandbox, approved.scope, approved.ehrContext),
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
      let form;
      try {
        requireFormContentType(request.headers['content-type']);
        form = parseStrictForm(typeof request.body === 'string' ? request.body : '');
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        return errorPage(reply, new PageError(err.code, err.description, err.rule ?? 'RFC 6749 §4.1.2.1'));
      }
      const id = form.get('request');
      const pending = id === undefined ? undefined : sandbox.pendingAuthorizations.take(id);
      const client = pending === undefined ? undefined : sandbox.clients.get(pending.clientId);
      if (!pending || !client) {
        return errorPage(
          reply,
          new PageError(
            'invalid_request',
            'this authorization request is unknown, already decided, expired or pushed out by newer ones (the pendingAuthorizations limit); start again from the app',
            'RFC 6749 §10.12',
          ),
        );
      }
      const decision = form.get('decision');
      if (decision === 'deny') {
        // A rejection like any other: the exchange log's verdict and the verdict header name it.
        request.sandboxRejection = {
          code: 'access_denied',
          description: 'the user denied the request',
          rule: 'RFC 6749 §4.1.2.1',
        };
        return reply.redirect(
          redirectTo(pending.deliveredTo, {
            error: 'access_denied',
            error_description: 'the user denied the request',
            state: pending.state,
            iss: sandbox.urls.issuer,
          }),
          303,
        );
      }
      const patients = patientChoices(sandbox, pending);
      const users = userChoices(sandbox, pending);
      const patient = chosen(form.get('patient'), patients);
      const fhirUser = chosen(form.get('user'), users);
      if (
        decision !== 'approve' ||
        (patients.length > 0 && patient === undefined) ||
        (users.length > 0 && fhirUser === undefined)
      ) {
        return errorPage(
          reply,
          new PageError(
            'invalid_request',
            'the decision form was incomplete (approve or deny, and one of the offered patients and users); start again from the app',
            'RFC 6749 §4.1.2.1',
          ),
        );
      }
      const picked = {
        ...(patient === undefined ? {} : { patient }),
        ...(fhirUser === undefined ? {} : { fhirUser }),
      };
      return approve(
        sandbox,
        reply,
        pending,
        contextFor(sandbox, pending.scope, pending.ehrContext, picked),
        303,
      );
    });
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
