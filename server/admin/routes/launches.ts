import { absoluteUrl } from '../../config/validate.js';
import { launchPatientChoices } from '../../launch/context-check.js';
import { LaunchError } from '../../launch/launches.js';
import { AdminError, invalidInput, notFound } from '../errors.js';
import { checkFrameFraming, ehrPageUrl } from '../../ehr/frames.js';
import type { CreatedLaunch } from '../../launch/launches.js';
import {
  EhrLaunchRequestSchema,
  EhrLaunchResultSchema,
  LaunchChoicesSchema,
  LaunchRequestSchema,
  LaunchResultSchema,
} from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

/**
 * `POST /launches`: the sandbox, as the EHR, mints the opaque `launch` value bound to a context and answers
 * with the URL that opens the app (its launchUrl with `iss` and `launch`), as SMART App Launch 2.2 §EHR launch;
 * `url` is null when neither the body nor the client has a launchUrl. `GET /launches/choices`: the patients
 * and encounters a launch can name. `POST /launches/ehr`: the same launch for the EHR page, which frames the app
 * under a patient banner (`need_patient_banner: false`), with what the sandbox found on whether the app allows it.
 */
export const launchRoutes = adminRoutes('launches', (sandbox) => [
  route('GET', '/launches/choices', 'listLaunchChoices', {
    summary: 'The patients and encounters a launch can name',
    schema: { response: { 200: LaunchChoicesSchema } },
    handler: async () => ({ patients: launchPatientChoices(sandbox.fhir) }),
  }),

  route('POST', '/launches', 'createLaunch', {
    summary: 'Mints an EHR launch value and the URL that opens the app',
    schema: { body: LaunchRequestSchema, response: { 201: LaunchResultSchema } },
    handler: async (request, reply) => {
      const launchUrl = request.body.launchUrl;
      const problem = launchUrl === undefined ? undefined : absoluteUrl(launchUrl, ['http:', 'https:']);
      if (problem !== undefined) throw invalidInput([{ path: 'launchUrl', message: problem }]);
      const created = await asAdminError(() => sandbox.launches.create(request.body));
      return reply.code(201).send(launchResult(created));
    },
  }),

  route('POST', '/launches/ehr', 'createEhrPage', {
    summary: 'Mints a launch and the EHR page that frames the app under a patient banner',
    schema: { body: EhrLaunchRequestSchema, response: { 201: EhrLaunchResultSchema } },
    handler: async (request, reply) => {
      const frame = await asAdminError(() => sandbox.ehrFrames.create(request.body));
      return reply.code(201).send({
        page: ehrPageUrl(sandbox, frame.id),
        launch: launchResult(frame.launch),
        framing: await checkFrameFraming(sandbox, frame),
      });
    },
  }),
]);

/** A launch as the admin API answers it. */
function launchResult(created: CreatedLaunch) {
  return {
    launch: created.launch,
    url: created.url,
    context: created.context,
    expiresAt: new Date(created.expiresAt).toISOString(),
  };
}

/**
 * Runs a launch-minting step, answering an unknown client with 404, a FHIR upstream that could not be asked with
 * 502 naming it, and a bad context with 400.
 */
async function asAdminError<T>(mint: () => Promise<T>): Promise<T> {
  try {
    return await mint();
  } catch (err) {
    if (!(err instanceof LaunchError)) throw err;
    if (err.reason === 'unknown_client') throw notFound(err.message);
    if (err.reason === 'upstream_failed') throw new AdminError(502, 'upstream_failed', err.message);
    throw invalidInput(err.issues);
  }
}
