import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FhirContextSchema } from '../../config/schema.js';
import { LaunchError } from '../../launch/launches.js';
import type { Sandbox } from '../../sandbox.js';
import { AdminError, notFound } from '../errors.js';

const Text = Type.String({ minLength: 1, maxLength: 2000 });

/** CONTRACT §4 `POST /launches`: the body of an EHR launch request. */
const LaunchBody = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 255 }),
    patient: Type.Optional(Text),
    encounter: Type.Optional(Text),
    fhirUser: Type.Optional(Text),
    fhirContext: Type.Optional(FhirContextSchema),
    intent: Type.Optional(Text),
    needPatientBanner: Type.Optional(Type.Boolean()),
    smartStyleUrl: Type.Optional(Text),
    tenant: Type.Optional(Text),
  },
  { additionalProperties: false },
);

/**
 * `POST /launches`: the sandbox, as the EHR, mints the opaque `launch` value bound to a context and answers
 * with the URL that opens the app (its launchUrl with `iss` and `launch`), as SMART App Launch 2.2 §EHR launch.
 */
export function launchRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/launches', { schema: { body: LaunchBody } }, async (request, reply) => {
      let created;
      try {
        created = sandbox.launches.create(request.body);
      } catch (err) {
        if (!(err instanceof LaunchError)) throw err;
        if (err.reason === 'unknown_client') throw notFound(err.message);
        throw new AdminError(400, 'invalid_input', err.message, [{ path: 'clientId', message: err.message }]);
      }
      return reply.code(201).send({
        launch: created.launch,
        url: created.url,
        context: created.context,
        expiresAt: new Date(created.expiresAt).toISOString(),
      });
    });
  };
}
