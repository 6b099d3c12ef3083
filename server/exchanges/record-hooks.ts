import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAdminToken } from '../admin/guard.js';
import { failureMode } from '../failures/catalog.js';
import type { Sandbox } from '../sandbox.js';
import type {
  Exchange,
  ExchangeSummary,
  LoggedMessage,
  Reason,
  Rejection,
  Verdict,
  VerdictDetails,
} from './exchange.js';
import { isLoggedPath } from './logged-paths.js';
import { FORM_TYPE, mediaType, parseForm, pathOf, queryOf, type MultiParams } from '../oauth/form.js';
import { clientIdOf, parseAuthorization } from '../oauth/authorization.js';
import { maskBody, maskForm, maskHeaders, tokensIn } from './mask.js';

/** Bodies longer than this are cut in the log, so one large request cannot take the log's memory. */
export const MAX_LOGGED_BODY = 4096;

/**
 * Every value in a URL's query, whatever its name (`token`, `access_token`, `Token` …), decoded leniently, so
 * one malformed pair beside it cannot hide the admin token from this check.
 */
function queryValues(url: string | undefined): string[] {
  return url === undefined ? [] : [...parseForm(queryOf(url), 'lenient').values()].flat();
}

/** A header value and the words in it, with Basic credentials decoded: where a pasted token may sit. */
function wordsOf(value: string): string[] {
  const words = value.split(/[\s,;]+/);
  for (const word of [...words]) {
    if (!/^[A-Za-z0-9+/]+=*$/.test(word)) continue;
    const decoded = Buffer.from(word, 'base64').toString('utf8');
    if (decoded.includes(':')) words.push(...decoded.split(':'));
  }
  // The credentials after a scheme whole, as the admin guard reads them (guard.ts): an admin token may hold
  // `,` or `;` (docs/cli.md `--admin-token`: any printable characters), which the split above would cut.
  const credentials = parseAuthorization(value)?.credentials;
  return [value.trim(), ...(credentials === undefined ? [] : [credentials]), ...words];
}

/**
 * Whether a request carries the admin token anywhere it could be recorded: in any header (as a bearer,
 * under another scheme, in Basic credentials, in a header of its own), in any query parameter, or in the
 * query of the page it came from (its Referer: the workbench's start-up URL). Even a shortened copy would
 * give away the token's first characters, so such a request is not kept at all. Only words as long as the
 * token are compared, each in constant time (`isAdminToken`).
 */
function presentsAdminToken(sandbox: Sandbox, request: FastifyRequest): boolean {
  const length = sandbox.adminToken.length;
  const candidates: string[] = [...queryValues(request.url), ...queryValues(request.headers.referer)];
  for (const raw of Object.values(request.headers)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value === 'string' && value.length >= length) candidates.push(...wordsOf(value));
    }
  }
  return candidates.some((word) => word.length === length && isAdminToken(sandbox, word));
}

interface Pending {
  readonly startedAt: number;
  readonly time: number;
  responseBody: string | undefined;
  recorded: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    sandboxExchange?: Pending;
    /** Set by the error paths (`sendOAuthError`, `rejectBearer`, the authorize route) for the verdict. */
    sandboxRejection?: Rejection;
    /** Structured facts an endpoint's checks recorded (the token route's PKCE comparison), accepted or not. */
    sandboxDetails?: VerdictDetails;
  }
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  try {
    return JSON.stringify(body);
  } catch {
    return undefined;
  }
}

/** A body as the log keeps it: its first MAX_LOGGED_BODY characters and how long it really was. */
interface KeptBody {
  readonly text: string;
  readonly length: number;
}

/**
 * Cuts a body when the exchange is recorded, not when it is read: the log must never hold a raw body, or
 * its memory grows with what clients send (capacity × the body limit) rather than with what it shows.
 */
function keep(body: string | undefined): KeptBody | undefined {
  if (body === undefined || body === '') return undefined;
  if (body.length <= MAX_LOGGED_BODY) return { text: body, length: body.length };
  // A copy, not body.slice(): V8 keeps a slice as a view of its parent string, so every cut 4 KiB would
  // hold the whole 64 KiB body alive (5,000 entries: 300 MB). UTF-16 round-trips every code unit as is.
  const text = Buffer.from(body.slice(0, MAX_LOGGED_BODY), 'utf16le').toString('utf16le');
  return { text, length: body.length };
}

function logged(
  headers: Record<string, unknown>,
  body: KeptBody | undefined,
  contentType: string | undefined,
): LoggedMessage {
  if (body === undefined) return { headers: maskHeaders(headers) };
  const masked = maskBody(contentType, body.text);
  return {
    headers: maskHeaders(headers),
    body: masked,
    ...(body.length > body.text.length ? { truncated: true, length: body.length } : {}),
  };
}

