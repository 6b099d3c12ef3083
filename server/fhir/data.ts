import Condition from './fixtures/Condition.json' with { type: 'json' };
import Encounter from './fixtures/Encounter.json' with { type: 'json' };
import MedicationRequest from './fixtures/MedicationRequest.json' with { type: 'json' };
import Observation from './fixtures/Observation.json' with { type: 'json' };
import Patient from './fixtures/Patient.json' with { type: 'json' };
import Practitioner from './fixtures/Practitioner.json' with { type: 'json' };

/** The resource types the FHIR base serves (FHIR R4). */
export const RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'Encounter',
  'Observation',
  'Condition',
  'MedicationRequest',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** A FHIR resource as JSON: only `resourceType` and `id` are relied on structurally. */
export type FhirResource = Readonly<Record<string, unknown>> & {
  readonly resourceType: string;
  readonly id: string;
};

export function isResourceType(type: string): type is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(type);
}

/** A read-only set of resources, by type and id. */
export class FhirData {
  readonly #byType = new Map<string, Map<string, FhirResource>>();

  constructor(resources: readonly FhirResource[]) {
    for (const r of resources) {
      let ofType = this.#byType.get(r.resourceType);
      if (!ofType) {
        ofType = new Map();
        this.#byType.set(r.resourceType, ofType);
      }
      ofType.set(r.id, r);
    }
  }

  get(type: string, id: string): FhirResource | undefined {
    return this.#byType.get(type)?.get(id);
  }

  list(type: string): FhirResource[] {
    return [...(this.#byType.get(type)?.values() ?? [])];
  }
}

/**
 * The shipped data set (`server/fhir/fixtures/*.json`): four patients with encounters, observations
 * (laboratory and vital signs), conditions and medication requests, and the practitioners who saw them.
 * `pat-1`, `enc-1` and `prac-1` are the config's default launch context.
 */
export function fixtureData(): FhirData {
  const all: readonly (readonly FhirResource[])[] = [
    Patient,
    Practitioner,
    Encounter,
    Observation,
    Condition,
    MedicationRequest,
  ];
  return new FhirData(all.flat());
}

/** A person's display name from a Patient or Practitioner `name`, for pickers and pages. */
export function displayName(resource: FhirResource): string {
  const names = resource['name'];
  const first = Array.isArray(names) ? (names[0] as Record<string, unknown> | undefined) : undefined;
  if (!first) return `${resource.resourceType}/${resource.id}`;
  const parts = [first['prefix'], first['given'], first['family']].flatMap((p) =>
    Array.isArray(p) ? p.map(String) : typeof p === 'string' ? [p] : [],
  );
  return parts.join(' ');
}
