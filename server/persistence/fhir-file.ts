import path from 'node:path';
import type { FhirData, FhirResource, StoredVersion } from '../fhir/data.js';
import { FHIR_ID, isR4ResourceType } from '../fhir/r4-resource-types.js';
import { readJsonFile, StateFileError, writeJsonFile } from './json-file.js';
import { WriteQueue } from './write-queue.js';

/** The data folder's FHIR file (docs/cli.md#data-folder): resources loaded, written and deleted since start-up. */
export const FHIR_FILE = 'fhir.json';
const FHIR_FILE_VERSION = 1;

interface FhirDocument {
  readonly version: typeof FHIR_FILE_VERSION;
  readonly resources: readonly {
    readonly versionId: number;
    readonly lastUpdated: string;
    readonly deleted: boolean;
    readonly resource: FhirResource;
  }[];
}

function isStored(v: unknown): v is FhirDocument['resources'][number] {
  if (typeof v !== 'object' || v === null) return false;
  const { versionId, lastUpdated, deleted, resource } = v as Record<string, unknown>;
  if (typeof resource !== 'object' || resource === null) return false;
  const { resourceType, id } = resource as Record<string, unknown>;
  return (
    Number.isSafeInteger(versionId) &&
    typeof lastUpdated === 'string' &&
    typeof deleted === 'boolean' &&
    typeof resourceType === 'string' &&
    isR4ResourceType(resourceType) &&
    typeof id === 'string' &&
    FHIR_ID.test(id)
  );
}

/** Reads the FHIR file's versions; none when the folder has no FHIR file. A damaged file stops start-up. */
export async function readFhirFile(dir: string): Promise<StoredVersion[]> {
  const file = path.join(dir, FHIR_FILE);
  const doc = await readJsonFile(file);
  if (doc === undefined) return [];
  const { version, resources } = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<
    string,
    unknown
  >;
  if (version !== FHIR_FILE_VERSION) {
    throw new StateFileError(
      file,
      `is FHIR file version ${JSON.stringify(version)}; this release reads version ${FHIR_FILE_VERSION}`,
    );
  }
  if (!Array.isArray(resources) || !resources.every(isStored)) {
    throw new StateFileError(file, 'does not hold FHIR resources in the expected shape');
  }
  return resources.map((r) => ({ ...r, origin: 'changed' }));
}

/**
 * Keeps the FHIR file current: every `persist()` writes the changed versions, crash-safe (a new file renamed
 * over the old one) and coalesced (writes requested while one runs share the next one).
 */
export class FhirFile {
  readonly #writes: WriteQueue;

  constructor(dir: string, data: FhirData) {
    const file = path.join(dir, FHIR_FILE);
    this.#writes = new WriteQueue(() => {
      // Taken synchronously, before the first await (WriteQueue's contract).
      const doc: FhirDocument = {
        version: FHIR_FILE_VERSION,
        resources: data.changed().map(({ versionId, lastUpdated, deleted, resource }) => ({
          versionId,
          lastUpdated,
          deleted,
          resource,
        })),
      };
      return writeJsonFile(file, doc);
    });
  }

  /** Resolves once the FHIR data as it is now is on disk. */
  persist(): Promise<void> {
    return this.#writes.request();
  }
}
