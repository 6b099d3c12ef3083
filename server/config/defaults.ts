import type { AuthMethod, ClientConfig, GrantType, SandboxConfig, SigningAlg } from './schema.js';

/** Documented defaults, one per field (README "Config file"). */
export const DEFAULTS = {
  profile: 'smart',
  signingAlg: 'RS256' satisfies SigningAlg,
  codeLifetime: 60,
  accessTokenLifetime: 3600,
  refreshTokenLifetime: 30 * 24 * 3600,
  grantTypes: ['authorization_code', 'refresh_token'] satisfies GrantType[],
  scope:
    'openid fhirUser profile launch launch/patient launch/encounter patient/*.rs user/*.rs offline_access online_access',
  launch: { patient: 'pat-1', encounter: 'enc-1', fhirUser: 'Practitioner/prac-1' },
  /** `exchangeLog.verdictHeader`: rejections carry X-Sandbox-Verdict unless a config turns it off. */
  verdictHeader: true,
  limits: { liveCodes: 5_000, pendingAuthorizations: 1_000, parameterLength: 2_048 },
} as const;

/** The auth method a client uses: the explicit one, else what its credentials imply. */
export function resolveAuthMethod(client: ClientConfig): AuthMethod {
  if (client.tokenEndpointAuthMethod) return client.tokenEndpointAuthMethod;
  if (client.jwks !== undefined || client.jwksUri !== undefined) return 'private_key_jwt';
  return client.clientSecret === undefined ? 'none' : 'client_secret_basic';
}

/** A registered client with every default applied: what the server reads at request time. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly clientName: string | undefined;
  readonly clientSecret: string | undefined;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly scope: readonly string[];
  readonly authMethod: AuthMethod;
  readonly launchUrl: string | undefined;
  readonly jwks: { keys: Record<string, unknown>[] } | undefined;
  readonly jwksUri: string | undefined;
  readonly requirePkce: boolean;
  /** The config itself sets `requirePkce: true`: what a profile that makes PKCE conditional (`when-sent`) asks. */
  readonly pkceOptIn: boolean;
  readonly accessTokenLifetime: number;
  readonly refreshTokenLifetime: number;
  readonly refreshTokenRotation: boolean;
  readonly refreshTokenReuseDetection: boolean;
  /** The document it came from, so an export writes back exactly what was imported. */
  readonly source: ClientConfig;
}

export function registerClient(client: ClientConfig, config: SandboxConfig): RegisteredClient {
  const authMethod = resolveAuthMethod(client);
  return {
    clientId: client.clientId,
    clientName: client.clientName,
    clientSecret: client.clientSecret,
    redirectUris: client.redirectUris ?? [],
    grantTypes: client.grantTypes ?? DEFAULTS.grantTypes,
    scope: (client.scope ?? DEFAULTS.scope).split(' ').filter((s) => s !== ''),
    authMethod,
    launchUrl: client.launchUrl,
    jwks: client.jwks,
    jwksUri: client.jwksUri,
    // RFC 9700 §2.1.1: PKCE for every client unless a person turns it off for a confidential one.
    requirePkce: authMethod === 'none' ? true : (client.requirePkce ?? true),
    pkceOptIn: client.requirePkce === true,
    accessTokenLifetime:
      client.accessTokenLifetime ?? config.tokens?.accessTokenLifetime ?? DEFAULTS.accessTokenLifetime,
    refreshTokenLifetime:
      client.refreshTokenLifetime ?? config.tokens?.refreshTokenLifetime ?? DEFAULTS.refreshTokenLifetime,
    refreshTokenRotation: client.refreshTokenRotation ?? true,
    refreshTokenReuseDetection: client.refreshTokenReuseDetection ?? true,
    source: client,
  };
}