/** What an entry's kept messages weigh, roughly, in UTF-16 code units (what the byte bound counts). */
function weightOf(raw: RawMessages): number {
  const headers = (h: Record<string, unknown>) => {
    let n = 0;
    for (const [k, v] of Object.entries(h)) n += k.length + (typeof v === 'string' ? v.length : 16);
    return n;
  };
  return (
    512 + // the summary and the entry's own objects
    raw.url.length +
    headers(raw.requestHeaders) +
    headers(raw.responseHeaders) +
    // Masked copies are made when an entry is first read, so a body can be held twice.
    2 * ((raw.requestBody?.text.length ?? 0) + (raw.responseBody?.text.length ?? 0))
  );
}

function withRule(reason: Reason): string {
  return reason.rule === undefined ? reason.text : `${reason.text} — ${reason.rule}`;
}

/** The verdict in plain words with the rule behind it, from what the endpoint recorded on the request. */
export function verdictOf(request: FastifyRequest, status: number): Verdict {
  const details = request.sandboxDetails;
  const verdict = verdictInWords(request, status);
  return details === undefined || Object.keys(details).length === 0 ? verdict : { ...verdict, details };
}

function verdictInWords(request: FastifyRequest, status: number): Verdict {
  const failure = request.sandboxFailure;
  const injected: Reason[] =
    failure === undefined
      ? []
      : [{ text: `failure mode ${failure} injected: ${failureMode(failure).produces}` }];
  if (status === 0) {
    return {
      outcome: 'unanswered',
      summary: 'no answer: the client closed the connection before the sandbox replied',
      reasons: injected,
    };
  }
  const rejection = request.sandboxRejection;
  if (rejection !== undefined) {
    const reason: Reason = {
      text: `${rejection.code}: ${rejection.description}`,
      ...(rejection.rule === undefined ? {} : { rule: rejection.rule }),
    };
    // The answer imitates the genuine error exactly, so the verdict is where the injection shows.
    const by = failure === undefined ? '' : ` (injected by failure mode ${failure})`;
    return {
      outcome: 'rejected',
      summary: `rejected: ${withRule({ text: rejection.description, ...(rejection.rule === undefined ? {} : { rule: rejection.rule }) })}${by}`,
      reasons: [...injected, reason],
    };
  }
  if (status >= 400) {
    return { outcome: 'rejected', summary: `rejected: answered ${status}`, reasons: injected };
  }
  const notes: Reason[] = request.sandboxNotes ?? [];
  const accepted = notes.length === 0 ? `answered ${status}` : notes.map(withRule).join('; ');
  const spoiled = failure === undefined ? '' : ` (then spoiled by failure mode ${failure})`;
  return {
    outcome: 'accepted',
    summary: `accepted: ${accepted}${spoiled}`,
    reasons: [...injected, ...notes],
  };
}

/** The response header that carries a rejection's verdict (README "Exchange log"). */
export const VERDICT_HEADER = 'X-Sandbox-Verdict';
/** A header value stays well under what proxies and clients accept (8 KiB is common for all headers). */
export const MAX_VERDICT_HEADER = 512;

/**
 * A verdict as a header value: printable ASCII only (RFC 9110 §5.5 field values; anything else is replaced),
 * cut to `MAX_VERDICT_HEADER` characters. `§` reads as `sec. ` so a citation stays readable
 * (`SMART App Launch 2.2 sec. scopes`, `RFC 6749 sec. 2.3`).
 */
export function verdictHeaderValue(verdict: Verdict): string {
  const ascii = verdict.summary
    .replaceAll('—', '-')
    .replaceAll('§', 'sec. ')
    .replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= MAX_VERDICT_HEADER ? ascii : `${ascii.slice(0, MAX_VERDICT_HEADER - 3)}...`;
}

/** The last value of each name, read leniently: only for naming the client a logged request speaks for. */
function lastValues(params: MultiParams, into: Map<string, string>): void {
  for (const [name, values] of params) {
    const last = values.at(-1);
    if (last !== undefined && last !== '') into.set(name, last);
  }
}

function paramsOf(request: FastifyRequest, requestBody: string | undefined): Map<string, string> {
  const params = new Map<string, string>();
  lastValues(parseForm(queryOf(request.url), 'lenient'), params);
  if (requestBody !== undefined && mediaType(request.headers['content-type']) === FORM_TYPE) {
    lastValues(parseForm(requestBody, 'lenient'), params);
  }
  return params;
}

/** The query as the log shows it: masked first, then decoded as far as it can be (the last of repeated names). */
function loggedQuery(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, values] of parseForm(maskForm(queryOf(url)), 'lenient')) {
    if (name !== '') query[name] = values.at(-1) ?? '';
  }
  return query;
}

