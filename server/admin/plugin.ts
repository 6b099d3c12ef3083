import type { FastifyInstance } from 'fastify';
import type { Sandbox } from '../sandbox.js';
import { adminValidatorCompiler, notFound, speakAdminErrors } from './errors.js';
import { adminGuard } from './guard.js';
import { collectOpenApi, openApiRoutes } from './openapi.js';
import { adminSerializerCompiler } from './serializer.js';
import { clientRoutes } from './routes/clients.js';
import { clockRoutes } from './routes/clock.js';
import { configRoutes } from './routes/config.js';
import { eventRoutes } from './routes/events.js';
import { exchangeRoutes } from './routes/exchanges.js';
import { fhirDataRoutes } from './routes/fhir.js';
import { failureRoutes } from './routes/failures.js';
import { grantRoutes } from './routes/grants.js';
import { keyRoutes } from './routes/keys.js';
import { inspectRoutes } from './routes/inspect.js';
import { launchRoutes } from './routes/launches.js';
import { personaRoutes } from './routes/personas.js';
import { pathOf } from '../oauth/form.js';

import { ADMIN_PREFIX } from '../paths.js';

export { ADMIN_PREFIX };

/** A group of admin routes; register more with `adminApi(sandbox, [...ADMIN_ROUTES, yours])`. */
export type AdminRoutes = (sandbox: Sandbox) => (app: FastifyInstance) => Promise<void>;

export const ADMIN_ROUTES: readonly AdminRoutes[] = [
  clientRoutes,
  configRoutes,
  failureRoutes,
  clockRoutes,
  grantRoutes,
  exchangeRoutes,
  eventRoutes,
  launchRoutes,
  keyRoutes,
  inspectRoutes,
  openApiRoutes,
  personaRoutes,
  fhirDataRoutes,
];

/**
 * Each response schema without its `default` annotations, copied once per process: the serializer cache
 * (server/admin/serializer.ts) is keyed by schema, so every sandbox must hand it the same copy, or each one
 * compiles every serializer again (a test suite starts hundreds of sandboxes; an issuer is one more).
 */
const strippedSchemas = new WeakMap<object, unknown>();

function responseWithoutDefaults(response: unknown): unknown {
  if (typeof response !== 'object' || response === null) return response;
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]: [string, unknown]) => {
      if (typeof schema !== 'object' || schema === null) return [status, schema];
      let stripped = strippedSchemas.get(schema);
      if (stripped === undefined) {
        stripped = withoutDefaults(schema);
        strippedSchemas.set(schema, stripped);
      }
      return [status, stripped];
    }),
  );
}

/** A copy of a JSON schema without its `default` annotations. */
function withoutDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== 'default')
      .map(([key, value]) => [key, withoutDefaults(value)]),
  );
}

/**
 * The admin API as an encapsulated plugin: its own guard, JSON-only bodies, schema validation that names the
 * field at fault, and its own error shape. Register it with `{ prefix: ADMIN_PREFIX }`.
 */
export function adminApi(sandbox: Sandbox, groups: readonly AdminRoutes[] = ADMIN_ROUTES) {
  return async (app: FastifyInstance): Promise<void> => {
    // application/json only: a form or text/plain body (what a foreign page can send without a preflight) is refused.
    app.removeContentTypeParser('text/plain');
    app.setValidatorCompiler(adminValidatorCompiler);
    app.setSerializerCompiler(adminSerializerCompiler);
    // A document answers what was set (docs/config.md): the serializer would write a schema field's `default`
    // wherever the field is absent, so an export would spell out every default. Values in force have their
    // own routes (`GET /config/effective`, a listed client's `effective`).
    app.addHook('onRoute', (route) => {
      if (route.schema?.response !== undefined) {
        route.schema = { ...route.schema, response: responseWithoutDefaults(route.schema.response) };
      }
    });
    speakAdminErrors(app);
    app.addHook('onRequest', adminGuard(sandbox));
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Cache-Control', 'no-store');
      return payload;
    });
    // Before the groups: it documents the routes registered after it in this scope (docs/openapi.json).
    await collectOpenApi(app);
    for (const group of groups) await app.register(group(sandbox));
    // Preflights to the admin API land here rather than on the CORS plugin's root `OPTIONS *` route, so the
    // guard above answers them (403 for a foreign page) and no CORS header is ever sent (docs/admin-api.md#guard).
    // A refusal, not an operation: left out of the OpenAPI document.
    app.options('/*', { schema: { hide: true } }, async (request) => {
      throw notFound(`no admin route OPTIONS ${pathOf(request.url)}`);
    });
  };
}
