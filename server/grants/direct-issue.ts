import { codeContext } from '../launch/code-context.js';
import { parseClinicalScope, decideScope, splitScope } from '../oauth/scopes.js';
import type { Sandbox } from '../sandbox.js';
import type { GrantContext, TokenResponse } from './grant.js';
import { issueClientToken, issueTokens, wantsRefreshToken } from './issue-tokens.js';

/** What a test asks for when it wants a valid token without the authorization dance. */
export interface DirectIssueRequest {
  /** A registered client; the token is issued to it, with its lifetimes. */
  readonly clientId: string;
  /** Space-separated, or a list; every scope must be within the client's registered scope. */
  readonly scope: string | readonly string[];
  /** The patient in context (`launch/patient`); the config's `launch.patient` when absent. */
  readonly patient?: string;
  /** The signed-in user (`openid fhirUser`), a FHIR reference such as `Practitioner/123`. */
  readonly fhirUser?: string;
}

/** A direct issue the sandbox refuses; the message names the field and what was expected. */
export class DirectIssueError extends Error {
  constructor(
    readonly field: 'clientId' | 'scope' | 'patient' | 'fhirUser',
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DirectIssueError';
  }
}

/** Scopes that need a user or a launch context: with one of them the token belongs to a grant, as from a code. */
function needsUser(scope: string): boolean {
  if (['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'].includes(scope)) return true;
  if (scope === 'launch' || scope.startsWith('launch/')) return true;
  const clinical = parseClinicalScope(scope);
  return clinical !== undefined && clinical.context !== 'system';
}

/**
 * The request's shape, for callers in plain JavaScript: a scope of the wrong type would otherwise fail deep in
 * the code with a bare TypeError ("request.scope.join is not a function") instead of naming the field.
 */
function checkTypes(request: unknown): asserts request is DirectIssueRequest {
  if (typeof request !== 'object' || request === null) {
    throw new DirectIssueError(
      'clientId',
      'expected a request object { clientId, scope, patient?, fhirUser? }',
    );
  }
  const r = request as Record<string, unknown>;
  if (typeof r['clientId'] !== 'string') throw new DirectIssueError('clientId', 'expected a string');
  const scope = r['scope'];
  if (typeof scope !== 'string' && !(Array.isArray(scope) && scope.every((s) => typeof s === 'string'))) {
    throw new DirectIssueError('scope', 'expected a space-separated string or a list of strings');
  }
  for (const field of ['patient', 'fhirUser'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string') {
      throw new DirectIssueError(field, 'expected a string when given');
    }
  }
}

/**
 * Issues tokens as the token endpoint would after a successful exchange, with the same minting code
 * (issueTokens): the access token is recorded in the store, so introspection, userinfo, the FHIR base and
 * the grants view all know it. Scopes that need a user (openid, launch/patient, patient/…) make a grant, as an
 * authorization code would (RFC 6749 §4.1), with an id_token and a refresh token when the profile gives them;
 * system scopes alone are a client_credentials-like token (RFC 6749 §4.4) with the client as `sub`.
 */
export async function issueDirectly(sandbox: Sandbox, request: DirectIssueRequest): Promise<TokenResponse> {
  checkTypes(request);
  const client = sandbox.clients.get(request.clientId);
  if (client === undefined) {
    const known = sandbox.clients.list().map((c) => c.clientId);
    throw new DirectIssueError(
      'clientId',
      `no client "${request.clientId}" is registered; expected one of: ${known.length === 0 ? '(none registered)' : known.join(', ')}`,
    );
  }
  const requested =
    typeof request.scope === 'string' ? splitScope(request.scope) : splitScope(request.scope.join(' '));
  if (requested === undefined || requested.length === 0) {
    throw new DirectIssueError(
      'scope',
      'expected at least one scope token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)',
    );
  }
  const { granted, refused } = decideScope(requested, client.scope);
  if (refused.length > 0) {
    throw new DirectIssueError(
      'scope',
      `not allowed for client ${client.clientId}: ${refused.join(' ')} (its scope is: ${client.scope.join(' ')})`,
    );
  }
  if (request.patient !== undefined && sandbox.fhir.get('Patient', request.patient) === undefined) {
    const ids = sandbox.fhir.list('Patient').map((p) => p.id);
    throw new DirectIssueError(
      'patient',
      `no Patient/${request.patient} in the FHIR data; expected one of: ${ids.join(', ')}`,
    );
  }
  // The patient rides in the token only as the launch context `launch/patient` asks for (SMART App Launch 2.2
  // §scopes): given without it, the caller would get a token whose patient/ scopes reach nothing, silently.
  if (request.patient !== undefined && !granted.includes('launch/patient')) {
    throw new DirectIssueError(
      'patient',
      `a patient is put in context only with the launch/patient scope; add launch/patient to scope (got: ${granted.join(' ')})`,
    );
  }
  if (request.fhirUser !== undefined && !/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(request.fhirUser)) {
    throw new DirectIssueError(
      'fhirUser',
      `expected a FHIR reference such as Practitioner/123, got "${request.fhirUser}"`,
    );
  }

  const ctx: GrantContext = {
    sandbox,
    client,
    params: new Map(),
    profile: sandbox.profile,
    notes: [],
    details: {},
  };
  if (!granted.some(needsUser)) return issueClientToken(ctx, granted);
  const picked = {
    ...(request.patient === undefined ? {} : { patient: request.patient }),
    ...(request.fhirUser === undefined ? {} : { fhirUser: request.fhirUser }),
  };
  const context = codeContext({ config: sandbox.config, fhir: sandbox.fhir }, granted, undefined, picked);
  const sub = context.fhirUser;
  const authTime = Math.floor(sandbox.clock.now() / 1000);
  const grant = sandbox.store.createGrant({
    clientId: client.clientId,
    sub,
    scope: granted,
    authTime,
    context,
    fromCode: undefined,
  });
  return issueTokens(ctx, {
    grant,
    scope: granted,
    sub,
    context,
    nonce: undefined,
    authTime,
    refresh: wantsRefreshToken(ctx, granted) ? 'issue' : undefined,
  });
}
