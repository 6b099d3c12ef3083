import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_LIMITS } from '../limits.js';
import { logUnexpected } from '../log-unexpected.js';
import { isBearerError, rejectBearer, type BearerError } from '../oauth/bearer.js';
import { sanitizeDescription } from '../oauth/errors.js';

/** FHIR R4 http.html#mime-type: the JSON format's media type. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** FHIR R4 OperationOutcome: how a FHIR server explains an error. */
function outcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

/**
 * An OperationOutcome with its status: FHIR's answer to a request it will not serve. Its diagnostics are the
 * exchange log's reason and the `X-Sandbox-Verdict` header, as for every other rejection (README "Exchange log").
 */
export function sendOutcome(
  reply: FastifyReply,
  status: number,
  code: string,
  diagnostics: string,
): FastifyReply {
  if (status >= 400) reply.request.sandboxRejection ??= { code, description: diagnostics };
  return reply.code(status).type(FHIR_JSON).send(outcome(code, diagnostics));
}

/**
 * RFC 6750 §3.1 with a FHIR body: 401 `invalid_token` / 403 `insufficient_scope` carry the challenge in
 * `WWW-Authenticate` and explain themselves in an OperationOutcome, as FHIR servers do.
 */
function sendBearerOutcome(request: FastifyRequest, reply: FastifyReply, error: BearerError): FastifyReply {
  return rejectBearer(request, reply, error)
    .type(FHIR_JSON)
    .send(
      outcome(error.code === 'invalid_token' ? 'login' : 'forbidden', sanitizeDescription(error.description)),
    );
}

/**
 * The FHIR base's error handler: every error leaves as an OperationOutcome, never as OAuth JSON or
 * Fastify's own shape. Bearer errors keep their RFC 6750 challenge; anything unexpected is logged and
 * answered 500 without internals.
 */
export function sendFhirError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isBearerError(error)) return sendBearerOutcome(request, reply, error);
  const { statusCode: status, code } = error as Partial<FastifyError>;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendOutcome(
      reply,
      413,
      'too-costly',
      `the body is larger than ${FHIR_LIMITS.writeBodyBytes} bytes (the FHIR write body limit, fixed)`,
    );
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendOutcome(
      reply,
      415,
      'not-supported',
      `the body's Content-Type ${request.headers['content-type'] ?? '(none)'} is not FHIR JSON; expected application/fhir+json or application/json (FHIR R4 http.html#mime-type)`,
    );
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendOutcome(reply, status, 'invalid', error instanceof Error ? error.message : 'bad request');
  }
  logUnexpected(request, error, 'at the FHIR base');
  return sendOutcome(reply, 500, 'exception', 'unexpected server error; the sandbox log has the details');
}
