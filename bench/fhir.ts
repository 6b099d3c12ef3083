/**
 * FHIR read and search throughput on 10,000 loaded resources, beside a bare Fastify GET route that
 * answers a JSON body of the same size, in the same run. The data is loaded the way a user loads theirs: a
 * collection Bundle named by the config's `fhir.load`, with the shipped fixtures off.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ratio } from './stats.js';
import type { LoadFigures } from './stats.js';

/** 100 patients with 99 observations each: 10,000 resources. */
export const FHIR_PATIENTS = 100;
export const FHIR_OBSERVATIONS_PER_PATIENT = 99;

/** The read and the search measured: one observation, and one patient's newest 20 vital signs. */
export const FHIR_READ_PATH = '/fhir/Observation/obs-42-7';
export const FHIR_SEARCH_PATH = '/fhir/Observation?patient=pat-42&category=vital-signs&_sort=-date&_count=20';

function observation(p: number, o: number): Record<string, unknown> {
  const category = o % 2 === 0 ? 'vital-signs' : 'laboratory';
  const day = String((o % 28) + 1).padStart(2, '0');
  const month = String((o % 12) + 1).padStart(2, '0');
  return {
    resourceType: 'Observation',
    id: `obs-${p}-${o}`,
    status: 'final',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: o % 2 === 0 ? '8867-4' : '2823-3' }] },
    subject: { reference: `Patient/pat-${p}` },
    effectiveDateTime: `2026-${month}-${day}T09:00:00Z`,
    valueQuantity: { value: 60 + (o % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** Writes the 10,000-resource Bundle and a config that loads it; returns the config's path. */
export async function writeFhirConfig(dir: string, client: Record<string, unknown>): Promise<string> {
  const entry: Record<string, unknown>[] = [];
  for (let p = 0; p < FHIR_PATIENTS; p++) {
    entry.push({
      resource: { resourceType: 'Patient', id: `pat-${p}`, name: [{ family: `Bench${p}`, given: ['Test'] }] },
    });
    for (let o = 0; o < FHIR_OBSERVATIONS_PER_PATIENT; o++) entry.push({ resource: observation(p, o) });
  }
  await writeFile(
    path.join(dir, 'fhir-10k.json'),
    JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }),
  );
  const file = path.join(dir, 'fhir.json');
  await writeFile(
    file,
    JSON.stringify({
      clients: [client],
      fhir: { fixtures: false, load: ['fhir-10k.json'] },
      launch: { patient: 'pat-0' },
    }),
  );
  return file;
}

export interface FhirFigures {
  readonly resources: number;
  readonly readPath: string;
  readonly searchPath: string;
  readonly readBytes: number;
  readonly searchBytes: number;
  readonly read: LoadFigures;
  readonly search: LoadFigures;
  readonly bareRead: LoadFigures;
  readonly bareSearch: LoadFigures;
  readonly readVsBare: number;
  readonly searchVsBare: number;
}

export function fhirFigures(
  parts: Omit<FhirFigures, 'resources' | 'readPath' | 'searchPath' | 'readVsBare' | 'searchVsBare'>,
): FhirFigures {
  return {
    resources: FHIR_PATIENTS * (1 + FHIR_OBSERVATIONS_PER_PATIENT),
    readPath: FHIR_READ_PATH,
    searchPath: FHIR_SEARCH_PATH,
    ...parts,
    readVsBare: ratio(parts.read.perSecond, parts.bareRead.perSecond),
    searchVsBare: ratio(parts.search.perSecond, parts.bareSearch.perSecond),
  };
}

export function fhirLines(f: FhirFigures): string[] {
  const rate = (l: LoadFigures) => `${Math.round(l.perSecond)}/s (p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms)`;
  return [
    `FHIR on ${f.resources} loaded resources:`,
    `  read   ${f.readPath} (${f.readBytes} B): ${rate(f.read)}; bare Fastify, same size: ${rate(f.bareRead)}; ratio ${f.readVsBare}`,
    `  search ${f.searchPath} (${f.searchBytes} B): ${rate(f.search)}; bare Fastify, same size: ${rate(f.bareSearch)}; ratio ${f.searchVsBare}`,
  ];
}
