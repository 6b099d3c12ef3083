import { Type, type Static } from 'typebox';
import { ResolvedConfigSchema, type EffectiveClient } from '../config/defaults.js';
import {
  AUTH_METHODS,
  ClaimsSchema,
  ClientSchema,
  PersonaSchema,
  FailureArmSchema,
  FhirContextSchema,
  GRANT_TYPES,
  LaunchContextSchema,
} from '../config/schema.js';
import { FAILURE_IDS } from '../failures/ids.js';
import { FHIR_LIMITS } from '../fhir/bounds.js';

/**
 * The admin API's answers as schemas (docs/admin-api.md): each route declares its response with these, Fastify
 * serializes through them (a field not declared here is not sent), the reference docs list them, and the
 * workbench reads the `Static` types (type-only). Nothing here may touch Fastify or Node.
 */

/** Where a failure mode applies: the token endpoint, the authorization endpoint, the FHIR base or the JWKS. */
export const FailureEndpointSchema = Type.Enum(['token', 'authorize', 'fhir', 'jwks']);
export type FailureEndpoint = Static<typeof FailureEndpointSchema>;

/** A failure mode as `GET /failures` lists it under `available`. */
export const FailureInfoSchema = Type.Object(
  { id: Type.Enum(FAILURE_IDS), endpoint: FailureEndpointSchema, produces: Type.String() },
  { additionalProperties: false },
);
export type FailureInfo = Static<typeof FailureInfoSchema>;

/** An armed failure as the admin API shows it. */
export const ArmedFailureSchema = Type.Object(
  {
    id: Type.Enum(FAILURE_IDS),
    remaining: Type.Optional(Type.Integer({ description: 'firings left; absent: armed until removed' })),
    probability: Type.Optional(Type.Number()),
    clientId: Type.Optional(Type.String()),
    delayMs: Type.Optional(Type.Integer()),
    fired: Type.Integer({ description: 'how many requests it has shaped so far' }),
    armedAt: Type.String({ description: 'ISO time' }),
  },
  { additionalProperties: false },
);
export type ArmedFailure = Static<typeof ArmedFailureSchema>;

/** The body of `GET /failures` (docs/admin-api.md#failures). */
export const FailureBoardSchema = Type.Object(
  { armed: Type.Array(ArmedFailureSchema), available: Type.Array(FailureInfoSchema) },
  { additionalProperties: false },
);
export type FailureBoardView = Static<typeof FailureBoardSchema>;

/** The body of `POST /failures/presets/:name/arm`: what is armed now. */
export const ArmedListSchema = Type.Object(
  { armed: Type.Array(ArmedFailureSchema) },
  { additionalProperties: false },
);
export type ArmedList = Static<typeof ArmedListSchema>;

/** One preset: a named set of failures, as `PUT /failures/presets/:name` stores it. */
export const PresetSchema = Type.Object(
  { name: Type.String(), failures: Type.Array(FailureArmSchema) },
  { additionalProperties: false },
);
export type Preset = Static<typeof PresetSchema>;

/** The body of `GET /failures/presets`: every preset's failures by its name (a map). */
export const PresetListSchema = Type.Object(
  { presets: Type.Record(Type.String(), Type.Array(FailureArmSchema)) },
  { additionalProperties: false },
);
export type PresetList = Static<typeof PresetListSchema>;

export const ArtefactKindSchema = Type.Enum(['code', 'access_token', 'refresh_token', 'id_token']);
export type ArtefactKind = Static<typeof ArtefactKindSchema>;
export const ArtefactStateSchema = Type.Enum(['active', 'consumed', 'expired', 'revoked']);
export type ArtefactState = Static<typeof ArtefactStateSchema>;

