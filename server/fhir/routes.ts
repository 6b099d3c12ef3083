import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { injectFhirFailures } from '../failures/fhir-hook.js';
import { requireBearer } from '../oauth/bearer.js';
import { InsufficientScope } from '../oauth/errors.js';
import type { Sandbox } from '../sandbox.js';
import { accessOf, authorizeRead, authorizeSearch, type FhirAccess } from './access.js';
import { capabilityStatement } from './capability-statement.js';
import { isResourceType, type FhirResource } from './data.js';
import { FHIR_JSON, sendFhirError, sendOutcome } from './outcome.js';
import { meetsCriterion, parseCriteria } from './search.js';

/**
 * The FHIR base, registered under `/fhir`: `metadata` is public (as on real servers); every other request
 * passes the bearer check first, then scope enforcement, then read or search over the shipped fixtures.
 */
export function fhirRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    // Every error below, a refused bearer token included, leaves as an OperationOutcome.
    app.setErrorHandler(sendFhirError);
    // Before the bearer check and the not-found handler, so an armed fhir.* failure answers first, everywhere.
    injectFhirFailures(app, sandbox);
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
      secured.addHook('preHandler', async (request) => {
        access.set(request, accessOf(await requireBearer(sandbox, request)));
      });

      secured.get<{ Params: { type: string; id: string } }>('/:type/:id', async (request, reply) => {
        const { type, id } = request.params;
        if (!isResourceType(type)) return unsupportedType(reply, type);
        const resource = sandbox.fhir.get(type, id);
        if (!resource)
          return sendOutcome(reply, 404, 'not-found', `${type}/${id} is not known to this server`);
        const decision = authorizeRead(accessFor(request), resource);
        if (!decision.allowed) {
          throw new InsufficientScope(decision.reason, { rule: 'SMART App Launch 2.2 §scopes' });
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
          throw new InsufficientScope(decision.reason, { rule: 'SMART App Launch 2.2 §scopes' });
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
