import { inspectToken } from '../../tokens/inspect.js';
import { InspectionSchema, InspectRequestSchema } from '../../tokens/inspection.js';
import { AdminError } from '../errors.js';
import { adminRoutes, route } from '../operation.js';

/**
 * `POST /inspect` (docs/admin-api.md#inspect): any JWT or opaque token, decoded and judged as the server would
 * judge it now. It changes nothing: inspecting a code does not consume it.
 */
export const inspectRoutes = adminRoutes('inspect', (sandbox) => [
  route('POST', '/inspect', 'inspectToken', {
    summary: "Decodes any token, checks its signature and gives the server's verdict on it",
    schema: { body: InspectRequestSchema, response: { 200: InspectionSchema } },
    handler: async (request) => {
      const outcome = await inspectToken(sandbox, request.body.token);
      if (!outcome.ok) {
        throw new AdminError(400, 'not_a_token', outcome.message, [
          { path: 'token', message: outcome.message },
        ]);
      }
      return outcome.inspection;
    },
  }),
]);
