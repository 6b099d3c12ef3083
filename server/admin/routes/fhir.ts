import { FhirLoadError } from '../../fhir/load.js';
import { FHIR_LIMITS } from '../../limits.js';
import { AdminError } from '../errors.js';
import { FhirDataSummarySchema, FhirLoadRequestSchema, FhirLoadResultSchema } from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

/** Room for the JSON around a file's text and the escapes its quotes and newlines take. */
const ENVELOPE_BYTES = 64 * 1024;

function countByType(resources: readonly { readonly resourceType: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

/**
 * `POST /fhir/load` (docs/admin-api.md#fhir-data): loads one file of FHIR data (a Bundle, a resource or NDJSON)
 * all or nothing; `GET /fhir`: how much the FHIR base stores, by type, and the limit.
 */
export const fhirDataRoutes = adminRoutes('fhir', (sandbox) => [
  route('GET', '/fhir', 'getFhirSummary', {
    summary: 'How many FHIR resources the FHIR base stores, and the limit',
    schema: { response: { 200: FhirDataSummarySchema } },
    handler: async () => ({
      resources: sandbox.fhir.size,
      limit: sandbox.settings.limits.fhirResources,
      patients: sandbox.fhir.list('Patient').length,
      maxFileBytes: FHIR_LIMITS.loadFileBytes,
    }),
  }),

  route('POST', '/fhir/load', 'loadFhir', {
    summary: 'Loads one file of FHIR R4 data (Bundle, resource or NDJSON), all or nothing',
    schema: { body: FhirLoadRequestSchema, response: { 201: FhirLoadResultSchema } },
    // The text is escaped inside JSON: a file of the limit's size may take more than its size here.
    bodyLimit: 2 * FHIR_LIMITS.loadFileBytes + ENVELOPE_BYTES,
    handler: async (request, reply) => {
      const { file, content } = request.body;
      let loaded;
      try {
        loaded = await sandbox.loadFhir(file, content);
      } catch (err) {
        if (!(err instanceof FhirLoadError)) throw err;
        const at = [err.entry, err.field].filter((p): p is string => p !== undefined).join(' ');
        throw new AdminError(400, 'invalid_fhir_data', err.message, [{ path: at, message: err.problem }]);
      }
      return reply.code(201).send({
        file,
        loaded: loaded.length,
        types: countByType(loaded),
        patients: loaded.filter((r) => r.resourceType === 'Patient').map((r) => r.id),
        total: sandbox.fhir.size,
      });
    },
  }),
]);
