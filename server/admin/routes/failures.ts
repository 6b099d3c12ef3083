import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FailureArmSchema } from '../../config/schema.js';
import { FAILURE_CATALOG } from '../../failures/catalog.js';
import { FAILURE_IDS } from '../../failures/ids.js';
import type { Sandbox } from '../../sandbox.js';
import { notFound } from '../errors.js';

/** `GET/POST/DELETE /failures`, `DELETE /failures/:id` (CONTRACT §4, §5). */
export function failureRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const available = [...FAILURE_CATALOG.values()].map(({ id, endpoint, produces }) => ({
      id,
      endpoint,
      produces,
    }));

    app.get('/failures', async () => ({ armed: sandbox.failures.list(), available }));

    app.post('/failures', { schema: { body: FailureArmSchema } }, async (request, reply) => {
      const armed = sandbox.failures.arm(request.body);
      await sandbox.persist();
      return reply.code(201).send(armed);
    });

    app.delete(
      '/failures/:id',
      { schema: { params: Type.Object({ id: Type.Enum(FAILURE_IDS) }) } },
      async (request, reply) => {
        if (!sandbox.failures.disarm(request.params.id)) {
          throw notFound(`failure ${request.params.id} is not armed`);
        }
        await sandbox.persist();
        return reply.code(204).send();
      },
    );

    app.delete('/failures', async (_request, reply) => {
      sandbox.failures.clear();
      await sandbox.persist();
      return reply.code(204).send();
    });
  };
}
