import { Type, type Static, type TSchema } from 'typebox';
import { FAILURE_IDS } from '../failures/ids.js';
import { ISSUER_NAME_PATTERN, PROFILE_NAMES } from './names.js';
import { ERROR_FIELDS, OAUTH_ERROR_CODES, OAUTH_ERROR_REASONS } from '../oauth/errors.js';
import { TOKEN_FIELDS } from '../profiles/token-fields.js';
import { CLIENT_ID, CODE_LIFETIME_SECONDS, FAILURE_DELAY_MS, LIFETIME_SECONDS } from './bounds.js';

/**
 * The config document of docs/config.md: what `--config` reads, what "export settings" writes and
 * "import settings" reads. Unknown fields are errors, so a typo never silently does nothing.
 *
 * Each optional field's documented default is its `default` annotation, written here once: `config/defaults.ts`
 * applies them (`resolveConfig`, `registerClient`) and docs/config.md's default table is generated from them.
 * An object whose fields have defaults defaults to `{}`, so its fields fill in when it is absent.
 */

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export { PROFILE_NAMES } from './names.js';
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

const Seconds = (description: string, fallback?: number) =>
  Type.Integer({
    ...LIFETIME_SECONDS,
    description,
    ...(fallback === undefined ? {} : { default: fallback }),
  });

/** A JWK member that is a plain value: base64url key material, ids, algorithm names. */
const JwkText = Type.String({ maxLength: 16_384 });

/**
 * One public key (RFC 7517 §4, RFC 7518 §6): the members the RFCs define, typed. Members they do not define
 * may be present (RFC 7517 §4 says to ignore them) but only as plain values, so a key can never nest: a JWKS
 * thousands of levels deep once made every later read and save of the config overflow the stack.
 */
export const JwkSchema = Type.Object(
  {
    kty: Type.String({ minLength: 1, maxLength: 20 }),
    use: Type.Optional(JwkText),
    key_ops: Type.Optional(Type.Array(JwkText, { maxItems: 10 })),
    alg: Type.Optional(JwkText),
    kid: Type.Optional(JwkText),
    x5u: Type.Optional(JwkText),
    x5c: Type.Optional(Type.Array(JwkText, { maxItems: 10 })),
    x5t: Type.Optional(JwkText),
    'x5t#S256': Type.Optional(JwkText),
    crv: Type.Optional(JwkText),
    x: Type.Optional(JwkText),
    y: Type.Optional(JwkText),
    n: Type.Optional(JwkText),
    e: Type.Optional(JwkText),
    k: Type.Optional(JwkText),
    d: Type.Optional(JwkText),
    p: Type.Optional(JwkText),
    q: Type.Optional(JwkText),
    dp: Type.Optional(JwkText),
    dq: Type.Optional(JwkText),
    qi: Type.Optional(JwkText),
  },
  {
    additionalProperties: Type.Union([JwkText, Type.Number(), Type.Boolean()]),
    maxProperties: 40,
  },
);

/** A client's public keys for private_key_jwt (RFC 7517 §5): a list of keys, nothing else. */
export const JwksSchema = Type.Object(
  { keys: Type.Array(JwkSchema, { maxItems: 100 }) },
  { additionalProperties: false },
);

/** A JSON value at most `depth` levels deep, with bounded strings, lists and objects. */
function boundedJson(depth: number): TSchema {
  const scalar = Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]);
  if (depth <= 0) return scalar;
  const inner = boundedJson(depth - 1);
  return Type.Union([
    scalar,
    Type.Array(inner, { maxItems: 20 }),
    Type.Record(Type.String({ maxLength: 100 }), inner, { maxProperties: 20 }),
  ]);
}

/**
 * One `fhirContext` entry (SMART App Launch 2.2 §fhirContext): `reference`, `canonical`, `identifier` (a FHIR
 * Identifier, a few levels deep), `type` and `role`. Unknown members are refused, like everywhere in the config.
 */
export const FhirContextItemSchema = Type.Object(
  {
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    canonical: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    identifier: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), boundedJson(3), { maxProperties: 20 }),
    ),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const FhirContextSchema = Type.Array(FhirContextItemSchema, { maxItems: 50 });

/**
 * Custom claims (docs/config.md "personas and claims"): claim names to JSON values, at most three levels deep.
 * Reserved names (iss, sub, exp, …; see server/people/claims.ts) are refused by validation, naming the claim.
 */
export const ClaimsSchema = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), boundedJson(3), {
  maxProperties: 50,
});
export type Claims = Static<typeof ClaimsSchema>;

