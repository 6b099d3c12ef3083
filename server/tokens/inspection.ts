import { Type, type Static } from 'typebox';

// The token inspector's request and answer as schemas (docs/admin-api.md#inspect). `POST /inspect` answers
// through them and the workbench imports the types (type-only), so nothing here may touch Fastify or Node.

/** The most characters `POST /inspect` takes: far above any JWT the sandbox issues (about 1 KiB). */
export const MAX_INSPECTED_TOKEN = 16_384;

/** The most exchanges an inspection links to: the newest ones the token appeared in. */
export const MAX_LINKED_EXCHANGES = 50;

export const InspectRequestSchema = Type.Object(
  {
    token: Type.String({
      maxLength: MAX_INSPECTED_TOKEN,
      description: `any JWT or opaque token, at most ${MAX_INSPECTED_TOKEN} characters`,
    }),
  },
  { additionalProperties: false },
);
export type InspectRequest = Static<typeof InspectRequestSchema>;

/**
 * Why the server would accept or refuse the token now. `active` and the artefact states come from the store
 * (server/store/artefacts.ts `stateOf`); the others from the signature and issuer checks.
 */
export const INSPECTION_STATES = [
  'active',
  'expired',
  'revoked',
  'rotated',
  'consumed',
  'key_retired',
  'bad_signature',
  'other_issuer',
  'not_issued_here',
] as const;
export type InspectionState = (typeof INSPECTION_STATES)[number];

export const InspectionVerdictSchema = Type.Object(
  {
    state: Type.Enum(INSPECTION_STATES),
    summary: Type.String({
      description: 'one line in the words of the exchange log: "revoked with its grant at 12:03:04"',
    }),
    rule: Type.String({ description: 'the RFC or SMART section the verdict follows' }),
    at: Type.Optional(Type.String({ description: 'ISO time the state began, when the server knows it' })),
  },
  { additionalProperties: false },
);
export type InspectionVerdict = Static<typeof InspectionVerdictSchema>;

export const SignatureCheckSchema = Type.Object(
  {
    status: Type.Enum(['valid', 'invalid', 'unchecked']),
    kid: Type.Optional(Type.String()),
    keyState: Type.Optional(Type.Enum(['current', 'published', 'retired', 'unknown'])),
    detail: Type.String(),
  },
  { additionalProperties: false },
);
export type SignatureCheck = Static<typeof SignatureCheckSchema>;

/** The body of `POST /inspect`. */
export const InspectionSchema = Type.Object(
  {
    format: Type.Enum(['jwt', 'opaque']),
    kind: Type.Optional(
      Type.Enum(['code', 'access_token', 'refresh_token', 'id_token'], {
        description: 'what the server takes the token for, when it issued it',
      }),
    ),
    header: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    signature: SignatureCheckSchema,
    verdict: InspectionVerdictSchema,
    issuedHere: Type.Boolean(),
    clientId: Type.Optional(Type.String()),
    grantId: Type.Optional(Type.String()),
    artefactId: Type.Optional(
      Type.String({ description: 'its id in `GET /grants`, while the grants view still lists it' }),
    ),
    exchanges: Type.Array(Type.Integer(), {
      maxItems: MAX_LINKED_EXCHANGES,
      description: `seqs of the exchanges still in the log that carried this exact token, newest first, at most ${MAX_LINKED_EXCHANGES} (\`GET /exchanges/{seq}\`)`,
    }),
    canTell: Type.Array(Type.String(), {
      description: 'what the server can say of a token it did not issue',
    }),
    cannotTell: Type.Array(Type.String(), { description: 'and what it cannot' }),
  },
  { additionalProperties: false },
);
export type Inspection = Static<typeof InspectionSchema>;