/** What an exchange's messages are masked from when first read. */
interface RawMessages {
  readonly url: string;
  readonly requestHeaders: Record<string, unknown>;
  readonly requestBody: KeptBody | undefined;
  readonly responseHeaders: Record<string, unknown>;
  readonly responseBody: KeptBody | undefined;
}

/**
 * Masking every message as it passes would cost each request a tenth of its time, and most entries are never
 * opened: the query and both messages are masked when first read, once. Built here, apart from the request,
 * so the accessors keep only the raw messages alive, never the request, its reply or their socket.
 */
function withLazyMessages(summary: ExchangeSummary, raw: RawMessages): Exchange {
  let query: Exchange['query'] | undefined;
  let request: LoggedMessage | undefined;
  let response: LoggedMessage | undefined;
  const typeOf = (headers: Record<string, unknown>) => {
    const type = headers['content-type'];
    return typeof type === 'string' ? type : undefined;
  };
  return {
    ...summary,
    get query() {
      return (query ??= loggedQuery(raw.url));
    },
    get request() {
      return (request ??= logged(raw.requestHeaders, raw.requestBody, typeOf(raw.requestHeaders)));
    },
    get response() {
      return (response ??= logged(raw.responseHeaders, raw.responseBody, typeOf(raw.responseHeaders)));
    },
  };
}

function record(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply | undefined): void {
  const pending = request.sandboxExchange;
  if (pending === undefined || pending.recorded) return;
  pending.recorded = true;
  const status = reply?.sent === true || reply?.raw.headersSent === true ? reply.statusCode : 0;
  // The URL the client sent, before the profile rewrite (routes/profile-paths.ts) renamed it, with the
  // issuer's own path in front (`/i/NAME`, which its app's rewrite took off; README "Many issuers").
  const url = `${sandbox.basePath}${request.originalUrl}`;
  const requestBody = bodyText(request.body);
  const clientId = clientIdOf(request.headers.authorization, paramsOf(request, requestBody));
  const summary: Omit<ExchangeSummary, 'seq'> = {
    time: new Date(pending.time).toISOString(),
    durationMs: Math.round((performance.now() - pending.startedAt) * 100) / 100,
    method: request.method,
    path: pathOf(url),
    status,
    ...(clientId === undefined ? {} : { clientId }),
    ...(request.sandboxFailure === undefined ? {} : { failure: request.sandboxFailure }),
    verdict: verdictOf(request, status),
  };
  const raw: RawMessages = {
    url,
    requestHeaders: request.headers,
    requestBody: keep(requestBody),
    responseHeaders: reply === undefined || status === 0 ? {} : reply.getHeaders(),
    responseBody: status === 0 ? undefined : keep(pending.responseBody),
  };
  // The tokens are read now, while masking waits: the inspector must find an exchange never opened.
  const tokens = [
    ...tokensIn({ headers: raw.requestHeaders, body: raw.requestBody?.text, url }),
    ...tokensIn({ headers: raw.responseHeaders, body: raw.responseBody?.text }),
  ];
  sandbox.exchanges.record((seq) => withLazyMessages({ seq, ...summary }, raw), weightOf(raw), tokens);
}

/**
 * Root-level hooks that record every exchange: start time on arrival, the body on its way out, the whole
 * exchange once answered, or once the client gave up. Added before any route, so every route inherits them.
 * Callback-style rather than async: they run on every request, and none of them waits for anything.
 */
export function recordExchanges(
  app: FastifyInstance,
  sandbox: Sandbox,
  /** Paths another app answers and records (an issuer's, under `/i/NAME`), so they are not kept twice. */
  recordedElsewhere: (path: string) => boolean = () => false,
): void {
  app.addHook('onRequest', (request, reply, done) => {
    const path = pathOf(request.originalUrl);
    // The admin token is the sandbox's master key: a request that carries it is never kept, at any path.
    if (isLoggedPath(path) && !recordedElsewhere(path) && !presentsAdminToken(sandbox, request)) {
      request.sandboxExchange = {
        startedAt: performance.now(),
        time: sandbox.clock.now(),
        responseBody: undefined,
        recorded: false,
      };
      // A connection that closes before the answer was written (a client that gave up on token.hang).
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) record(sandbox, request, undefined);
      });
    }
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // A vendor's terse body (iEHR's `{"error":"invalid_client"}`) stays byte for byte; the reason rides in a
    // header a developer sees in any HTTP client, unless the config turns it off.
    if (request.sandboxRejection !== undefined && sandbox.settings.exchangeLog.verdictHeader) {
      reply.header(VERDICT_HEADER, verdictHeaderValue(verdictOf(request, reply.statusCode)));
    }
    if (request.sandboxExchange !== undefined) {
      request.sandboxExchange.responseBody =
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : undefined;
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    record(sandbox, request, reply);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    record(sandbox, request, undefined);
    done();
  });
}
