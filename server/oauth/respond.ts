import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logUnexpected } from '../log-unexpected.js';
import { bearerChallenge, isBearerError } from './bearer.js';
import {
  InvalidRequest,
  OAuthError,
  RFC6749_ERROR_SHAPE,
  ServerError,
  toWireError,
  type ErrorShape,
} from './errors.js';
import { acceptRawBodies, OAUTH_BODY_LIMIT } from './form.js';

/**
 * The one writer of OAuth JSON errors (RFC 6749 §5.2, RFC 6750 §3 for bearer errors) for every OAuth
 * endpoint; routes/ only assembles. The FHIR base writes the same errors as OperationOutcomes (fhir/outcome.ts).
 */

/** RFC 6749 §5.1: token responses and their errors must not be cached. */
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
  // RFC 6750 §3: a resource server's refusal (userinfo) carries the Bearer challenge.
  const challenge = isBearerError(oauth) ? { 'WWW-Authenticate': bearerChallenge(oauth) } : {};
  return reply
    .code(wire.status)
    .headers({ ...NO_STORE, ...wire.headers, ...challenge })
    .send(wire.body);
}
