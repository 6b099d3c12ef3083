import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FhirContextSchema } from '../../config/schema.js';
import { absoluteUrl } from '../../config/validate.js';
import { launchPatientChoices } from '../../launch/context-check.js';
import { LaunchError } from '../../launch/launches.js';
import type { Sandbox } from '../../sandbox.js';
import { invalidInput, notFound } from '../errors.js';

const Text = Type.String({ minLength: 1, maxLength: 2000 });

/** docs/admin-api.md#launches: the body of an EHR launch request. */
const LaunchBody = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 255 }),
    launchUrl: Type.Optional(Text),
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
 * with the URL that opens the app (its launchUrl with `iss` and `launch`), as SMART App Launch 2.2 §EHR launch;
 * `url` is null when neither the body nor the client has a launchUrl. `GET /launches/choices`: the patients
 * and encounters a launch can name.
 */
export function launchRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/launches/choices', async () => ({ patients: launchPatientChoices(sandbox.fhir) }));

    app.post('/launches', { schema: { body: LaunchBody } }, async (request, reply) => {
      const launchUrl = request.body.launchUrl;
      const problem = launchUrl === undefined ? undefined : absoluteUrl(launchUrl, ['http:', 'https:']);
      if (problem !== undefined) throw invalidInput([{ path: 'launchUrl', message: problem }]);
      let created;
      try {
        created = sandbox.launches.create(request.body);
      } catch (err) {
        if (!(err instanceof LaunchError)) throw err;
        if (err.reason === 'unknown_client') throw notFound(err.message);
        throw invalidInput(err.issues);
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