/** A persona's id: what the admin API's URL, the sign-in form and `defaultPersona` name it by. */
export const PersonaIdSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

/**
 * A person who signs in (docs/config.md "personas"): a practitioner, patient or related person with a stable
 * `sub`, the FHIR resource they are (`fhirUser`, SMART App Launch 2.2 §fhirUser), the OpenID Connect Core §5.1
 * standard claims `profile` and `email` release, and custom claims for the tokens issued while they are signed in.
 */
export const PersonaSchema = Type.Object(
  {
    id: PersonaIdSchema,
    fhirUser: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Practitioner/…, Patient/…, RelatedPerson/… or Person/…, or an absolute URL of one',
    }),
    sub: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'stable subject; default: the fhirUser' }),
    ),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    givenName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    familyName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' })),
    emailVerified: Type.Optional(Type.Boolean()),
    claims: Type.Optional(ClaimsSchema),
  },
  { additionalProperties: false },
);
export type PersonaConfig = Static<typeof PersonaSchema>;

export const ClientSchema = Type.Object(
  {
    clientId: Type.String({ ...CLIENT_ID }),
    clientName: Type.Optional(Type.String({ maxLength: 200 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    redirectUris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 50 })),
    grantTypes: Type.Optional(
      Type.Array(Type.Enum(GRANT_TYPES), {
        minItems: 1,
        uniqueItems: true,
        default: ['authorization_code', 'refresh_token'],
      }),
    ),
    scope: Type.Optional(
      Type.String({
        maxLength: 4000,
        default:
          'openid fhirUser profile launch launch/patient launch/encounter patient/*.rs user/*.rs offline_access online_access',
      }),
    ),
    tokenEndpointAuthMethod: Type.Optional(Type.Enum(AUTH_METHODS)),
    launchUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    jwks: Type.Optional(JwksSchema),
    jwksUri: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    // RFC 9700 §2.1.1: PKCE for every client unless a person turns it off for a confidential one.
    requirePkce: Type.Optional(Type.Boolean({ default: true })),
    // No `default`: a client's lifetimes default to the config's `tokens` (registerClient applies them).
    accessTokenLifetime: Type.Optional(Seconds('access token lifetime in seconds')),
    refreshTokenLifetime: Type.Optional(Seconds('refresh token lifetime in seconds')),
    refreshTokenRotation: Type.Optional(Type.Boolean({ default: true })),
    refreshTokenReuseDetection: Type.Optional(Type.Boolean({ default: true })),
    /** Who signs in for this client in auto mode (and first on the sign-in page); the config's `defaultPersona` otherwise. */
    defaultPersona: Type.Optional(PersonaIdSchema),
    /** Custom claims in every access token and id_token this client gets. */
    claims: Type.Optional(ClaimsSchema),
  },
  { additionalProperties: false },
);
export type ClientConfig = Static<typeof ClientSchema>;

export const LaunchContextSchema = Type.Object(
  {
    patient: Type.Optional(Type.String({ minLength: 1, default: 'pat-1' })),
    // The default encounter is the default patient's: it applies with that patient only (launch/launches.ts).
    encounter: Type.Optional(Type.String({ minLength: 1, default: 'enc-1' })),
    fhirUser: Type.Optional(Type.String({ minLength: 1, default: 'Practitioner/prac-1' })),
    fhirContext: Type.Optional(FhirContextSchema),
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
    delayMs: Type.Optional(Type.Integer({ ...FAILURE_DELAY_MS })),
  },
  { additionalProperties: false },
);
/** How a failure is armed (docs/failures.md#arming): the body of `POST /failures` and an entry of the config's `failures`. */
export type FailureArm = Static<typeof FailureArmSchema>;

const ParamNames = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x21-\\x7E]+$' }), {
  uniqueItems: true,
  maxItems: 30,
});
const Description = Type.String({ minLength: 1, maxLength: 500 });

/** An object whose keys are drawn from `keys` (all optional), each holding a `value`. */
function keyedBy<T extends Parameters<typeof Type.Optional>[0]>(keys: readonly string[], value: T) {
  return Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Optional(value)])), {
    additionalProperties: false,
  });
}

/**
 * A vendor described in the config file (docs/profiles.md, "Custom profiles"): a built-in profile to start
 * from (`extends`, default `smart`) and the fields that differ. Each field means what it means on `Profile`.
 */
