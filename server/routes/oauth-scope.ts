import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logUnexpected } from '../log-unexpected.js';
import {
  InvalidRequest,
  OAuthError,
  RFC6749_ERROR_SHAPE,
  ServerError,
  toWireError,
  type ErrorShape,
} from '../oauth/errors.js';
import {
  acceptRawBodies,
  FORM_TYPE,
  OAUTH_BODY_LIMIT,
  parseForm,
  parseStrictForm,
  parseStrictQuery,
  queryOf,
  requireFormContentType,
  type Params,
} from '../oauth/form.js';

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * Makes an encapsulated Fastify scope speak OAuth: every body arrives as a raw string (so content-type and
 * encoding rules are ours to enforce, not Fastify's lenient defaults), and every error leaves as OAuth JSON,
 * never in Fastify's own shape and never as a stack trace. `shape` is read per error, so the token endpoint
 * answers in the shape of whichever profile is active at that moment; RFC 6749 §5.2 when absent.
 */
export function speakOAuth(app: FastifyInstance, shape: () => ErrorShape = () => RFC6749_ERROR_SHAPE): void {
  acceptRawBodies(app);
  app.setErrorHandler((error: FastifyError, request, reply) =>
    sendOAuthError(request, reply, error, shape()),
  );
}

/** Any error as the OAuth error it means: a body over the limit or another unreadable request is the client's. */
export function asOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  const e = error as Partial<FastifyError>;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new InvalidRequest(`the request body is larger than ${OAUTH_BODY_LIMIT / 1024} KiB`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new InvalidRequest(`the request could not be read: ${e.message ?? 'malformed request'}`);
  }
  return new ServerError('unexpected server error; the sandbox log has the details');
}

/** Writes any error as an OAuth error in `shape` (RFC 6749 §5.2 unless a profile says otherwise). */
export function sendOAuthError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  shape: ErrorShape = RFC6749_ERROR_SHAPE,
): FastifyReply {
  const oauth = asOAuthError(error);
  if (oauth instanceof ServerError && !(error instanceof OAuthError)) {
    logUnexpected(request, error, 'on an OAuth endpoint');
  }
  // The sandbox's own words stay available to the exchange log when a profile rewords the body.
  request.sandboxRejection = oauth;
  const wire = toWireError(oauth, shape);
  return reply
    .code(wire.status)
    .headers({ ...NO_STORE, ...wire.headers })
    .send(wire.body);
}

/**
 * The parameters of a token request where the profile reads them. `query-or-body` merges the URL's query
 * with a form body (a name in both is sent twice, so refused); without a body no content type is needed.
 */
export function readParams(request: FastifyRequest, location: 'body' | 'query-or-body'): Params {
  if (location === 'body') return readFormBody(request);
  const body = typeof request.body === 'string' ? request.body : '';
  const fromBody = body === '' ? new Map<string, string>() : readFormBodyOnly(request, body);
  const merged = new Map(parseStrictQuery(request.url));
  for (const [name, value] of fromBody) {
    if (merged.has(name)) {
      throw new InvalidRequest(`parameter ${name} was sent more than once`, { rule: 'RFC 6749 §3.1' });
    }
    merged.set(name, value);
  }
  return merged;
}

function readFormBodyOnly(request: FastifyRequest, body: string): Params {
  requireFormContentType(request.headers['content-type']);
  return parseStrictForm(body);
}

/** Parameters that are secrets: RFC 6749 §2.3.1 says they "MUST NOT be included in the request URI". */
const URL_FORBIDDEN_CREDENTIALS = ['client_secret', 'client_assertion', 'code_verifier', 'refresh_token'];

/**
 * Refuses any parameter in the URL of a body-only endpoint (docs/endpoints.md#request-parsing). The query
 * is decoded by the one form parser, so `client%5Fsecret` is the `client_secret` it means: a raw match on
 * the undecoded text would let percent-encoding slip a secret past RFC 6749 §2.3.1. A parameter the
 * endpoint would not read is refused too, rather than silently ignored, so a client that put its request
 * in the URL learns where it belongs. The error names parameters, never echoes a value.
 */
function refuseQueryParams(url: string): void {
  const names = [...parseForm(queryOf(url)).keys()];
  if (names.length === 0) return;
  const credentials = names.filter((name) => URL_FORBIDDEN_CREDENTIALS.includes(name));
  if (credentials.length > 0) {
    throw new InvalidRequest(
      `credentials must be sent in the request body, never in the URL: ${credentials.join(', ')}`,
      { rule: 'RFC 6749 §2.3.1' },
    );
  }
  // A hostile URL may hold thousands of names: the description lists a few, each cut short.
  const listed = names.slice(0, 5).map((name) => name.slice(0, 40));
  const more = names.length > listed.length ? ` and ${names.length - listed.length} more` : '';
  throw new InvalidRequest(
    `parameters in the URL are not read here (${listed.join(', ')}${more}); send them in the ${FORM_TYPE} request body`,
    { rule: 'RFC 6749 §4.1.3, RFC 7662 §2.1, RFC 7009 §2.1: parameters in the form body' },
  );
}

/** The parameters of a form POST, parsed strictly; parameters in the URL are refused (`refuseQueryParams`). */
export function readFormBody(request: FastifyRequest): Params {
  requireFormContentType(request.headers['content-type']);
  refuseQueryParams(request.url);
  return parseStrictForm(typeof request.body === 'string' ? request.body : '');
}