/** A patient of the FHIR data with its encounters, as `GET /launches/choices` lists them (the Launch view's pickers). */
export const LaunchPatientChoiceSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    encounters: Type.Array(
      Type.Object({ id: Type.String(), label: Type.String() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type LaunchPatientChoice = Static<typeof LaunchPatientChoiceSchema>;

/** The body of `GET /launches/choices`. */
export const LaunchChoicesSchema = Type.Object(
  { patients: Type.Array(LaunchPatientChoiceSchema) },
  { additionalProperties: false },
);
export type LaunchChoices = Static<typeof LaunchChoicesSchema>;

const LaunchText = Type.String({ minLength: 1, maxLength: 2000 });

/** docs/admin-api.md#launches: the body of an EHR launch request. */
export const LaunchRequestSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 255 }),
    launchUrl: Type.Optional(LaunchText),
    patient: Type.Optional(LaunchText),
    encounter: Type.Optional(LaunchText),
    fhirUser: Type.Optional(LaunchText),
    fhirContext: Type.Optional(FhirContextSchema),
    intent: Type.Optional(LaunchText),
    needPatientBanner: Type.Optional(Type.Boolean()),
    smartStyleUrl: Type.Optional(LaunchText),
    tenant: Type.Optional(LaunchText),
  },
  { additionalProperties: false },
);
export type LaunchRequest = Static<typeof LaunchRequestSchema>;

/** The context a launch value stands for; its fhirContext entries as the launch request or config gave them. */
const LaunchedContextSchema = Type.Object(
  {
    ...LaunchContextSchema.properties,
    fhirContext: Type.Optional(Type.Immutable(Type.Array(Type.Record(Type.String(), Type.Unknown())))),
  },
  { additionalProperties: false },
);

/** The body of `POST /launches`: the minted value, the URL that opens the app, and the context it stands for. */
export const LaunchResultSchema = Type.Object(
  {
    launch: Type.String(),
    url: Type.Union([Type.String(), Type.Null()], {
      description: 'null when neither the request nor the client has a launch URL',
    }),
    context: LaunchedContextSchema,
    expiresAt: Type.String({ description: 'ISO time' }),
  },
  { additionalProperties: false },
);
export type LaunchResult = Static<typeof LaunchResultSchema>;

/** docs/admin-api.md#launches: the body of `POST /launches/ehr`, a launch for the EHR page (its client's launch URL, no banner). */
export const EhrLaunchRequestSchema = Type.Omit(LaunchRequestSchema, ['launchUrl', 'needPatientBanner'], {
  additionalProperties: false,
});
export type EhrLaunchRequest = Static<typeof EhrLaunchRequestSchema>;

