import type { RegisteredClient } from '../config/defaults.js';
import type { Profile } from './profile.js';

/**
 * What a profile actually serves, derived from its fields: discovery advertises exactly this, the token
 * endpoint issues nothing it will not redeem, and a client registered for more gets a warning. One place, so
 * discovery, issuance and the warnings cannot drift apart.
 */

/** Refresh tokens are issued only where the refresh_token grant redeems them (RFC 6749 §1.5). */
export function issuesRefreshTokens(profile: Profile): boolean {
  return (
    profile.grantTypes.includes('refresh_token') && profile.refreshTokens.onAuthorizationCode !== 'never'
  );
}

/** Scopes that only ask for a refresh token: offered only where one is issued and redeemed. */
function refreshOnlyScopes(profile: Profile): readonly string[] {
  return issuesRefreshTokens(profile) ? [] : profile.refreshTokens.offlineScopes;
}

/** The Backend Services' system/ scopes need the client_credentials grant (SMART Backend Services). */
function isSystemScope(scope: string): boolean {
  return scope.startsWith('system/');
}

/** `scopes_supported`: the profile's scopes less those it cannot serve. */
export function servedScopes(profile: Profile): string[] {
  const refreshOnly = refreshOnlyScopes(profile);
  return profile.discovery.scopesSupported.filter(
    (s) =>
      !refreshOnly.includes(s) && (profile.grantTypes.includes('client_credentials') || !isSystemScope(s)),
  );
}

/** What a client registered for, but the active profile cannot serve: one sentence per mismatch. */
export function clientWarnings(profile: Profile, client: RegisteredClient): string[] {
  const warnings: string[] = [];
  const grants = client.grantTypes.filter((g) => !profile.grantTypes.includes(g));
  if (grants.length > 0) {
    warnings.push(
      `grant ${grants.join(', ')} is not served by the ${profile.name} profile (it serves ${profile.grantTypes.join(', ')}); such requests get unsupported_grant_type`,
    );
  }
  if (!profile.authMethods.includes(client.authMethod)) {
    warnings.push(
      `token_endpoint_auth_method ${client.authMethod} is not accepted by the ${profile.name} profile (it accepts ${profile.authMethods.join(', ')}); the client cannot authenticate`,
    );
  }
  const refreshOnly = client.scope.filter((s) => refreshOnlyScopes(profile).includes(s));
  if (refreshOnly.length > 0) {
    warnings.push(
      `scope ${refreshOnly.join(' ')} asks for a refresh token, which the ${profile.name} profile does not issue (no refresh_token grant)`,
    );
  }
  const system = client.scope.filter(isSystemScope);
  if (system.length > 0 && !profile.grantTypes.includes('client_credentials')) {
    warnings.push(
      `scope ${system.join(' ')} needs the client_credentials grant, which the ${profile.name} profile does not serve`,
    );
  }
  // Under a profile that refuses patient/ and user/ scopes to client_credentials (SMART Backend Services),
  // a client with that grant and no system/ scope cannot get a single client_credentials token.
  if (
    client.grantTypes.includes('client_credentials') &&
    profile.grantTypes.includes('client_credentials') &&
    profile.scope.patientUserOnClientCredentials === 'refuse' &&
    system.length === 0
  ) {
    warnings.push(
      `grant client_credentials: the ${profile.name} profile grants it only system/ scopes (SMART Backend Services) and this client has none, so every client_credentials request is refused with invalid_scope; add system/*.rs to its scope`,
    );
  }
  return warnings;
}
