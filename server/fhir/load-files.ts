import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FHIR_LIMITS } from '../limits.js';
import type { FhirResource } from './data.js';
import { FhirLoadError, parseFhirFile } from './load.js';

/** The files a folder holds that may be FHIR data: `.json` and `.ndjson`, in name order. */
async function filesOf(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /\.(nd)?json$/i.test(n)).sort();
  return names.map((n) => path.join(dir, n));
}

/**
 * Reads the files and folders `fhir.load` names (README "Your FHIR data"), each file all or nothing; a file
 * that cannot be read or loaded stops start-up with a FhirLoadError naming it.
 */
export async function readFhirSources(
  sources: readonly string[],
  maxResources: number,
): Promise<FhirResource[]> {
  const all: FhirResource[] = [];
  for (const source of sources) {
    let info;
    try {
      info = await stat(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new FhirLoadError(
        source,
        undefined,
        undefined,
        `cannot be read (${code}); expected a file or folder`,
      );
    }
    for (const file of info.isDirectory() ? await filesOf(source) : [source]) {
      const size = (await stat(file)).size;
      if (size > FHIR_LIMITS.startupFileBytes) {
        throw new FhirLoadError(
          file,
          undefined,
          undefined,
          `is ${size} bytes; at most ${FHIR_LIMITS.startupFileBytes} are read (split it, as Synthea does)`,
        );
      }
      all.push(...parseFhirFile(file, await readFile(file, 'utf8'), maxResources - all.length));
    }
  }
  return all;
}
