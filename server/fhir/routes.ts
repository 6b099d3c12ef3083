import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InsufficientScope, sanitizeDescription, toWireError, type OAuthError } from '../oauth/errors.js';
import { bearerChallenge, requireBearer } from '../routes/userinfo.js';
import type { Sandbox } from '../sandbox.js';
import { logUnexpected } from '../log-unexpected.js';
import { accessOf, authorizeRead, authorizeSearch, type FhirAccess } from './access.js';
import { capabilityStatement } from './capability-statement.js';
import { isResourceType, type FhirResource } from './data.js';
import { meetsCriterion, parseCriteria } from './search.js';

/** FHIR R4 http.html#mime-type: the JSON format's media type. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** FHIR R4 OperationOutcome: how a FHIR server explains an error. */
function outcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function sendOutcome(reply: FastifyReply, status: number, code: string, diagnostics: string): FastifyReply {
  return reply.code(status).type(FHIR_JSON).send(outcome(code, diagnostics));
}

/**
 * RFC 6750 §3.1 with a FHIR body: 401 `invalid_token` / 403 `insufficient_scope` carry the challenge in
 * `WWW-Authenticate` and explain themselves in an OperationOutcome, as FHIR servers do.
 */
export function sendFhirBearerError(reply: FastifyReply, error: OAuthError): FastifyReply {
  const wire = toWireError(error);
  // The exchange log's verdict names the error and its rule, as it does for every OAuth endpoint.
  reply.request.sandboxRejection = error;
  return reply
    .code(wire.status)
    .headers({ 'WWW-Authenticate': bearerChallenge(error), 'Cache-Control': 'no-store' })
    .type(FHIR_JSON)
    .send(
      outcome(error.code === 'invalid_token' ? 'login' : 'forbidden', sanitizeDescription(error.description)),
    );
}

/**
 * The FHIR base, registered under `/fhir`: `metadata` is public (as on real servers); every other request
 * passes the bearer check first, then scope enforcement, then read or search over the shipped fixtures.
 */
export function fhirRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error, request, reply) => {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendOutcome(reply, status, 'invalid', error instanceof Error ? error.message : 'bad request');
      }
      logUnexpected(request, error, 'at the FHIR base');
      return sendOutcome(reply, 500, 'exception', 'unexpected server error; the sandbox log has the details');
    });
    app.setNotFoundHandler((request, reply) =>
      sendOutcome(
        reply,
        404,
        'not-found',
        `nothing is served at ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
    );

    app.get('/metadata', async (_request, reply) => reply.type(FHIR_JSON).send(capabilityStatement(sandbox)));

    await app.register(async (secured) => {
      const access = new WeakMap<FastifyRequest, FhirAccess>();
      const accessFor = (request: FastifyRequest): FhirAccess => {
        const found = access.get(request);
        if (!found) throw new Error('the bearer check did not run');
        return found;
      };

      // Step 1, the bearer check (RFC 6750 §2.1): every request below carries a valid, unexpired,
      // unrevoked access token of this server, or is answered 401 here.
      secured.addHook('preHandler', async (request, reply) => {
        const claims = await requireBearer(sandbox, request, reply, sendFhirBearerError);
        if (!claims) return reply;
        access.set(request, accessOf(claims));
        return undefined;
      });

      secured.get<{ Params: { type: string; id: string } }>('/:type/:id', async (request, reply) => {
        const { type, id } = request.params;
        if (!isResourceType(type)) return unsupportedType(reply, type);
        const resource = sandbox.fhir.get(type, id);
        if (!resource)
          return sendOutcome(reply, 404, 'not-found', `${type}/${id} is not known to this server`);
        const decision = authorizeRead(accessFor(request), resource);
        if (!decision.allowed) {
          return sendFhirBearerError(
            reply,
            new InsufficientScope(decision.reason, { rule: 'SMART App Launch 2.2 §scopes' }),
          );
        }
        return reply.type(FHIR_JSON).send(resource);
      });

      secured.get<{ Params: { type: string } }>('/:type', async (request, reply) => {
        const { type } = request.params;
        if (!isResourceType(type)) return unsupportedType(reply, type);
        const q = request.url.indexOf('?');
        const params = new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
        const { criteria, unsupported } = parseCriteria(type, params);
        if (
          unsupported.length > 0 &&
          /handling\s*=\s*strict/i.test(String(request.headers['prefer'] ?? ''))
        ) {
          return sendOutcome(
            reply,
            400,
            'not-supported',
            `search parameter(s) ${unsupported.join(', ')} are not supported for ${type}`,
          );
        }
        const decision = authorizeSearch(accessFor(request), type, criteria);
        if (!decision.allowed) {
          return sendFhirBearerError(
            reply,
            new InsufficientScope(decision.reason, { rule: 'SMART App Launch 2.2 §scopes' }),
          );
        }
        const matches = sandbox.fhir
          .list(type)
          .filter((r) => criteria.every((c) => meetsCriterion(type, r, c)))
          .filter(decision.visible);
        const base = sandbox.urls.fhirBase;
        // http.html#search: the self link states the parameters the server actually used.
        const used = new URLSearchParams(
          criteria.map((c): [string, string] => [c.name, c.values.join(',')]),
        ).toString();
        return reply
          .type(FHIR_JSON)
          .send(searchset(base, `${base}/${type}${used === '' ? '' : `?${used}`}`, matches));
      });
    });
  };
}

function unsupportedType(reply: FastifyReply, type: string): FastifyReply {
  return sendOutcome(reply, 404, 'not-supported', `resource type ${type} is not served by this server`);
}

function searchset(base: string, self: string, matches: readonly FhirResource[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    link: [{ relation: 'self', url: self }],
    entry: matches.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}
