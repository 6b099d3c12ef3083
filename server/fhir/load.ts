import type { FhirResource } from './data.js';
import { FHIR_ID, isR4ResourceType } from './r4-resource-types.js';

/**
 * Reads FHIR R4 data a developer brings (README "Your FHIR data"): a Bundle (collection, transaction, batch,
 * searchset; Synthea's patient bundles as they come), a single resource, or NDJSON (one resource a line, as
 * bulk data export writes it). All or nothing: the first problem refuses the whole file, naming the file, the
 * entry and the field.
 */

/** A file that cannot be loaded; nothing of it was loaded. */
export class FhirLoadError extends Error {
  constructor(
    readonly file: string,
    /** Where in the file: `entry[3]` of a bundle, `line 7` of NDJSON; undefined for the file as a whole. */
    readonly entry: string | undefined,
    /** The field at fault, from the resource's root (`subject.reference`), or undefined. */
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super([file, entry, field].filter((p): p is string => p !== undefined).join(': ') + `: ${problem}`);
    this.name = 'FhirLoadError';
  }
}

/** Bundle types whose entries are resources to keep (FHIR R4 bundle.html#bundle-types). */
const LOADABLE_BUNDLES = ['collection', 'transaction', 'batch', 'searchset'] as const;

/** How deep a resource may nest: far beyond any FHIR resource, far below a stack overflow. */
const MAX_DEPTH = 64;

interface Entry {
  readonly where: string | undefined;
  /** Path from the file's root to the resource (`entry[3].resource`), for field names. */
  readonly at: string;
  readonly fullUrl: string | undefined;
  readonly resource: unknown;
  /** The type a transaction entry's request names (`POST Patient`), used when the resource has no id. */
  readonly requestUrl: string | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(file: string, text: string, where: string | undefined): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'parse error';
    throw new FhirLoadError(file, where, undefined, `is not valid JSON (${detail})`);
  }
}

/** The documents of a file: one JSON document, or NDJSON lines when the whole is not one document. */
function documents(file: string, text: string): { doc: unknown; where: string | undefined }[] {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new FhirLoadError(file, undefined, undefined, 'is empty; expected FHIR JSON or NDJSON');
  const lines = trimmed.split(/\r?\n/);
  const ndjson =
    /\.ndjson$/i.test(file) ||
    (lines.length > 1 && lines.every((l) => /^\s*(\{.*\})?\s*$/.test(l)) && !isWholeJson(trimmed));
  if (!ndjson) return [{ doc: parseJson(file, trimmed, undefined), where: undefined }];
  return lines.flatMap((line, i) =>
    line.trim() === '' ? [] : [{ doc: parseJson(file, line, `line ${i + 1}`), where: `line ${i + 1}` }],
  );
}

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function entriesOf(file: string, doc: unknown, where: string | undefined): Entry[] {
  if (!isObject(doc)) {
    throw new FhirLoadError(
      file,
      where,
      undefined,
      'is not a JSON object; expected a FHIR resource or Bundle',
    );
  }
  if (doc['resourceType'] !== 'Bundle') {
    return [{ where, at: '', fullUrl: undefined, resource: doc, requestUrl: undefined }];
  }
  const type = doc['type'];
  if (!(LOADABLE_BUNDLES as readonly unknown[]).includes(type)) {
    throw new FhirLoadError(
      file,
      where,
      'type',
      `Bundle type ${JSON.stringify(type)} is not loadable; expected one of ${LOADABLE_BUNDLES.join(', ')}`,
    );
  }
  const entries = doc['entry'] ?? [];
  if (!Array.isArray(entries)) throw new FhirLoadError(file, where, 'entry', 'is not an array');
  return entries.map((e: unknown, i): Entry => {
    const here = `${where === undefined ? '' : `${where} `}entry[${i}]`;
    if (!isObject(e)) throw new FhirLoadError(file, here, undefined, 'is not an object');
    const fullUrl = e['fullUrl'];
    if (fullUrl !== undefined && typeof fullUrl !== 'string') {
      throw new FhirLoadError(file, here, 'fullUrl', 'is not a string');
    }
    const request = e['request'];
    const requestUrl = isObject(request) && typeof request['url'] === 'string' ? request['url'] : undefined;
    if (e['resource'] === undefined) throw new FhirLoadError(file, here, 'resource', 'is missing');
    return { where: here, at: 'resource.', fullUrl, resource: e['resource'], requestUrl };
  });
}

/** Checks resourceType and id, and gives a transaction's `POST` entry the id its urn:uuid fullUrl carries. */
function identify(file: string, entry: Entry): FhirResource {
  const r = entry.resource;
  const fromUrl = entry.fullUrl?.startsWith('urn:uuid:') === true ? entry.fullUrl.slice(9) : undefined;
  // A transaction may create without ids (http.html#transaction); Synthea's urn:uuid names the new resource.
  const withId = isObject(r) && r['id'] === undefined && fromUrl !== undefined ? { ...r, id: fromUrl } : r;
  return identifyResource(file, withId, entry.where, entry.at);
}

