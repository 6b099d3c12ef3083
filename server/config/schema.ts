import { Type, type Static } from 'typebox';
import { FAILURE_IDS } from '../failures/ids.js';

/**
 * The config document of CONTRACT §2: what `--config` reads, what "export settings" writes and
 * "import settings" reads. Unknown fields are errors, so a typo never silently does nothing.
 */

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const PROFILE_NAMES = ['smart', 'medirecords', 'iehr'] as const;
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

const Seconds = (description: string) => Type.Integer({ minimum: 1, maximum: 31_536_000, description });

export const ClientSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' }),
    clientName: Type.Optional(Type.String({ maxLength: 200 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    redirectUris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 50 })),
    grantTypes: Type.Optional(Type.Array(Type.Enum(GRANT_TYPES), { minItems: 1, uniqueItems: true })),
    scope: Type.Optional(Type.String({ maxLength: 4000 })),
    tokenEndpointAuthMethod: Type.Optional(Type.Enum(AUTH_METHODS)),
    launchUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    jwks: Type.Optional(Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) })),
    jwksUri: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    requirePkce: Type.Optional(Type.Boolean()),
    accessTokenLifetime: Type.Optional(Seconds('access token lifetime in seconds')),
    refreshTokenLifetime: Type.Optional(Seconds('refresh token lifetime in seconds')),
    refreshTokenRotation: Type.Optional(Type.Boolean()),
    refreshTokenReuseDetection: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ClientConfig = Static<typeof ClientSchema>;

export const LaunchContextSchema = Type.Object(
  {
    patient: Type.Optional(Type.String({ minLength: 1 })),
    encounter: Type.Optional(Type.String({ minLength: 1 })),
    fhirUser: Type.Optional(Type.String({ minLength: 1 })),
    fhirContext: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    intent: Type.Optional(Type.String({ minLength: 1 })),
    needPatientBanner: Type.Optional(Type.Boolean()),
    smartStyleUrl: Type.Optional(Type.String({ minLength: 1 })),
    tenant: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type LaunchContextConfig = Static<typeof LaunchContextSchema>;

export const FailureArmSchema = Type.Object(
  {
    id: Type.Enum(FAILURE_IDS),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    profile: Type.Optional(Type.Enum(PROFILE_NAMES)),
    clients: Type.Optional(Type.Array(ClientSchema, { maxItems: 1000 })),
    launch: Type.Optional(LaunchContextSchema),
    authorize: Type.Optional(
      Type.Object({ mode: Type.Enum(['auto', 'interactive']) }, { additionalProperties: false }),
    ),
    tokens: Type.Optional(
      Type.Object(
        {
          signingAlg: Type.Optional(Type.Enum(SIGNING_ALGS)),
          accessTokenLifetime: Type.Optional(Seconds('default access token lifetime in seconds')),
          refreshTokenLifetime: Type.Optional(Seconds('default refresh token lifetime in seconds')),
          codeLifetime: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
        },
        { additionalProperties: false },
      ),
    ),
    failures: Type.Optional(Type.Array(FailureArmSchema, { maxItems: 200 })),
    exchangeLog: Type.Optional(
      Type.Object(
        {
          capacity: Type.Optional(
            Type.Integer({ minimum: 10, maximum: 100_000, description: 'exchanges kept in the log' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SandboxConfig = Static<typeof ConfigSchema>;
