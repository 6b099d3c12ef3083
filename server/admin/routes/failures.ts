import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FailureArmSchema } from '../../config/schema.js';
import { FAILURE_CATALOG } from '../../failures/catalog.js';
import { FAILURE_IDS } from '../../failures/ids.js';
import type { Sandbox } from '../../sandbox.js';
import { notFound } from '../errors.js';
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
import { operations } from '../operation.js';

const route = operations('failures');

const BoardRoute = route('listFailures', 'The armed failure modes and every one available', {
  response: { 200: FailureBoardSchema },
});
const ArmRoute = route('armFailure', 'Arms a failure mode (arming an id again replaces it)', {
  body: FailureArmSchema,
  response: { 201: ArmedFailureSchema },
});
const PresetListRoute = route('listFailurePresets', "Every preset's failures by its name", {
  response: { 200: PresetListSchema },
});
const ClearRoute = route('disarmAllFailures', 'Disarms every failure mode', { response: { 204: NoContent } });
const DisarmRoute = route('disarmFailure', 'Disarms one failure mode; 404 when it is not armed', {
  params: Type.Object({ id: Type.Enum(FAILURE_IDS) }),
  response: { 204: NoContent },
});

/** `GET/POST/DELETE /failures`, `DELETE /failures/:id` (docs/admin-api.md#failures, docs/failures.md). */
export function failureRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const available: FailureInfo[] = [...FAILURE_CATALOG.values()].map(({ id, endpoint, produces }) => ({
      id,
      endpoint,
      produces,
    }));

    app.get('/failures', BoardRoute, async (): Promise<FailureBoardView> => ({
      armed: sandbox.failures.list(),
      available,
    }));

    app.post('/failures', ArmRoute, async (request, reply) => {
      const armed = sandbox.failures.arm(request.body);
      await sandbox.persist();
      return reply.code(201).send(armed);
    });

    app.delete('/failures/:id', DisarmRoute, async (request, reply) => {
      if (!sandbox.failures.disarm(request.params.id)) {
        throw notFound(`failure ${request.params.id} is not armed`);
      }
      await sandbox.persist();
      return reply.code(204).send();
    });

    app.delete('/failures', ClearRoute, async (_request, reply) => {
      sandbox.failures.clear();
      await sandbox.persist();
      return reply.code(204).send();
    });

    // Presets: named sets of failures a tester arms again and again; they persist in the data folder.
    const PresetParams = Type.Object({
      name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w .-]+$' }),
    });

    app.get('/failures/presets', PresetListRoute, async () => ({
      presets: Object.fromEntries(sandbox.presets),
    }));

    app.put(
      '/failures/presets/:name',
      route('putFailurePreset', 'Saves a named set of failures: created (201) or replaced (200)', {
        params: PresetParams,
        body: Type.Object(
          { failures: Type.Array(FailureArmSchema, { maxItems: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: PresetSchema, 201: PresetSchema },
      }),
      async (request, reply) => {
        const existed = sandbox.presets.has(request.params.name);
        sandbox.presets.set(request.params.name, request.body.failures);
        await sandbox.persist();
        return reply
          .code(existed ? 200 : 201)
          .send({ name: request.params.name, failures: request.body.failures });
      },
    );

    const PresetDeleteRoute = route('deleteFailurePreset', 'Deletes a preset', {
      params: PresetParams,
      response: { 204: NoContent },
    });
    app.delete('/failures/presets/:name', PresetDeleteRoute, async (request, reply) => {
      if (!sandbox.presets.delete(request.params.name)) throw notFound(`no preset ${request.params.name}`);
      await sandbox.persist();
      return reply.code(204).send();
    });

    const PresetArmRoute = route('armFailurePreset', "Arms a preset's failures in place of those armed now", {
      params: PresetParams,
      response: { 200: ArmedListSchema },
    });
    app.post('/failures/presets/:name/arm', PresetArmRoute, async (request) => {
      const preset = sandbox.presets.get(request.params.name);
      if (preset === undefined) throw notFound(`no preset ${request.params.name}`);
      sandbox.failures.replaceAll(preset);
      await sandbox.persist();
      return { armed: sandbox.failures.list() };
    });
  };
}
