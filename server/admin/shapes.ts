import { Type, type Static } from 'typebox';
import { ResolvedConfigSchema, type EffectiveClient } from '../config/defaults.js';
import {
  AUTH_METHODS,
  ClientSchema,
  FailureArmSchema,
  FhirContextSchema,
  GRANT_TYPES,
  LaunchContextSchema,
} from '../config/schema.js';
import { FAILURE_IDS } from '../failures/ids.js';

/**
 * The admin API's answers as schemas (docs/admin-api.md): each route declares its response with these, Fastify
 * serializes through them (a field not declared here is not sent), the reference docs list them, and the
 * workbench reads the `Static` types (type-only). Nothing here may touch Fastify or Node.
 */

/** Where a failure mode applies: the token endpoint, the authorization endpoint or the FHIR base. */
export const FailureEndpointSchema = Type.Enum(['token', 'authorize', 'fhir']);
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

/** The body of `GET /grants/:id/token`: the whole signed value, shown on purpose. */
export const ArtefactTokenSchema = Type.Object(
  { id: Type.String(), kind: Type.Enum(['access_token', 'id_token']), token: Type.String() },
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

/** The body of `GET /config/effective`: every setting in force, defaults applied (docs/config.md). */
export { ResolvedConfigSchema };

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
