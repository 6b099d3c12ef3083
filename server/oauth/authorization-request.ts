import type { FastifyRequest } from 'fastify';
import type { RegisteredClient } from '../config/defaults.js';
import type { PkcePolicy } from '../profiles/profile.js';
import {
  InvalidClient,
  InvalidRequest,
  InvalidScope,
  UnauthorizedClient,
  UnsupportedResponseType,
} from './errors.js';
import {
  bodyText,
  FORM_TYPE,
  mediaType,
  parseForm,
  queryOf,
  repeatedName,
  withoutEmpty,
  type MultiParams,
} from './form.js';
import { isWellFormedPkceValue } from './pkce.js';
import { matchRedirectUri, redirectUriProblem } from './redirect-uri.js';
import { decideScope, parseClinicalScope, splitScope } from './scopes.js';

/**
 * The authorization request of RFC 6749 §4.1.1 in three steps, each a function the authorize route calls in
 * turn: read its parameters, find the client and the redirect target it may be answered at, then validate the
 * rest. Until the target is trusted, an error must be shown, never redirected (RFC 6749 §4.1.2.1).
 */

/** A client's registered scope may be this long (config schema), so a request may ask for all of it. */
const SCOPE_LENGTH = 4000;
/** The longest client_id and redirect URI a client can be registered with (config schema). */
const CLIENT_ID_LENGTH = 255;
const REDIRECT_URI_LENGTH = 2000;

/**
 * Step 1: the parameters of a GET's query or a POST's form body (OpenID Connect Core §3.1.2.1 allows both),
 * every value of every name so that steps 2 and 3 can tell which parameter was repeated, with empty values
 * left out (RFC 6749 §3.1: sent without a value means omitted).
 */
export function readAuthorizationParams(request: FastifyRequest): MultiParams {
  if (request.method === 'GET') return withoutEmpty(parseForm(queryOf(request.url)));
  if (mediaType(request.headers['content-type']) !== FORM_TYPE) {
    throw new InvalidRequest(`a POST to the authorization endpoint must be ${FORM_TYPE}`, {
      rule: 'OpenID Connect Core §3.1.2.1',
    });
  }
  return withoutEmpty(parseForm(bodyText(request)));
}

/** The one value of a parameter sent once; undefined when absent or repeated. */
export function single(params: MultiParams, name: string): string | undefined {
  const values = params.get(name);
  return values?.length === 1 ? values[0] : undefined;
}

/** Where an authorization response may go, and the client it goes to. */
export interface TrustedTarget {
  readonly client: RegisteredClient;
  /** Where the response goes: the sent redirect_uri, else the client's only registered one. */
  readonly target: string;
  /** The redirect_uri as sent, which the token request must repeat (RFC 6749 §4.1.3). */
  readonly sent: string | undefined;
}

/** The registration's own bounds (config schema): longer values cannot match, and are not echoed back. */
function refuseLongerThanRegistered(name: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) {
    throw new InvalidRequest(
      `${name} is ${value.length} characters long; registered values are at most ${max}`,
      {
        rule: 'RFC 6749 §4.1.2.1',
      },
    );
  }
}

/**
 * Step 2: the client and the redirect target. Every error here is one the caller must show and never
 * redirect (RFC 6749 §4.1.2.1), because the client or the redirect URI could not be trusted.
 */
export function trustedTarget(
  findClient: (clientId: string) => RegisteredClient | undefined,
  params: MultiParams,
): TrustedTarget {
  if ((params.get('client_id')?.length ?? 0) > 1 || (params.get('redirect_uri')?.length ?? 0) > 1) {
    throw new InvalidRequest('client_id or redirect_uri was sent more than once', { rule: 'RFC 6749 §3.1' });
  }
  const clientId = single(params, 'client_id');
  if (clientId === undefined) throw new InvalidRequest('client_id is missing', { rule: 'RFC 6749 §4.1.1' });
  const sent = single(params, 'redirect_uri');
  refuseLongerThanRegistered('client_id', clientId, CLIENT_ID_LENGTH);
  refuseLongerThanRegistered('redirect_uri', sent, REDIRECT_URI_LENGTH);
  const client = findClient(clientId);
  if (!client) {
    throw new InvalidClient(`client ${clientId} is not registered with this sandbox`, {
      rule: 'RFC 6749 §4.1.2.1',
    });
  }
  if (sent !== undefined) {
    // RFC 6749 §4.1.2.1: a malformed redirect_uri (a loopback port above 65535, a control character …) is an
    // invalid request shown here, never a redirect and never a server error.
    const malformed = redirectUriProblem(sent);
    if (malformed !== undefined) {
      throw new InvalidRequest(`redirect_uri ${malformed}`, { rule: 'RFC 6749 §3.1.2' });
    }
    if (!matchRedirectUri(client.redirectUris, sent)) {
      throw new InvalidRequest(
        `redirect_uri ${sent} is not registered for client ${clientId} (registered: ${client.redirectUris.join(', ') || 'none'}); redirect URIs are compared as exact strings`,
        { rule: 'RFC 9700 §4.1.3' },
      );
    }
    return { client, target: sent, sent };
  }
  const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
  if (only === undefined) {
    throw new InvalidRequest(
      `redirect_uri is missing, and client ${clientId} has ${client.redirectUris.length} registered, so it is required`,
      { rule: 'RFC 6749 §3.1.2.3' },
    );
  }
  return { client, target: only, sent: undefined };
}

