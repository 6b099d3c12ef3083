import { Type } from 'typebox';
import { FailureArmSchema } from '../../config/schema.js';
import { FAILURE_CATALOG } from '../../failures/catalog.js';
import { FAILURE_IDS } from '../../failures/ids.js';
import { found, notFound } from '../errors.js';
import {
  ArmedFailureSchema,
  ArmedListSchema,
  FailureBoardSchema,
  NoContent,
  PresetListSchema,
  PresetSchema,
  type FailureBoardView,
  type FailureInfo,
} from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

// Presets: named sets of failures a tester arms again and again; they persist in the data folder.
const PresetParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w .-]+$' }),
});

/** `GET/POST/DELETE /failures`, `DELETE /failures/:id` (docs/admin-api.md#failures, docs/failures.md). */
export const failureRoutes = adminRoutes('failures', (sandbox) => {
  const available: FailureInfo[] = [...FAILURE_CATALOG.values()].map(({ id, endpoint, produces }) => ({
    id,
    endpoint,
    produces,
  }));

  return [
    route('GET', '/failures', 'listFailures', {
      summary: 'The armed failure modes and every one available',
      schema: { response: { 200: FailureBoardSchema } },
      handler: async (): Promise<FailureBoardView> => ({ armed: sandbox.failures.list(), available }),
    }),

    route('POST', '/failures', 'armFailure', {
      summary: 'Arms a failure mode (arming an id again replaces it)',
      schema: { body: FailureArmSchema, response: { 201: ArmedFailureSchema } },
      handler: async (request, reply) => {
        const armed = sandbox.failures.arm(request.body);
        await sandbox.persist();
        return reply.code(201).send(armed);
      },
    }),

    route('DELETE', '/failures/:id', 'disarmFailure', {
      summary: 'Disarms one failure mode; 404 when it is not armed',
      schema: { params: Type.Object({ id: Type.Enum(FAILURE_IDS) }), response: { 204: NoContent } },
      handler: async (request, reply) => {
        if (!sandbox.failures.disarm(request.params.id)) {
          throw notFound(`failure ${request.params.id} is not armed`);
        }
        await sandbox.persist();
        return reply.code(204).send();
      },
    }),

    route('DELETE', '/failures', 'disarmAllFailures', {
      summary: 'Disarms every failure mode',
      schema: { response: { 204: NoContent } },
      handler: async (_request, reply) => {
        sandbox.failures.clear();
        await sandbox.persist();
        return reply.code(204).send();
      },
    }),

    route('GET', '/failures/presets', 'listFailurePresets', {
      summary: "Every preset's failures by its name",
      schema: { response: { 200: PresetListSchema } },
      handler: async () => ({ presets: Object.fromEntries(sandbox.presets) }),
    }),

    route('PUT', '/failures/presets/:name', 'putFailurePreset', {
      summary: 'Saves a named set of failures: created (201) or replaced (200)',
      schema: {
        params: PresetParams,
        body: Type.Object(
          { failures: Type.Array(FailureArmSchema, { maxItems: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: PresetSchema, 201: PresetSchema },
      },
      handler: async (request, reply) => {
        const existed = sandbox.presets.has(request.params.name);
        sandbox.presets.set(request.params.name, request.body.failures);
        await sandbox.persist();
        return reply
          .code(existed ? 200 : 201)
          .send({ name: request.params.name, failures: request.body.failures });
      },
    }),

    route('DELETE', '/failures/presets/:name', 'deleteFailurePreset', {
      summary: 'Deletes a preset',
      schema: { params: PresetParams, response: { 204: NoContent } },
      handler: async (request, reply) => {
        if (!sandbox.presets.delete(request.params.name)) throw notFound(`no preset ${request.params.name}`);
        await sandbox.persist();
        return reply.code(204).send();
      },
    }),

    route('POST', '/failures/presets/:name/arm', 'armFailurePreset', {
      summary: "Arms a preset's failures in place of those armed now",
      schema: { params: PresetParams, response: { 200: ArmedListSchema } },
      handler: async (request) => {
        const preset = found(sandbox.presets.get(request.params.name), `no preset ${request.params.name}`);
        sandbox.failures.replaceAll(preset);
        await sandbox.persist();
        return { armed: sandbox.failures.list() };
      },
    }),
  ];
});
