import type { FhirResource, ResourceType } from './data.js';

/**
 * FHIR R4 search (http.html#search, search.html) for the parameters the sandbox supports: each matcher
 * tests one value; a comma inside a value is OR (search.html#combining), a repeated parameter is AND.
 */
type Matcher = (resource: FhirResource, value: string) => boolean;

interface Coding {
  readonly system?: string;
  readonly code?: string;
}

function field(resource: FhirResource, name: string): unknown {
  return resource[name];
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** search.html#reference: `id`, `Type/id` or an absolute URL ending in `Type/id`. */
function referenceMatches(type: string, path: string): Matcher {
  return (resource, value) => {
    const parts = value.split('/');
    const target = parts.length >= 2 ? parts.slice(-2).join('/') : `${type}/${value}`;
    return asArray(field(resource, path)).some(
      (ref) =>
        typeof ref === 'object' && ref !== null && (ref as { reference?: unknown }).reference === target,
    );
  };
}

function codings(concept: unknown): Coding[] {
  return asArray(concept).flatMap((c) =>
    typeof c === 'object' && c !== null ? asArray((c as { coding?: unknown }).coding) : [],
  ) as Coding[];
}

/** search.html#token: `code`, `system|code`, `|code` (no system) or `system|` (any code of it). */
function tokenMatches(path: string): Matcher {
  return (resource, value) => {
    const bar = value.indexOf('|');
    const system = bar === -1 ? undefined : value.slice(0, bar);
    const code = bar === -1 ? value : value.slice(bar + 1);
    const values = asArray(field(resource, path));
    // A plain code field (status, gender) is a token without a system.
    if (values.every((v) => typeof v === 'string')) return system === undefined && values.includes(code);
    return codings(values).some(
      (c) =>
        (system === undefined || (system === '' ? c.system === undefined : c.system === system)) &&
        (code === '' || c.code === code),
    );
  };
}

/** search.html#token on Identifier: `value` or `system|value`. */
const identifierMatches: Matcher = (resource, value) => {
  const bar = value.indexOf('|');
  const system = bar === -1 ? undefined : value.slice(0, bar);
  const wanted = bar === -1 ? value : value.slice(bar + 1);
  return asArray(field(resource, 'identifier')).some((i) => {
    const id = i as { system?: unknown; value?: unknown };
    return id.value === wanted && (system === undefined || id.system === system);
  });
};

/** search.html#string: case-insensitive "starts with" on any part of a HumanName. */
const nameMatches: Matcher = (resource, value) => {
  const needle = value.toLowerCase();
  return asArray(field(resource, 'name')).some((n) => {
    const name = n as { family?: unknown; given?: unknown; text?: unknown };
    return [name.family, ...asArray(name.given), name.text].some(
      (part) => typeof part === 'string' && part.toLowerCase().startsWith(needle),
    );
  });
};

const idMatches: Matcher = (resource, value) => resource.id === value;

const clinical = {
  patient: referenceMatches('Patient', 'subject'),
  subject: referenceMatches('Patient', 'subject'),
  encounter: referenceMatches('Encounter', 'encounter'),
};

/** The supported search parameters of each type (names as in the FHIR R4 search parameter registry). */
export const SEARCH_PARAMS: Readonly<Record<ResourceType, Readonly<Record<string, Matcher>>>> = {
  Patient: {
    _id: idMatches,
    identifier: identifierMatches,
    name: nameMatches,
    gender: tokenMatches('gender'),
  },
  Practitioner: { _id: idMatches, identifier: identifierMatches, name: nameMatches },
  Encounter: {
    _id: idMatches,
    patient: clinical.patient,
    subject: clinical.subject,
    status: tokenMatches('status'),
    class: tokenMatches('class'),
  },
  Observation: {
    _id: idMatches,
    ...clinical,
    category: tokenMatches('category'),
    code: tokenMatches('code'),
    status: tokenMatches('status'),
  },
  Condition: {
    _id: idMatches,
    ...clinical,
    category: tokenMatches('category'),
    code: tokenMatches('code'),
    'clinical-status': tokenMatches('clinicalStatus'),
  },
  MedicationRequest: {
    _id: idMatches,
    ...clinical,
    status: tokenMatches('status'),
    intent: tokenMatches('intent'),
    category: tokenMatches('category'),
    code: tokenMatches('medicationCodeableConcept'),
  },
};

/**
 * The matcher of a supported parameter. Own properties only: a name such as `__proto__`, `constructor` or
 * `toString` is a property of every object, and must be as unknown as any other unsupported name.
 */
function matcherFor(type: ResourceType, name: string): Matcher | undefined {
  const params = SEARCH_PARAMS[type];
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

/** One search criterion: a parameter and its comma-separated alternatives. */
export interface Criterion {
  readonly name: string;
  readonly values: readonly string[];
}

/** Whether a resource satisfies one criterion; an unsupported parameter never matches (fail closed). */
export function meetsCriterion(type: ResourceType, resource: FhirResource, c: Criterion): boolean {
  const matcher = matcherFor(type, c.name);
  return matcher !== undefined && c.values.some((v) => matcher(resource, v));
}

/**
 * Parses search criteria from URL parameters. Parameters the type does not support are returned apart:
 * FHIR servers ignore them by default and refuse them under `Prefer: handling=strict` (http.html#search).
 */
export function parseCriteria(
  type: ResourceType,
  params: URLSearchParams,
): { criteria: Criterion[]; unsupported: string[] } {
  const criteria: Criterion[] = [];
  const unsupported: string[] = [];
  for (const [name, value] of params) {
    if (name === '_format') continue;
    if (matcherFor(type, name) === undefined) {
      unsupported.push(name);
      continue;
    }
    criteria.push({ name, values: value.split(',').filter((v) => v !== '') });
  }
  return { criteria, unsupported };
}

/**
 * The patient a resource belongs to (its Patient compartment, FHIR R4 compartmentdefinition-patient), if any:
 * its `subject`, else its `patient` (AllergyIntolerance, Immunization, Claim … name the patient so).
 */
export function patientOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  for (const name of ['subject', 'patient']) {
    const value = field(resource, name);
    if (value === undefined) continue;
    // The first field present decides. Any other shape (a list, which search reads reference by reference, or
    // a reference without one) belongs to no single patient: fail closed rather than fall through to `patient`.
    const ref =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as { reference?: unknown }).reference
        : undefined;
    return typeof ref === 'string' && ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
  }
  return undefined;
}
