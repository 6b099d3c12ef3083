import { InvalidScope, UnauthorizedClient } from '../oauth/errors.js';
import { decideScope, parseClinicalScope, splitScope } from '../oauth/scopes.js';
import type { GrantHandler } from './grant.js';
import { issueClientToken } from './issue-tokens.js';

/** Scopes that describe a user (OIDC Core §5.4, SMART launch scopes, offline access): none without one. */
const USER_SCOPES = new Set([
  'openid',
  'fhirUser',
  'profile',
  'email',
  'phone',
  'address',
  'offline',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
]);

/** A `patient/` or `user/` clinical scope: it needs a patient or a user in context, which this grant has not. */
function needsContext(scope: string): boolean {
  const clinical = parseClinicalScope(scope);
  return clinical !== undefined && clinical.context !== 'system';
}

/** `patient/Observation.rs` → `system/Observation.rs`: the Backend Services scope with the same reach. */
function asSystem(scope: string): string {
  return scope.replace(/^(patient|user)\//, 'system/');
}

/** RFC 6749 §4.4 (and SMART Backend Services): a confidential client's own access, no refresh token. */
export const clientCredentialsGrant: GrantHandler = async (ctx) => {
  const { client, params, notes } = ctx;
  if (client.authMethod === 'none') {
    throw new UnauthorizedClient('client_credentials is for confidential clients; this client is public', {
      rule: 'RFC 6749 §4.4',
    });
  }
  const asked = params.get('scope');
  const refuseContext = ctx.profile.scope.patientUserOnClientCredentials === 'refuse';
  // Without a scope parameter: everything the client may have that needs no user (RFC 6749 §3.3 default).
  const requested =
    asked === undefined
      ? client.scope.filter((s) => !USER_SCOPES.has(s) && !(refuseContext && needsContext(s)))
      : splitScope(asked);
  if (requested === undefined) {
    throw new InvalidScope('scope is not a space-separated list of scope tokens', { rule: 'RFC 6749 §3.3' });
  }
  if (asked === undefined && requested.length === 0 && refuseContext) {
    // RFC 6749 §3.3: without a usable default the request fails with invalid_scope, rather than a token for nothing.
    throw new InvalidScope(
      `no scope was requested and client ${client.clientId} has no scope a client_credentials token can carry; add system/ scopes (such as system/*.rs) to its scope`,
      { rule: 'SMART Backend Services §scopes' },
    );
  }
  const contextual = requested.filter(needsContext);
  if (refuseContext && contextual.length > 0) {
    const instead = [...new Set(contextual.map(asSystem))];
    const missing = decideScope(instead, client.scope).refused;
    throw new InvalidScope(
      `client_credentials cannot grant ${contextual.join(' ')}: a backend token has no patient or user in context; ask for ${instead.join(' ')} instead` +
        (missing.length > 0 ? ` (and add ${missing.join(' ')} to client ${client.clientId}'s scope)` : ''),
      { rule: 'SMART Backend Services §scopes' },
    );
  }
  const { granted, refused } = decideScope(requested, client.scope);
  if (refused.length > 0 && ctx.profile.scope.unknownOnClientCredentials === 'ignore') {
    notes.push({ text: `scope ignored, not enabled for client ${client.clientId}: ${refused.join(' ')}` });
  } else if (refused.length > 0) {
    throw new InvalidScope(`scope not allowed for client ${client.clientId}: ${refused.join(' ')}`, {
      rule: 'RFC 6749 §4.4.2',
    });
  }
  notes.push({ text: `client ${client.clientId} authenticated; scope granted: ${granted.join(' ')}` });
  return issueClientToken(ctx, granted);
};
