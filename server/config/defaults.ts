import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  ClientSchema,
  ConfigSchema,
  LaunchContextSchema,
  SIGNING_ALGS,
  type AuthMethod,
  type ClientConfig,
  type GrantType,
} from './schema.js';

// Plain data and functions only: the workbench imports this module's types, so nothing here may reach Node.

/**
 * The settings of a config document with every default applied: what the server reads at request time and
 * what `GET /config/effective` returns (its response schema). Clients, failures and custom profiles are not
 * settings: the client registry, the failure board and the active profile hold them resolved.
 */
export const ResolvedConfigSchema = Type.Object(
  {
    profile: Type.String(),
    authorize: Type.Object({ mode: Type.Enum(['auto', 'interactive']) }, { additionalProperties: false }),
    tokens: Type.Object(
      {
        signingAlg: Type.Enum(SIGNING_ALGS),
        codeLifetime: Type.Integer(),
        accessTokenLifetime: Type.Integer(),
        refreshTokenLifetime: Type.Integer(),
        assertionAudience: Type.Enum(['token-url', 'issuer-strict']),
      },
      { additionalProperties: false },
    ),
    limits: Type.Object(
      {
        liveCodes: Type.Integer(),
        pendingAuthorizations: Type.Integer(),
        parameterLength: Type.Integer(),
        fhirResources: Type.Integer(),
      },
      { additionalProperties: false },
    ),
    exchangeLog: Type.Object(
      { capacity: Type.Integer(), verdictHeader: Type.Boolean(), maxBytes: Type.Integer() },
      { additionalProperties: false },
    ),
    fhir: Type.Object({ fixtures: Type.Boolean() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type ResolvedConfig = Static<typeof ResolvedConfigSchema>;

/** The settings in force for a validated config document: the schema's `default` annotations fill the gaps. */
export function resolveConfig(
  config: Pick<Static<typeof ConfigSchema>, keyof ResolvedConfig>,
): ResolvedConfig {
  const { profile, authorize, tokens, limits, exchangeLog } = config;
  // Of `fhir`, only the switch is a setting: its files and upstream are sources, listed as they were given.
  const fixtures = config.fhir?.fixtures;
  const fhir = fixtures === undefined ? {} : { fixtures };
  // Value.Default fills in place: work on a copy, so the document stays what was set (an export writes it).
  const filled: unknown = Value.Default(
    ConfigSchema,
    structuredClone({ profile, authorize, tokens, limits, exchangeLog, fhir }),
  );
  if (!Value.Check(ResolvedConfigSchema, filled)) {
    throw new Error('a setting of config/schema.ts ConfigSchema has no default annotation');
  }
  return filled;
}

/** The `default` annotation of one schema field, checked against the field's own type. */
function declaredDefault<T extends TSchema>(field: T): Static<T> {
  const value: unknown = 'default' in field ? structuredClone(field.default) : undefined;
  if (!Value.Check(field, value)) throw new Error('a config/schema.ts field has no valid default annotation');
  return value;
}

const client = ClientSchema.properties;
const launch = LaunchContextSchema.properties;

/**
 * The documented default of every optional field of the config document (docs/config.md), read from the
 * schema's annotations. They apply in one place, `resolveConfig` and `registerClient`: the server reads only
 * resolved values, and the admin API returns them (`GET /config/effective`, each client's `effective`), so no
 * reader re-applies a default.
 */
export const DEFAULTS = {
  ...resolveConfig({}),
  launch: {
    patient: declaredDefault(launch.patient),
    encounter: declaredDefault(launch.encounter),
    fhirUser: declaredDefault(launch.fhirUser),
  },
  client: {
    grantTypes: declaredDefault(client.grantTypes),
    scope: declaredDefault(client.scope),
    requirePkce: declaredDefault(client.requirePkce),
    refreshTokenRotation: declaredDefault(client.refreshTokenRotation),
    refreshTokenReuseDetection: declaredDefault(client.refreshTokenReuseDetection),
  },
} as const;

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
  /** The persona who signs in for this client when nobody picks; undefined: the sandbox's default persona. */
  readonly defaultPersona: string | undefined;
  /** Custom claims in every token this client gets (none: an empty record). */
  readonly claims: Readonly<Record<string, unknown>>;
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
    defaultPersona: client.defaultPersona,
    claims: client.claims ?? {},
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
