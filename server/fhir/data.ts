import { FHIR_LIMITS } from './bounds.js';
import Condition from './fixtures/Condition.json' with { type: 'json' };
import Encounter from './fixtures/Encounter.json' with { type: 'json' };
import MedicationRequest from './fixtures/MedicationRequest.json' with { type: 'json' };
import Observation from './fixtures/Observation.json' with { type: 'json' };
import Patient from './fixtures/Patient.json' with { type: 'json' };
import Practitioner from './fixtures/Practitioner.json' with { type: 'json' };

/**
 * The resource types the FHIR base searches (FHIR R4): every R4 type is read and written, these are searched
 * too. RelatedPerson is searched by `patient`, as a RelatedPerson user's app finds the people of a patient.
 */
export const RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'RelatedPerson',
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

/** Where a stored version came from: the data set built at start-up, or a change made since (kept in the data folder). */
export type Origin = 'base' | 'changed';

/** One resource as stored: its current version, or the fact that it was deleted (with the version it had). */
export interface StoredVersion {
  readonly resource: FhirResource;
  /** FHIR R4 resource.html#Meta: `meta.versionId`, counted from 1. */
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly deleted: boolean;
  readonly origin: Origin;
}

/** A resource with `meta.versionId` and `meta.lastUpdated` set (other `meta` members kept). */
function withMeta(resource: FhirResource, versionId: number, lastUpdated: string): FhirResource {
  const meta = resource['meta'];
  return {
    ...resource,
    meta: {
      ...(typeof meta === 'object' && meta !== null ? meta : {}),
      versionId: String(versionId),
      lastUpdated,
    },
  };
}

/**
 * The FHIR base's resources by type and id, with versions (FHIR R4 http.html#versioning): the shipped or
 * configured data set, what was loaded since, and what apps wrote. A deleted resource stays as a tombstone so
 * a read answers 410 Gone and a re-create continues its version count.
 */
export class FhirData {
  readonly #byType = new Map<string, Map<string, StoredVersion>>();
  #live = 0;
  /** `Type/id` of each tombstone, oldest first (a Set keeps insertion order). */
  readonly #deleted = new Set<string>();
  readonly #maxDeleted: number;
  #revision = 0;

  constructor(resources: readonly FhirResource[] = [], options: { readonly maxDeleted?: number } = {}) {
    this.#maxDeleted = options.maxDeleted ?? FHIR_LIMITS.deletedKept;
    for (const r of resources)
      this.#set({ resource: r, versionId: 1, lastUpdated: '', deleted: false, origin: 'base' });
  }

  /** Counts every change (store, delete, restore, forget): what a view derived from the data compares to refresh. */
  get revision(): number {
    return this.#revision;
  }

  #set(version: StoredVersion): void {
    this.#revision++;
    let ofType = this.#byType.get(version.resource.resourceType);
    if (!ofType) {
      ofType = new Map();
      this.#byType.set(version.resource.resourceType, ofType);
    }
    const before = ofType.get(version.resource.id);
    if (before !== undefined && !before.deleted) this.#live--;
    if (!version.deleted) this.#live++;
    ofType.set(version.resource.id, version);
    const key = `${version.resource.resourceType}/${version.resource.id}`;
    this.#deleted.delete(key);
    if (version.deleted) this.#deleted.add(key);
    for (const oldest of this.#deleted) {
      if (this.#deleted.size <= this.#maxDeleted) break;
      this.#deleted.delete(oldest);
      const slash = oldest.indexOf('/');
      this.#byType.get(oldest.slice(0, slash))?.delete(oldest.slice(slash + 1));
    }
  }

  /** The current version of a resource; undefined when it is unknown or deleted. */
  get(type: string, id: string): FhirResource | undefined {
    const found = this.#byType.get(type)?.get(id);
    return found === undefined || found.deleted ? undefined : found.resource;
  }

  /** What is stored under a type and id, a deleted resource's tombstone included. */
  version(type: string, id: string): StoredVersion | undefined {
    return this.#byType.get(type)?.get(id);
  }

  list(type: string): FhirResource[] {
    return [...(this.#byType.get(type)?.values() ?? [])].filter((v) => !v.deleted).map((v) => v.resource);
  }

  /** Resources stored and not deleted, of every type. */
  get size(): number {
    return this.#live;
  }

  /** How many of these resources are not stored yet: what storing them would add to `size`. */
  newCount(resources: readonly FhirResource[]): number {
    const seen = new Set<string>();
    for (const r of resources)
      if (this.get(r.resourceType, r.id) === undefined) seen.add(`${r.resourceType}/${r.id}`);
    return seen.size;
  }

  /**
   * Stores a new version of a resource (a create, an update or a load), numbered one past the last one,
   * with `meta.versionId` and `meta.lastUpdated` set. Returns the stored version.
   */
  put(resource: FhirResource, lastUpdated: string, origin: Origin = 'changed'): StoredVersion {
    const versionId = (this.version(resource.resourceType, resource.id)?.versionId ?? 0) + 1;
    const version: StoredVersion = {
      resource: withMeta(resource, versionId, lastUpdated),
      versionId,
      lastUpdated,
      deleted: false,
      origin,
    };
    this.#set(version);
    return version;
  }

  /** Deletes a resource: its tombstone keeps the last version, so a later read answers 410 Gone. */
  delete(type: string, id: string, lastUpdated: string): StoredVersion | undefined {
    const found = this.version(type, id);
    if (found === undefined || found.deleted) return undefined;
    const tombstone: StoredVersion = {
      ...found,
      versionId: found.versionId + 1,
      lastUpdated,
      deleted: true,
      origin: 'changed',
    };
    this.#set(tombstone);
    return tombstone;
  }

  /** Puts back a version exactly as it was (a failed save's undo, or the data folder at start-up). */
  restore(version: StoredVersion): void {
    this.#set(version);
  }

  /** Forgets a resource entirely (undo of a create). */
  forget(type: string, id: string): void {
    const ofType = this.#byType.get(type);
    const found = ofType?.get(id);
    if (found === undefined) return;
    this.#revision++;
    if (!found.deleted) this.#live--;
    this.#deleted.delete(`${type}/${id}`);
    ofType?.delete(id);
  }

  /** Every version changed since start-up (loads, writes, deletes): what the data folder keeps. */
  changed(): StoredVersion[] {
    return [...this.#byType.values()].flatMap((m) => [...m.values()].filter((v) => v.origin === 'changed'));
  }
}

/**
 * The shipped data set (`server/fhir/fixtures/*.json`): four patients with encounters, observations
 * (laboratory and vital signs), conditions and medication requests, and the practitioners who saw them.
 * `pat-1`, `enc-1` and `prac-1` are the config's default launch context.
 */
export function fixtureResources(): FhirResource[] {
  const all: readonly (readonly FhirResource[])[] = [
    Patient,
    Practitioner,
    Encounter,
    Observation,
    Condition,
    MedicationRequest,
  ];
  return all.flat();
}

/** The shipped data set as a store of its own. */
export function fixtureData(): FhirData {
  return new FhirData(fixtureResources());
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
