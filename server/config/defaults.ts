import type { AuthMethod, ClientConfig, GrantType, SandboxConfig, SigningAlg } from './schema.js';

// Plain data and functions only: the workbench imports this module's types, so nothing here may reach Node.

/** The `aud` rule for private_key_jwt assertions (`tokens.assertionAudience`). */
type AssertionAudience = NonNullable<NonNullable<SandboxConfig['tokens']>['assertionAudience']>;

/**
 * The documented default of every optional field of the config document (docs/config.md), one per field.
 * They apply in one place, `resolveConfig` and `registerClient`: the server reads only resolved values, and the
 * admin API returns them (`GET /config/effective`, each client's `effective`), so no reader re-applies a default.
 */
export const DEFAULTS = {
  profile: 'smart',
  authorize: { mode: 'auto' },
  tokens: {
    signingAlg: 'RS256' satisfies SigningAlg,
    codeLifetime: 60,
    accessTokenLifetime: 3600,
    refreshTokenLifetime: 30 * 24 * 3600,
    assertionAudience: 'token-url' satisfies AssertionAudience,
  },
  launch: { patient: 'pat-1', encounter: 'enc-1', fhirUser: 'Practitioner/prac-1' },
  limits: { liveCodes: 5_000, pendingAuthorizations: 1_000, parameterLength: 2_048, fhirResources: 50_000 },
  exchangeLog: {
    capacity: 5_000,
    /** Rejections carry X-Sandbox-Verdict unless a config turns it off. */
    verdictHeader: true,
    maxBytes: 64 * 1024 * 1024,
  },
  client: {
    grantTypes: ['authorization_code', 'refresh_token'] satisfies GrantType[],
    scope:
      'openid fhirUser profile launch launch/patient launch/encounter patient/*.rs user/*.rs offline_access online_access',
    requirePkce: true,
    refreshTokenRotation: true,
    refreshTokenReuseDetection: true,
  },
} as const;

/**
 * The settings of a config document with every default applied: what the server reads at request time and
 * what `GET /config/effective` returns. Clients, failures and custom profiles are not settings: the client
 * registry, the failure board and the active profile hold them resolved.
 */
export interface ResolvedConfig {
  readonly profile: string;
  readonly authorize: { readonly mode: 'auto' | 'interactive' };
  readonly tokens: {
    readonly signingAlg: SigningAlg;
    readonly codeLifetime: number;
    readonly accessTokenLifetime: number;
    readonly refreshTokenLifetime: number;
    readonly assertionAudience: AssertionAudience;
  };
  readonly limits: {
    readonly liveCodes: number;
    readonly pendingAuthorizations: number;
    readonly parameterLength: number;
    readonly fhirResources: number;
  };
  readonly exchangeLog: {
    readonly capacity: number;
    readonly verdictHeader: boolean;
    readonly maxBytes: number;
  };
}

/** The settings in force for a validated config document. */
export function resolveConfig(config: SandboxConfig): ResolvedConfig {
  const { tokens, limits, exchangeLog } = config;
  return {
    profile: config.profile ?? DEFAULTS.profile,
    authorize: { mode: config.authorize?.mode ?? DEFAULTS.authorize.mode },
    tokens: {
      signingAlg: tokens?.signingAlg ?? DEFAULTS.tokens.signingAlg,
      codeLifetime: tokens?.codeLifetime ?? DEFAULTS.tokens.codeLifetime,
      accessTokenLifetime: tokens?.accessTokenLifetime ?? DEFAULTS.tokens.accessTokenLifetime,
      refreshTokenLifetime: tokens?.refreshTokenLifetime ?? DEFAULTS.tokens.refreshTokenLifetime,
      assertionAudience: tokens?.assertionAudience ?? DEFAULTS.tokens.assertionAudience,
    },
    limits: {
      liveCodes: limits?.liveCodes ?? DEFAULTS.limits.liveCodes,
      pendingAuthorizations: limits?.pendingAuthorizations ?? DEFAULTS.limits.pendingAuthorizations,
      parameterLength: limits?.parameterLength ?? DEFAULTS.limits.parameterLength,
      fhirResources: limits?.fhirResources ?? DEFAULTS.limits.fhirResources,
    },
    exchangeLog: {
      capacity: exchangeLog?.capacity ?? DEFAULTS.exchangeLog.capacity,
      verdictHeader: exchangeLog?.verdictHeader ?? DEFAULTS.exchangeLog.verdictHeader,
      maxBytes: exchangeLog?.maxBytes ?? DEFAULTS.exchangeLog.maxBytes,
    },
  };
}

/** The auth method a client uses: the explicit one, else what its credentials imply. */
export function resolveAuthMethod(client: ClientConfig): AuthMethod {
  if (client.tokenEndpointAuthMethod) return client.tokenEndpointAuthMethod;
  if (client.jwks !== undefined || client.jwksUri !== undefined) return 'private_key_jwt';
  return client.clientSecret === undefined ? 'none' : 'client_secret_basic';
}

/**
 * A client's values in force, as the admin API lists them beside the document (docs/admin-api.md#clients):
 * the workbench shows these instead of working out a default itself.
 */
export interface EffectiveClient {
  readonly authMethod: AuthMethod;
  readonly grantTypes: GrantType[];
  readonly scope: string;
  readonly requirePkce: boolean;
  readonly accessTokenLifetime: number;
  readonly refreshTokenLifetime: number;
  readonly refreshTokenRotation: boolean;
  readonly refreshTokenReuseDetection: boolean;
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

/** The grants a client may use, its own or the default (validation and registration share it). */
export function clientGrantTypes(client: ClientConfig): readonly GrantType[] {
  return client.grantTypes ?? DEFAULTS.client.grantTypes;
}

export function registerClient(client: ClientConfig, settings: ResolvedConfig): RegisteredClient {
  const authMethod = resolveAuthMethod(client);
  return {
    clientId: client.clientId,
    clientName: client.clientName,
    clientSecret: client.clientSecret,
    redirectUris: client.redirectUris ?? [],
    grantTypes: clientGrantTypes(client),
    scope: (client.scope ?? DEFAULTS.client.scope).split(' ').filter((s) => s !== ''),
    authMethod,
    launchUrl: client.launchUrl,
    jwks: client.jwks,
    jwksUri: client.jwksUri,
    // RFC 9700 §2.1.1: PKCE for every client unless a person turns it off for a confidential one.
    requirePkce: authMethod === 'none' ? true : (client.requirePkce ?? DEFAULTS.client.requirePkce),
    pkceOptIn: client.requirePkce === true,
    accessTokenLifetime: client.accessTokenLifetime ?? settings.tokens.accessTokenLifetime,
    refreshTokenLifetime: client.refreshTokenLifetime ?? settings.tokens.refreshTokenLifetime,
    refreshTokenRotation: client.refreshTokenRotation ?? DEFAULTS.client.refreshTokenRotation,
    refreshTokenReuseDetection:
      client.refreshTokenReuseDetection ?? DEFAULTS.client.refreshTokenReuseDetection,
    source: client,
  };
}

/** The values in force of a registered client, in the admin API's JSON shape. */
export function effectiveClient(client: RegisteredClient): EffectiveClient {
  return {
    authMethod: client.authMethod,
    grantTypes: [...client.grantTypes],
    scope: client.scope.join(' '),
    requirePkce: client.requirePkce,
    accessTokenLifetime: client.accessTokenLifetime,
    refreshTokenLifetime: client.refreshTokenLifetime,
    refreshTokenRotation: client.refreshTokenRotation,
    refreshTokenReuseDetection: client.refreshTokenReuseDetection,
  };
}