/**
 * What every stored resource must be: a JSON object with a FHIR R4 `resourceType` (not a Bundle: its entries
 * are what is stored) and an `id` by the FHIR id rule. Throws a FhirLoadError naming the field.
 */
export function identifyResource(file: string, r: unknown, where?: string, at = ''): FhirResource {
  const entry = { where, at };
  if (!isObject(r))
    throw new FhirLoadError(file, entry.where, entry.at.slice(0, -1) || undefined, 'is not a JSON object');
  const type = r['resourceType'];
  if (typeof type !== 'string' || !isR4ResourceType(type) || type === 'Bundle') {
    throw new FhirLoadError(
      file,
      entry.where,
      `${entry.at}resourceType`,
      type === 'Bundle'
        ? 'a Bundle inside a Bundle is not loadable; load its entries'
        : `${JSON.stringify(type)} is not a FHIR R4 resource type`,
    );
  }
  const id = r['id'];
  if (typeof id !== 'string' || !FHIR_ID.test(id)) {
    throw new FhirLoadError(
      file,
      entry.where,
      `${entry.at}id`,
      `${id === undefined ? 'is missing' : `${JSON.stringify(id)} is not a FHIR id`}; expected 1 to 64 of A-Z a-z 0-9 - . (FHIR R4 datatypes.html#id)`,
    );
  }
  return { ...r, resourceType: type, id };
}

/**
 * Rewrites every `reference` that names another entry by its fullUrl (`urn:uuid:…`, or an absolute URL) to
 * the `Type/id` the FHIR base serves (bundle.html#references); a urn:uuid naming no entry is refused. A
 * conditional reference (`Practitioner?identifier=…`, as Synthea writes) is resolved against the file's own
 * resources when one matches, else kept as written.
 */
function resolveReferences(
  file: string,
  entry: Entry,
  resource: FhirResource,
  byFullUrl: ReadonlyMap<string, string>,
  conditional: (ref: string) => string | undefined,
): FhirResource {
  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) {
      throw new FhirLoadError(file, entry.where, path, `nests deeper than ${MAX_DEPTH} levels`);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const here = path === '' ? key : `${path}.${key}`;
      // Assigning `__proto__` would set the copy's prototype instead of a field: no FHIR element has that name.
      if (key === '__proto__') {
        throw new FhirLoadError(file, entry.where, `${entry.at}${here}`, 'is not a FHIR element name');
      }
      if (key === 'reference' && typeof v === 'string') {
        out[key] = rewrite(v, here);
      } else {
        out[key] = walk(v, here, depth + 1);
      }
    }
    return out;
  };
  const rewrite = (ref: string, path: string): string => {
    const target = byFullUrl.get(ref);
    if (target !== undefined) return target;
    if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) {
      throw new FhirLoadError(
        file,
        entry.where,
        `${entry.at}${path}`,
        `${ref} names no entry of this file (a dangling reference); expected the fullUrl of one of its entries`,
      );
    }
    return ref.includes('?') ? (conditional(ref) ?? ref) : ref;
  };
  return walk(resource, '', 0) as FhirResource;
}

/** `Type?identifier=system|value` against the file's resources (Synthea's practitioner and organization refs). */
function conditionalResolver(resources: readonly FhirResource[]): (ref: string) => string | undefined {
  return (ref) => {
    const [type, query] = ref.split('?', 2);
    if (type === undefined || query === undefined) return undefined;
    const wanted = new URLSearchParams(query).get('identifier');
    if (wanted === null) return undefined;
    const bar = wanted.indexOf('|');
    const system = bar === -1 ? undefined : wanted.slice(0, bar);
    const value = bar === -1 ? wanted : wanted.slice(bar + 1);
    const found = resources.find(
      (r) =>
        r.resourceType === type &&
        Array.isArray(r['identifier']) &&
        (r['identifier'] as unknown[]).some(
          (i) => isObject(i) && i['value'] === value && (system === undefined || i['system'] === system),
        ),
    );
    return found === undefined ? undefined : `${found.resourceType}/${found.id}`;
  };
}

/**
 * Parses one file's text into the resources to store, with references between them resolved. Throws a
 * FhirLoadError at the first problem; `maxResources` bounds how many one file may hold.
 */
export function parseFhirFile(file: string, text: string, maxResources: number): FhirResource[] {
  const entries = documents(file, text).flatMap(({ doc, where }) => entriesOf(file, doc, where));
  if (entries.length > maxResources) {
    throw new FhirLoadError(
      file,
      undefined,
      undefined,
      `holds ${entries.length} resources; at most ${maxResources} fit (the FHIR resources limit, limits.fhirResources)`,
    );
  }
  const identified = entries.map((e) => identify(file, e));
  const byFullUrl = new Map<string, string>();
  entries.forEach((e, i) => {
    const r = identified[i];
    if (e.fullUrl !== undefined && r !== undefined) byFullUrl.set(e.fullUrl, `${r.resourceType}/${r.id}`);
  });
  const conditional = conditionalResolver(identified);
  return entries.map((e, i) => {
    const r = identified[i];
    if (r === undefined) throw new Error('every entry was identified');
    return resolveReferences(file, e, r, byFullUrl, conditional);
  });
}
