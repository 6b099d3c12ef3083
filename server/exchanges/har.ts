import { Type, type Static } from 'typebox';
import { FAILURE_IDS } from '../failures/ids.js';
import { VerdictSchema, type Exchange, type LoggedMessage } from './exchange.js';

/**
 * The exchange log as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/), for browser
 * devtools, Charles, Fiddler or a colleague. Built from the log's own entries, which were masked when recorded
 * (mask.ts): nothing here unmasks or re-reads a raw message, so a secret the log hid stays hidden.
 */

const NameValue = Type.Object({ name: Type.String(), value: Type.String() }, { additionalProperties: false });

const HarRequestSchema = Type.Object(
  {
    method: Type.String(),
    url: Type.String(),
    httpVersion: Type.String(),
    cookies: Type.Array(NameValue),
    headers: Type.Array(NameValue),
    queryString: Type.Array(NameValue),
    postData: Type.Optional(
      Type.Object(
        { mimeType: Type.String(), text: Type.String(), comment: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    headersSize: Type.Integer(),
    bodySize: Type.Integer(),
  },
  { additionalProperties: false },
);

const HarResponseSchema = Type.Object(
  {
    status: Type.Integer(),
    statusText: Type.String(),
    httpVersion: Type.String(),
    cookies: Type.Array(NameValue),
    headers: Type.Array(NameValue),
    content: Type.Object(
      {
        size: Type.Integer(),
        mimeType: Type.String(),
        text: Type.Optional(Type.String()),
        comment: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    redirectURL: Type.String(),
    headersSize: Type.Integer(),
    bodySize: Type.Integer(),
  },
  { additionalProperties: false },
);

/** One exchange; HAR 1.2 allows custom fields whose names start with `_`. */
const HarEntrySchema = Type.Object(
  {
    startedDateTime: Type.String(),
    time: Type.Number(),
    request: HarRequestSchema,
    response: HarResponseSchema,
    cache: Type.Object({}, { additionalProperties: false }),
    timings: Type.Object(
      { send: Type.Number(), wait: Type.Number(), receive: Type.Number() },
      { additionalProperties: false },
    ),
    comment: Type.String({ description: 'the verdict, the injected failure and any cut body, in words' }),
    _seq: Type.Integer({ description: 'the exchange’s seq in the log' }),
    _verdict: VerdictSchema,
    _failure: Type.Optional(Type.Enum(FAILURE_IDS, { description: 'the injected failure mode, if any' })),
  },
  { additionalProperties: false },
);

/** The body of `GET /exchanges/har` (docs/admin-api.md#exchanges). */
export const HarSchema = Type.Object(
  {
    log: Type.Object(
      {
        version: Type.Literal('1.2'),
        creator: Type.Object(
          { name: Type.String(), version: Type.String() },
          { additionalProperties: false },
        ),
        entries: Type.Array(HarEntrySchema),
        comment: Type.String(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Har = Static<typeof HarSchema>;
type HarEntry = Static<typeof HarEntrySchema>;

const nameValues = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([name, value]) => ({ name, value }));

function headerOf(message: LoggedMessage, name: string): string | undefined {
  const found = Object.entries(message.headers).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/** "the response body was cut at 4096 of 70000 characters", for a body the log kept only the start of. */
function cutNote(which: 'request' | 'response', message: LoggedMessage): string | undefined {
  if (message.truncated !== true) return undefined;
  return `the ${which} body was cut when logged: ${message.body?.length ?? 0} of ${message.length ?? '?'} characters kept`;
}

function entryOf(e: Exchange, origin: string): HarEntry {
  const query = new URLSearchParams(Object.entries(e.query)).toString();
  const requestType = headerOf(e.request, 'content-type') ?? '';
  const responseType = headerOf(e.response, 'content-type') ?? '';
  const requestCut = cutNote('request', e.request);
  const responseCut = cutNote('response', e.response);
  const comment = [
    e.verdict.summary,
    e.failure === undefined ? undefined : `injected by failure mode ${e.failure}`,
    requestCut,
    responseCut,
    'secrets masked and tokens shortened as in the exchange log',
  ]
    .filter((part): part is string => part !== undefined)
    .join('; ');
  return {
    startedDateTime: e.time,
    time: e.durationMs,
    request: {
      method: e.method,
      url: `${origin}${e.path}${query === '' ? '' : `?${query}`}`,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: nameValues(e.request.headers),
      queryString: nameValues(e.query),
      ...(e.request.body === undefined
        ? {}
        : {
            postData: {
              mimeType: requestType,
              text: e.request.body,
              ...(requestCut === undefined ? {} : { comment: requestCut }),
            },
          }),
      headersSize: -1,
      bodySize: e.request.length ?? e.request.body?.length ?? 0,
    },
    response: {
      status: e.status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: nameValues(e.response.headers),
      content: {
        size: e.response.length ?? e.response.body?.length ?? 0,
        mimeType: responseType,
        ...(e.response.body === undefined ? {} : { text: e.response.body }),
        ...(responseCut === undefined ? {} : { comment: responseCut }),
      },
      redirectURL: headerOf(e.response, 'location') ?? '',
      headersSize: -1,
      // HAR 1.2: -1 when the size is not known; an unanswered request had no response at all.
      bodySize: e.status === 0 ? -1 : (e.response.length ?? e.response.body?.length ?? 0),
    },
    cache: {},
    timings: { send: 0, wait: e.durationMs, receive: 0 },
    comment,
    _seq: e.seq,
    _verdict: e.verdict,
    ...(e.failure === undefined ? {} : { _failure: e.failure }),
  };
}

/** Exchanges of the log (already masked) as one HAR 1.2 document, oldest first. */
export function toHar(exchanges: readonly Exchange[], origin: string, scope: string): Har {
  return {
    log: {
      version: '1.2',
      // The creator's version is the export format's, so a reader can tell what `_` fields to expect.
      creator: { name: 'token-sandbox', version: '1' },
      entries: exchanges.map((e) => entryOf(e, origin)),
      comment: `Token Sandbox exchange log (${scope}); secrets masked and tokens shortened as the log shows them`,
    },
  };
}