/** What validating an authorization request reads from the server, at the moment of the request. */
export interface AuthorizationRules {
  /** The active profile's PKCE policy. */
  readonly pkce: PkcePolicy;
  /** The active profile demands `aud` with SMART scopes. */
  readonly requireAud: boolean;
  readonly fhirBase: string;
  /** `limits.parameterLength` of the config. */
  readonly parameterLength: number;
}

/** An authorization request that passed step 3. */
export interface ValidatedRequest {
  readonly scope: readonly string[];
  readonly codeChallenge: string | undefined;
  readonly nonce: string | undefined;
  readonly state: string | undefined;
  /** The EHR launch value (SMART App Launch 2.2 §EHR launch), resolved by `launch/`. */
  readonly launch: string | undefined;
}

/**
 * Every value the sandbox keeps (state and nonce ride along with each code and consent page) has a bound,
 * so a page that floods /authorize cannot grow memory or the state file with kilobytes per request.
 * client_id and redirect_uri are not checked here: step 2 already compared them with the registration.
 */
function checkLengths(params: MultiParams, limit: number): void {
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

/** RFC 7636 §4.3 and the profile's PKCE policy; the challenge, when one was sent. */
function checkPkce(
  rules: AuthorizationRules,
  client: RegisteredClient,
  params: MultiParams,
): string | undefined {
  const challenge = single(params, 'code_challenge');
  const method = single(params, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) {
      throw new InvalidRequest('code_challenge_method sent without code_challenge', {
        rule: 'RFC 7636 §4.3',
      });
    }
    // `when-sent`: the vendor's document makes PKCE conditional, so only a client configured with
    // `requirePkce: true` must use it; the verifier is still checked whenever a challenge was sent.
    const clientRequires = rules.pkce === 'when-sent' ? client.pkceOptIn : client.requirePkce;
    if (rules.pkce === 'required' || clientRequires) {
      throw new InvalidRequest('PKCE is required: send code_challenge and code_challenge_method=S256', {
        rule: rules.pkce === 'required' ? 'SMART App Launch 2.2 §PKCE' : 'RFC 9700 §2.1.1',
      });
    }
    return undefined;
  }
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
  return challenge;
}

/** RFC 6749 §3.3: the scope asked for (the client's registered one when absent), all of it allowed. */
function checkScope(client: RegisteredClient, params: MultiParams): readonly string[] {
  const asked = single(params, 'scope');
  const requested = asked === undefined ? client.scope : splitScope(asked);
  if (requested === undefined) {
    throw new InvalidScope('scope is not a space-separated list of scope tokens', { rule: 'RFC 6749 §3.3' });
  }
  const { granted, refused } = decideScope(requested, client.scope);
  if (refused.length > 0) {
    throw new InvalidScope(`scope not allowed for client ${client.clientId}: ${refused.join(' ')}`, {
      rule: 'RFC 6749 §4.1.2.1',
    });
  }
  return granted;
}

/** SMART App Launch 2.2 §authorization request: `aud` names this FHIR base, and the profile may demand it. */
function checkAudience(rules: AuthorizationRules, granted: readonly string[], params: MultiParams): void {
  const { fhirBase } = rules;
  const aud = single(params, 'aud');
  const rule = 'SMART App Launch 2.2 §authorization request (aud)';
  if (aud !== undefined && aud !== fhirBase && aud !== `${fhirBase}/`) {
    throw new InvalidRequest(`aud ${aud} is not this server's FHIR base ${fhirBase}`, { rule });
  }
  const smartScopes = granted.some((s) => s.startsWith('launch') || parseClinicalScope(s) !== undefined);
  if (aud === undefined && smartScopes && rules.requireAud) {
    throw new InvalidRequest(`aud is required with SMART scopes; send aud=${fhirBase}`, { rule });
  }
}

/** Step 3: everything else; an error here is redirected back to the trusted target with `error`. */
export function validateAuthorizationRequest(
  rules: AuthorizationRules,
  client: RegisteredClient,
  params: MultiParams,
): ValidatedRequest {
  checkLengths(params, rules.parameterLength);
  const repeated = repeatedName(params);
  if (repeated !== undefined) {
    throw new InvalidRequest(`parameter ${repeated} was sent more than once`, { rule: 'RFC 6749 §3.1' });
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
  const codeChallenge = checkPkce(rules, client, params);
  const scope = checkScope(client, params);
  checkAudience(rules, scope, params);
  return {
    scope,
    codeChallenge,
    nonce: single(params, 'nonce'),
    state: single(params, 'state'),
    launch: single(params, 'launch'),
  };
}

/**
 * The `state` an error redirect carries back (RFC 6749 §4.1.2.1: "if present in the request"): none when it
 * was repeated or longer than the parameterLength limit, since such a state was itself refused.
 */
export function stateToReturn(params: MultiParams, parameterLength: number): string | undefined {
  const state = single(params, 'state');
  const repeated = (params.get('state')?.length ?? 0) > 1;
  return repeated || (state?.length ?? 0) > parameterLength ? undefined : state;
}