/** Whether the app's launch page lets the EHR page frame it, as the sandbox found by fetching it. */
export const FramingFindingSchema = Type.Union([
  Type.Object({ verdict: Type.Literal('allowed'), url: Type.String() }, { additionalProperties: false }),
  Type.Object(
    {
      verdict: Type.Literal('refused'),
      url: Type.String(),
      header: Type.Enum(['X-Frame-Options', 'Content-Security-Policy']),
      value: Type.String(),
      fix: Type.String({ description: 'what to change in the app' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { verdict: Type.Literal('unchecked'), url: Type.String(), reason: Type.String() },
    { additionalProperties: false },
  ),
]);
export type FramingFinding = Static<typeof FramingFindingSchema>;

/** The body of `POST /launches/ehr`: the EHR page to open, the launch it frames, and the framing check. */
export const EhrLaunchResultSchema = Type.Object(
  {
    page: Type.String({ description: 'the EHR page: open it in a browser; its random id is its only key' }),
    launch: LaunchResultSchema,
    framing: FramingFindingSchema,
  },
  { additionalProperties: false },
);
export type EhrLaunchResult = Static<typeof EhrLaunchResultSchema>;

/** One issued code or token as the grants view lists it (docs/admin-api.md#grants). */
export const IssuedArtefactSchema = Type.Object(
  {
    id: Type.String({
      description:
        'stable id for actions (`POST /grants/:id/revoke|expire`): a jti or a digest, never the value',
    }),
    kind: ArtefactKindSchema,
    clientId: Type.String(),
    grantId: Type.Optional(Type.String()),
    preview: Type.String({ description: 'the first characters of the value' }),
    state: ArtefactStateSchema,
    issuedAt: Type.String({ description: 'ISO time' }),
    expiresAt: Type.String({ description: 'ISO time' }),
  },
  { additionalProperties: false },
);
export type IssuedArtefact = Static<typeof IssuedArtefactSchema>;

/** The body of `GET /grants`. */
export const GrantListSchema = Type.Object(
  { grants: Type.Array(IssuedArtefactSchema) },
  { additionalProperties: false },
);
export type GrantList = Static<typeof GrantListSchema>;

/** The body of `GET /grants/:id/token`: the whole value (a signed JWT, a code, a refresh token), shown on purpose. */
export const ArtefactTokenSchema = Type.Object(
  { id: Type.String(), kind: ArtefactKindSchema, token: Type.String() },
  { additionalProperties: false },
);
export type ArtefactToken = Static<typeof ArtefactTokenSchema>;

/** The body of `GET /storage`: where this server keeps its keys, clients and issued artefacts. */
export const StorageViewSchema = Type.Object(
  {
    dataDir: Type.Union([Type.String(), Type.Null()], {
      description: 'the absolute data folder (`--data-dir`), or null when state lives in memory',
    }),
  },
  { additionalProperties: false },
);
export type StorageView = Static<typeof StorageViewSchema>;

/** The body of `GET /clock` and `PUT /clock`. */
export const ClockViewSchema = Type.Object(
  { now: Type.String({ description: 'ISO time, skewed' }), offsetSeconds: Type.Number() },
  { additionalProperties: false },
);
export type ClockView = Static<typeof ClockViewSchema>;

/** A signing key as `GET /keys` lists it: its life, never any private member. */
export const KeyViewSchema = Type.Object(
  {
    kid: Type.String(),
    alg: Type.Enum(['RS256', 'ES256']),
    state: Type.Enum(['current', 'published', 'retired'], {
      description:
        '`current` signs; `published` is in the JWKS and verifies but no longer signs; `retired` verifies nowhere',
    }),
    createdAt: Type.Optional(
      Type.String({ description: 'ISO time; absent for a key from a version 1 keys.json' }),
    ),
    publishedUntil: Type.Optional(
      Type.String({ description: 'ISO time the grace period of its rotation ends' }),
    ),
    retiredAt: Type.Optional(Type.String({ description: 'ISO time it left the JWKS (retired keys only)' })),
  },
  { additionalProperties: false },
);
export type KeyView = Static<typeof KeyViewSchema>;

/** The body of `GET /keys`. */
export const KeyListSchema = Type.Object(
  {
    keys: Type.Array(KeyViewSchema, { description: 'oldest first' }),
    maxKeys: Type.Integer({ description: 'how many keys are kept; the oldest retired ones go beyond it' }),
    defaultGraceSeconds: Type.Integer(),
  },
  { additionalProperties: false },
);
export type KeyList = Static<typeof KeyListSchema>;

/** The body of `POST /keys/rotate`. */
export const KeyRotationSchema = Type.Object(
  {
    added: Type.Array(KeyViewSchema, { description: 'the new current keys, one per algorithm in use' }),
    replaced: Type.Array(KeyViewSchema, { description: 'the keys they replace, now published or retired' }),
  },
  { additionalProperties: false },
);
export type KeyRotation = Static<typeof KeyRotationSchema>;

/** A client's values in force once defaults apply (`config/defaults.ts` resolves them). */
export const EffectiveClientSchema = Type.Object(
  {
    authMethod: Type.Enum(AUTH_METHODS),
    grantTypes: Type.Array(Type.Enum(GRANT_TYPES)),
    scope: Type.String(),
    requirePkce: Type.Boolean(),
    accessTokenLifetime: Type.Integer(),
    refreshTokenLifetime: Type.Integer(),
    refreshTokenRotation: Type.Boolean(),
    refreshTokenReuseDetection: Type.Boolean(),
  },
  { additionalProperties: false },
);
// Every member the resolver's type has must be in the schema: the response serializer drops what is not.
export const effectiveClientCovered: Static<typeof EffectiveClientSchema> extends EffectiveClient
  ? true
  : never = true;

/**
 * A client as `GET /clients` lists it: the document as registered, what the active profile cannot serve, and
 * the values in force once defaults apply (docs/admin-api.md#clients).
 */
export const ListedClientSchema = Type.Object(
  { ...ClientSchema.properties, warnings: Type.Array(Type.String()), effective: EffectiveClientSchema },
  { additionalProperties: false },
);
export type ListedClient = Static<typeof ListedClientSchema>;

/**
 * The body of `GET /config/effective`: every setting in force, defaults applied (docs/config.md), with the FHIR
 * data's sources (an upstream kept in the data folder's state stays visible) and the launch context a launch
 * gets when it says nothing. The upstream's Authorization header shows its scheme only: this view is for reading,
 * while `GET /config` keeps the secret so an export imports back as it is.
 */
export const EffectiveConfigSchema = Type.Object(
  {
    ...ResolvedConfigSchema.properties,
    fhir: Type.Object(
      {
        fixtures: Type.Boolean({ description: 'whether the shipped data set is served' }),
        load: Type.Array(Type.String(), { description: 'files loaded at start-up' }),
        upstream: Type.Union([Type.String(), Type.Null()], {
          description: 'the FHIR server requests are forwarded to; null: answered from the sandbox data',
        }),
        upstreamAuthorization: Type.Union([Type.String(), Type.Null()], {
          description: "the header sent to the upstream, masked ('Bearer ****'); null: none",
        }),
      },
      { additionalProperties: false },
    ),
    launch: Type.Object(
      {
        patient: Type.String({ description: 'the launch patient (docs/config.md `launch.patient`)' }),
        encounter: Type.Optional(Type.String()),
        fhirUser: Type.String({ description: 'the launch user (docs/config.md `launch.fhirUser`)' }),
        fhirContext: Type.Optional(Type.Immutable(Type.Array(Type.Record(Type.String(), Type.Unknown())))),
        intent: Type.Optional(Type.String()),
        needPatientBanner: Type.Optional(Type.Boolean()),
        smartStyleUrl: Type.Optional(Type.String()),
        tenant: Type.Optional(Type.String()),
      },
      { additionalProperties: false, description: 'the context of a launch that does not say otherwise' },
    ),
  },
  { additionalProperties: false },
);
export type EffectiveConfig = Static<typeof EffectiveConfigSchema>;

/** The body of `GET /clients`. */
export const ClientListSchema = Type.Object(
  { clients: Type.Array(ListedClientSchema) },
  { additionalProperties: false },
);
export type ClientList = Static<typeof ClientListSchema>;

/**
 * A 204 answer: no body. Typed `undefined` so a handler answers with `reply.code(204).send()`; Fastify
 * serializes nothing when there is no payload, so the schema only documents the status.
 */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'no body' });

/**
 * Every error answer of the admin API (docs/admin-api.md#errors): a code, a sentence, and the field at fault when
 * there is one. The guard's 401 and 403 take the same shape.
 */
export const AdminErrorSchema = Type.Object(
  {
    error: Type.String({
      description: 'a code: invalid_input, unauthorized, forbidden, not_found, conflict …',
    }),
    message: Type.String({ description: 'what was wrong and what was expected' }),
    field: Type.Optional(Type.String({ description: 'the first field at fault; (body) for the whole body' })),
    issues: Type.Optional(
      Type.Immutable(
        Type.Array(
          Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false }),
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

/** The body of `GET /personas` (docs/admin-api.md#personas): who may sign in, the default, remembered choices. */
export const PersonaListSchema = Type.Object(
  {
    personas: Type.Array(PersonaSchema),
    /** True while the shipped personas (one per Practitioner and Patient of the FHIR data) stand unchanged. */
    shipped: Type.Boolean(),
    defaultPersona: Type.Union([Type.String(), Type.Null()], {
      description: 'the persona auto mode signs in as when a client names none; null: none is',
    }),
    remembered: Type.Record(Type.String(), Type.String(), {
      description: 'persona id remembered on the sign-in step, by client_id',
    }),
  },
  { additionalProperties: false },
);
export type PersonaList = Static<typeof PersonaListSchema>;

/** Claims queued for a client's next token responses (docs/admin-api.md#queued-claims). */
export const QueuedClaimsSchema = Type.Object(
  {
    queued: Type.Array(
      Type.Object(
        {
          claims: ClaimsSchema,
          remaining: Type.Integer({ description: 'token responses left that take these claims' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type QueuedClaimsView = Static<typeof QueuedClaimsSchema>;

/** The body of `POST /clients/:clientId/queued-claims`. */
export const QueueClaimsRequestSchema = Type.Object(
  {
    claims: ClaimsSchema,
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'how many token responses take them; default 1',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QueueClaimsRequest = Static<typeof QueueClaimsRequestSchema>;

/** The body of `POST /fhir/load`: one file's name (for errors) and its text. */
export const FhirLoadRequestSchema = Type.Object(
  {
    file: Type.String({ minLength: 1, maxLength: 255, description: 'the file name, as errors name it' }),
    content: Type.String({
      minLength: 1,
      maxLength: FHIR_LIMITS.loadFileBytes,
      description:
        'FHIR R4 JSON: a Bundle (collection, transaction, batch, searchset), one resource, or NDJSON',
    }),
  },
  { additionalProperties: false },
);
export type FhirLoadRequest = Static<typeof FhirLoadRequestSchema>;

/** The answer of `POST /fhir/load`. */
export const FhirLoadResultSchema = Type.Object(
  {
    file: Type.String(),
    loaded: Type.Integer({ description: 'resources stored from this file' }),
    types: Type.Record(Type.String(), Type.Integer(), { description: 'resources stored, by type' }),
    patients: Type.Array(Type.String(), { description: 'ids of the Patients loaded: new launch choices' }),
    total: Type.Integer({ description: 'resources the FHIR base stores now' }),
  },
  { additionalProperties: false },
);
export type FhirLoadResult = Static<typeof FhirLoadResultSchema>;

/** The body of `GET /fhir`. */
export const FhirDataSummarySchema = Type.Object(
  {
    resources: Type.Integer({ description: 'resources stored (not deleted)' }),
    limit: Type.Integer({ description: 'limits.fhirResources' }),
    patients: Type.Integer(),
    maxFileBytes: Type.Integer({ description: 'the largest file POST /fhir/load takes' }),
  },
  { additionalProperties: false },
);
export type FhirDataSummary = Static<typeof FhirDataSummarySchema>;

/** One issuer of the sandbox (docs/admin-api.md#issuers; README "Many issuers"). */
export const IssuerViewSchema = Type.Object(
  {
    name: Type.String({ description: 'its name; `default` for the issuer at the root paths' }),
    profile: Type.String({ description: 'the profile it serves' }),
    path: Type.String({
      description: "where its paths begin: '' for the default issuer, /i/NAME for another",
    }),
    issuer: Type.String({ description: 'its issuer identifier (the iss of its tokens)' }),
    discovery: Type.String({ description: 'its SMART configuration URL' }),
    fhirBase: Type.String({ description: 'its FHIR base URL' }),
    admin: Type.String({
      description: 'its admin API: every admin route under this prefix addresses this issuer alone',
    }),
    colour: Type.String({ description: 'how the workbench marks it, #rrggbb' }),
    isDefault: Type.Boolean({ description: 'whether it is the default issuer (the one at the root paths)' }),
  },
  { additionalProperties: false },
);

export const IssuerListSchema = Type.Object(
  { issuers: Type.Array(IssuerViewSchema) },
  { additionalProperties: false },
);
export type IssuerViewShape = Static<typeof IssuerViewSchema>;
export type IssuerList = Static<typeof IssuerListSchema>;
