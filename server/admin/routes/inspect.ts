import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Sandbox } from '../../sandbox.js';
import { inspectToken } from '../../tokens/inspect.js';
import { InspectionSchema, InspectRequestSchema } from '../../tokens/inspection.js';
import { AdminError } from '../errors.js';
import { operations } from '../operation.js';

const route = operations('inspect');

const InspectRoute = route(
  'inspectToken',
  "Decodes any token, checks its signature and gives the server's verdict on it",
  { body: InspectRequestSchema, response: { 200: InspectionSchema } },
);

/**
 * `POST /inspect` (docs/admin-api.md#inspect): any JWT or opaque token, decoded and judged as the server would
 * judge it now. It changes nothing: inspecting a code does not consume it.
 */
export function inspectRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/inspect', InspectRoute, async (request) => {
      const outcome = await inspectToken(sandbox, request.body.token);
      if (!outcome.ok) {
        throw new AdminError(400, 'not_a_token', outcome.message, [
          { path: 'token', message: outcome.message },
        ]);
      }
      return outcome.inspection;
    });
  };
}
