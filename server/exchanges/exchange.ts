import { Type, type Static } from 'typebox';
import { FAILURE_IDS } from '../failures/ids.js';

// Schemas and their types: `GET /exchanges` answers through them (a field not declared here is not sent) and
// the workbench imports the types (type-only), so nothing here may touch Fastify or Node.

/** One reason behind a verdict, in plain words, with the rule it comes from. */
export const ReasonSchema = Type.Object(
  { text: Type.String(), rule: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type Reason = Static<typeof ReasonSchema>;

/** What the server compared when it verified PKCE at the token endpoint (RFC 7636 §4.6). */
export const PkceCheckSchema = Type.Object(
  {
    method: Type.Literal('S256'),
    computed: Type.String({ description: 'S256 of the presented code_verifier, as the server computed it' }),
    stored: Type.String({ description: 'the code_challenge the server stored with the code' }),
    matched: Type.Boolean(),
    rule: Type.String(),
  },
  { additionalProperties: false },
);
export type PkceCheck = Static<typeof PkceCheckSchema>;

/** Who signed in, which patient and encounter were chosen, and how (the interactive flow's steps and pickers). */
export const ChoicesSchema = Type.Object(
  {
    persona: Type.Optional(
      Type.Object(
        {
          id: Type.String(),
          sub: Type.String(),
          via: Type.Enum(['signed-in', 'remembered', 'default', 'ehr-launch'], {
            description:
              'signed-in: picked on the sign-in step; remembered: the choice remembered for the client; default: the client’s or config’s default persona; ehr-launch: the launch’s fhirUser',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    patient: Type.Optional(
      Type.Object(
        { id: Type.String(), via: Type.Enum(['picked', 'configured', 'ehr-launch']) },
        { additionalProperties: false },
      ),
    ),
    encounter: Type.Optional(
      Type.Object(
        { id: Type.String(), via: Type.Enum(['picked', 'configured', 'ehr-launch']) },
        { additionalProperties: false },
      ),
    ),
    skipped: Type.Array(Type.Enum(['sign-in', 'patient', 'encounter']), {
      description:
        'steps not shown: auto mode, an EHR launch that set them, or scopes that do not ask (no launch/patient, no launch/encounter, neither openid nor fhirUser)',
    }),
  },
  { additionalProperties: false },
);
export type Choices = Static<typeof ChoicesSchema>;
/** What the FHIR base decided from a token's scopes (SMART App Launch 2.2 §scopes), allowed or not. */
export const ScopeCheckSchema = Type.Object(
  {
    interaction: Type.Enum(['c', 'r', 'u', 'd', 's'], {
      description: 'the SMART v2 interaction asked for: create, read, update, delete or search',
    }),
    target: Type.String({ description: '`Type/id` of the resource, or the type a search ran on' }),
    allowed: Type.Boolean(),
    scope: Type.Optional(
      Type.String({ description: 'the granted scope(s) that allowed the request; absent when refused' }),
    ),
    considered: Type.Array(Type.String(), {
      description: 'the granted scopes that cover this type and interaction (empty: none did)',
    }),
    rule: Type.String(),
  },
  { additionalProperties: false },
);
export type ScopeCheck = Static<typeof ScopeCheckSchema>;

/**
 * The facts behind a verdict as data, for a reader (the Flow Lab) that must never parse the sentences in
 * `summary` and `reasons`: those are for people and may be reworded.
 */
export const VerdictDetailsSchema = Type.Object(
  {
    pkce: Type.Optional(PkceCheckSchema),
    /** At the authorization endpoint, when it issued a code. */
    choices: Type.Optional(ChoicesSchema),
    scope: Type.Optional(ScopeCheckSchema),
  },
  { additionalProperties: false },
);
export type VerdictDetails = Static<typeof VerdictDetailsSchema>;

/** Why the sandbox accepted or rejected a request. */
export const VerdictSchema = Type.Object(
  {
    outcome: Type.Enum(['accepted', 'rejected', 'unanswered'], {
      description: '`unanswered`: no response was sent (the client gave up first, as with `token.hang`)',
    }),
    summary: Type.String({
      description: 'one line: "rejected: this code was already used at 12:03:04 — RFC 6749 §4.1.2"',
    }),
    reasons: Type.Array(ReasonSchema),
    details: Type.Optional(VerdictDetailsSchema),
  },
  { additionalProperties: false },
);
export type Verdict = Static<typeof VerdictSchema>;

/** Header names to values: a map. */
const HeadersSchema = Type.Record(Type.String(), Type.String());

/** A message as logged: headers and body with secrets masked and tokens shortened. */
export const LoggedMessageSchema = Type.Object(
  {
    headers: HeadersSchema,
    body: Type.Optional(
      Type.String({ description: 'the body as text (masked), absent when there was none' }),
    ),
    truncated: Type.Optional(
      Type.Boolean({ description: 'the body was longer than the log keeps: it was cut when recorded' }),
    ),
    length: Type.Optional(
      Type.Integer({ description: 'with `truncated`: how many characters the body had' }),
    ),
  },
  { additionalProperties: false },
);
export type LoggedMessage = Static<typeof LoggedMessageSchema>;

const summaryProperties = {
  seq: Type.Integer({ description: 'increasing id; `GET /exchanges?since=` pages by it' }),
  time: Type.String({ description: "ISO time the request arrived (by the server's clock)" }),
  durationMs: Type.Number(),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer({
    description: 'HTTP status, or 0 when no answer was sent (the client gave up first)',
  }),
  clientId: Type.Optional(Type.String()),
  failure: Type.Optional(
    Type.Enum(FAILURE_IDS, { description: 'the failure mode that shaped the answer, when one was injected' }),
  ),
  verdict: VerdictSchema,
};

/** What the live view needs to list an exchange (the `exchange.recorded` event). */
export const ExchangeSummarySchema = Type.Object(summaryProperties, { additionalProperties: false });
export type ExchangeSummary = Static<typeof ExchangeSummarySchema>;

/** Every HTTP exchange with the sandbox, as `GET /exchanges` shows it (docs/admin-api.md#exchanges). */
export const ExchangeSchema = Type.Object(
  {
    ...summaryProperties,
    query: Type.Record(Type.String(), Type.String()),
    request: LoggedMessageSchema,
    response: LoggedMessageSchema,
  },
  { additionalProperties: false },
);
export type Exchange = Static<typeof ExchangeSchema>;

/** The body of `GET /exchanges`: a page of the log and the log's own figures. */
export const ExchangePageSchema = Type.Object(
  {
    exchanges: Type.Array(ExchangeSchema),
    latestSeq: Type.Integer(),
    size: Type.Integer(),
    capacity: Type.Integer(),
    bytes: Type.Integer(),
    maxBytes: Type.Integer(),
  },
  { additionalProperties: false },
);
export type ExchangePage = Static<typeof ExchangePageSchema>;

/** Why a request was refused, as the endpoint's error path knows it (an OAuthError fits). */
export interface Rejection {
  readonly code: string;
  readonly description: string;
  readonly rule?: string | undefined;
}