export const ProfileConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    extends: Type.Optional(Type.Enum(PROFILE_NAMES)),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tokenPath: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    authorizePath: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    grantTypes: Type.Optional(Type.Array(Type.Enum(GRANT_TYPES), { minItems: 1, uniqueItems: true })),
    authMethods: Type.Optional(Type.Array(Type.Enum(AUTH_METHODS), { minItems: 1, uniqueItems: true })),
    pkce: Type.Optional(Type.Enum(['required', 'client', 'when-sent'])),
    requireAud: Type.Optional(Type.Boolean()),
    parameterLocation: Type.Optional(Type.Enum(['body', 'query-or-body'])),
    requiredParams: Type.Optional(
      Type.Object(
        { always: Type.Optional(ParamNames), byGrant: Type.Optional(keyedBy(GRANT_TYPES, ParamNames)) },
        { additionalProperties: false },
      ),
    ),
    refreshTokens: Type.Optional(
      Type.Object(
        {
          onAuthorizationCode: Type.Optional(Type.Enum(['offline-scope', 'always', 'never'])),
          offlineScopes: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { uniqueItems: true, maxItems: 20 }),
          ),
          onRefresh: Type.Optional(Type.Enum(['rotate', 'none'])),
        },
        { additionalProperties: false },
      ),
    ),
    scope: Type.Optional(
      Type.Object(
        {
          onRefresh: Type.Optional(Type.Enum(['narrow', 'ignore'])),
          unknownOnClientCredentials: Type.Optional(Type.Enum(['refuse', 'ignore'])),
          patientUserOnClientCredentials: Type.Optional(Type.Enum(['refuse', 'grant'])),
        },
        { additionalProperties: false },
      ),
    ),
    tokenResponse: Type.Optional(
      Type.Object(
        {
          fields: Type.Optional(Type.Array(Type.Enum(TOKEN_FIELDS), { minItems: 1, uniqueItems: true })),
          extra: Type.Optional(
            Type.Record(
              Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' }),
              Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    errors: Type.Optional(
      Type.Object(
        {
          fields: Type.Optional(Type.Array(Type.Enum(ERROR_FIELDS), { minItems: 1, uniqueItems: true })),
          status: Type.Optional(keyedBy(OAUTH_ERROR_CODES, Type.Integer({ minimum: 400, maximum: 599 }))),
          descriptionByReason: Type.Optional(keyedBy(OAUTH_ERROR_REASONS, Description)),
          descriptionByCode: Type.Optional(keyedBy(OAUTH_ERROR_CODES, Description)),
        },
        { additionalProperties: false },
      ),
    ),
    discovery: Type.Optional(
      Type.Object(
        {
          scopesSupported: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { uniqueItems: true, maxItems: 200 }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProfileConfig = Static<typeof ProfileConfigSchema>;

/** Every top-level field but `issuers`: the settings of one issuer (the default one at the top level). */
const IssuerSettingsSchema = Type.Object(
  {
    /** A built-in profile's name or the name of one in `profiles`. */
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 40, default: 'smart' })),
    profiles: Type.Optional(Type.Array(ProfileConfigSchema, { maxItems: 50 })),
    clients: Type.Optional(Type.Array(ClientSchema, { maxItems: 1000 })),
    launch: Type.Optional(LaunchContextSchema),
    ehrFrame: Type.Optional(
      Type.Object(
        {
          framingCheckHosts: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' }), {
              uniqueItems: true,
              maxItems: 50,
              description:
                'hosts besides loopback whose launch page the sandbox may fetch to check that the EHR page can frame it',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** Who may sign in; absent: one persona per Practitioner and Patient of the FHIR data. */
    personas: Type.Optional(Type.Array(PersonaSchema, { maxItems: 200 })),
    /** Who signs in when a client names no default persona. */
    defaultPersona: Type.Optional(PersonaIdSchema),
    authorize: Type.Optional(
      Type.Object(
        { mode: Type.Enum(['auto', 'interactive'], { default: 'auto' }) },
        { additionalProperties: false, default: {} },
      ),
    ),
    tokens: Type.Optional(
      Type.Object(
        {
          signingAlg: Type.Optional(Type.Enum(SIGNING_ALGS, { default: 'RS256' })),
          accessTokenLifetime: Type.Optional(Seconds('default access token lifetime in seconds', 3600)),
          refreshTokenLifetime: Type.Optional(
            Seconds('default refresh token lifetime in seconds (30 days)', 30 * 24 * 3600),
          ),
          // RFC 6749 §4.1.2: a code lives at most 10 minutes; one minute is plenty for a test.
          codeLifetime: Type.Optional(Type.Integer({ ...CODE_LIFETIME_SECONDS, default: 60 })),
          assertionAudience: Type.Optional(
            Type.Enum(['token-url', 'issuer-strict'], { default: 'token-url' }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    failures: Type.Optional(Type.Array(FailureArmSchema, { maxItems: 200 })),
    limits: Type.Optional(
      Type.Object(
        {
          liveCodes: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: 1_000_000,
              description: 'authorization codes remembered',
              default: 5_000,
            }),
          ),
          pendingAuthorizations: Type.Optional(
            Type.Integer({
              minimum: 10,
              maximum: 100_000,
              description: 'consent pages awaiting a decision',
              default: 1_000,
            }),
          ),
          parameterLength: Type.Optional(
            Type.Integer({
              minimum: 256,
              maximum: 8_192,
              description: 'longest value of an authorization request parameter, in characters',
              default: 2_048,
            }),
          ),
          fhirResources: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: 1_000_000,
              description: 'FHIR resources stored at once (shipped, loaded and written)',
              default: 50_000,
            }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    fhir: Type.Optional(
      Type.Object(
        {
          fixtures: Type.Optional(
            Type.Boolean({
              description: 'serve the shipped data set (four patients); false starts the FHIR base empty',
              default: true,
            }),
          ),
          load: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
              maxItems: 100,
              description:
                'FHIR files (Bundle, resource or NDJSON) or folders of them to load at start-up; relative paths are relative to the config file',
            }),
          ),
          upstream: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 2000,
              description:
                'base URL of a real FHIR server (http or https) to guard: requests the token and scopes allow are forwarded to it instead of answered from the sandbox data',
            }),
          ),
          upstreamAuthorization: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 8192,
              description:
                "Authorization header sent to the upstream (as 'Basic …' or 'Bearer …'); the app's own token is never forwarded",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    https: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ description: 'serve over https (as --https)' })),
          cert: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 4096,
              description: 'your own certificate (PEM), relative to the config file (as --cert); needs key',
            }),
          ),
          key: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 4096,
              description: 'the private key (PEM) of cert, relative to the config file (as --key)',
            }),
          ),
          names: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
              maxItems: 20,
              uniqueItems: true,
              description:
                'names the local certificate covers beyond localhost, 127.0.0.1, ::1 (as --https-name)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    exchangeLog: Type.Optional(
      Type.Object(
        {
          capacity: Type.Optional(
            Type.Integer({
              minimum: 10,
              maximum: 100_000,
              description: 'exchanges kept in the log',
              default: 5_000,
            }),
          ),
          verdictHeader: Type.Optional(
            Type.Boolean({
              description: 'send the X-Sandbox-Verdict header on every rejected request',
              default: true,
            }),
          ),
          maxBytes: Type.Optional(
            Type.Integer({
              minimum: 1_048_576,
              maximum: 1_073_741_824,
              description: 'bytes of messages kept in the log (1 MiB to 1 GiB)',
              default: 64 * 1024 * 1024,
            }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
  },
  { additionalProperties: false },
);

/** At most this many issuers beside the default one (README "Many issuers", "Limits"). */
export const MAX_ISSUERS = 16;
export { ISSUER_NAME_PATTERN } from './names.js';
export const IssuerNameSchema = Type.String({ pattern: ISSUER_NAME_PATTERN });

/**
 * One more issuer served beside the default one under `/i/NAME` (README "Many issuers"): a name, a profile,
 * and any top-level setting but `issuers` and `https`, which describe this issuer alone (its clients,
 * personas, failures …).
 */
export const IssuerSchema = Type.Object(
  {
    // `https` is the server's, which all issuers share: only the top level may name it.
    ...Type.Omit(IssuerSettingsSchema, ['https']).properties,
    name: IssuerNameSchema,
    /** A built-in profile's name, one in this issuer's `profiles`, or one in the top-level `profiles`. */
    profile: Type.String({ minLength: 1, maxLength: 40 }),
    colour: Type.Optional(
      Type.String({
        pattern: '^#[0-9a-fA-F]{6}$',
        description: 'how the workbench marks this issuer, as #rrggbb; one of a fixed palette when absent',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IssuerConfig = Static<typeof IssuerSchema>;

export const ConfigSchema = Type.Object(
  {
    ...IssuerSettingsSchema.properties,
    issuers: Type.Optional(
      Type.Array(IssuerSchema, {
        maxItems: MAX_ISSUERS,
        description: 'more issuers served beside the default one, each under /i/NAME',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SandboxConfig = Static<typeof ConfigSchema>;
