import type { FhirResource, ResourceType } from './data.js';

/**
 * FHIR R4 search (http.html#search, search.html) for the parameters the sandbox supports: each matcher
 * reads one value once and returns the test of a resource (a search tests every resource of its type, so
 * nothing per value is redone per resource); a comma inside a value is OR (search.html#combining), a repeated
 * parameter is AND.
 */
type Matcher = (value: string) => (resource: FhirResource) => boolean;

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
  return (value) => {
    const parts = value.split('/');
    const target = parts.length >= 2 ? parts.slice(-2).join('/') : `${type}/${value}`;
    return (resource) =>
      asArray(field(resource, path)).some(
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
  return (value) => {
    const bar = value.indexOf('|');
    const system = bar === -1 ? undefined : value.slice(0, bar);
    const code = bar === -1 ? value : value.slice(bar + 1);
    return (resource) => {
      const values = asArray(field(resource, path));
      // A plain code field (status, gender) is a token without a system.
      if (values.every((v) => typeof v === 'string')) return system === undefined && values.includes(code);
      return codings(values).some(
        (c) =>
          (system === undefined || (system === '' ? c.system === undefined : c.system === system)) &&
          (code === '' || c.code === code),
      );
    };
  };
}

/** search.html#token on Identifier: `value` or `system|value`. */
const identifierMatches: Matcher = (value) => {
  const bar = value.indexOf('|');
  const system = bar === -1 ? undefined : value.slice(0, bar);
  const wanted = bar === -1 ? value : value.slice(bar + 1);
  return (resource) =>
    asArray(field(resource, 'identifier')).some((i) => {
      const id = i as { system?: unknown; value?: unknown };
      return id.value === wanted && (system === undefined || id.system === system);
    });
};

/** search.html#string: case-insensitive "starts with" on any part of a HumanName. */
const nameMatches: Matcher = (value) => {
  const needle = value.toLowerCase();
  return (resource) =>
    asArray(field(resource, 'name')).some((n) => {
      const name = n as { family?: unknown; given?: unknown; text?: unknown };
      return [name.family, ...asArray(name.given), name.text].some(
        (part) => typeof part === 'string' && part.toLowerCase().startsWith(needle),
      );
    });
};

const idMatches: Matcher = (value) => (resource) => resource.id === value;

/** A span of time, half-open [start, end) in epoch milliseconds. */
interface Span {
  readonly start: number;
  readonly end: number;
}

// datatypes.html#date / #dateTime / #instant: a date's precision is what it states; a time without a zone is
// read as UTC (the sandbox has no local time zone of its own).
const FHIR_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The span a FHIR date, dateTime or instant covers at its precision (search.html#date); undefined if malformed. */
export function dateSpan(text: string): Span | undefined {
  const m = FHIR_DATE.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const n = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : Number(v));
  const ms = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  const offset =
    zone === undefined || zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const at = (
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    sec: number,
    milli: number,
  ) => Date.UTC(year, month, day, hour, minute, sec, milli) - offset * 60_000;
  const year = Number(y);
  const month = n(mo, 1) - 1;
  const day = n(d, 1);
  if (month > 11 || day < 1 || day > 31) return undefined;
  const start = at(year, month, day, n(h, 0), n(mi, 0), n(s, 0), ms);
  const end =
    mo === undefined
      ? at(year + 1, 0, 1, 0, 0, 0, 0)
      : d === undefined
        ? at(year, month + 1, 1, 0, 0, 0, 0)
        : h === undefined
          ? at(year, month, day + 1, 0, 0, 0, 0)
          : s === undefined
            ? start + 60_000
            : frac === undefined
              ? start + 1000
              : start + 1;
  return Number.isNaN(start) ? undefined : { start, end };
}

/** search.html#prefix: the prefixes the sandbox supports on dates (`ap` is not one). */
const DATE_PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb'] as const;
type DatePrefix = (typeof DATE_PREFIXES)[number];

/** A date search value: its prefix (eq when none) and the span it names; undefined if malformed. */
export function parseDateValue(value: string): { prefix: DatePrefix; span: Span } | undefined {
  const head = value.slice(0, 2);
  const prefix = (DATE_PREFIXES as readonly string[]).includes(head) ? (head as DatePrefix) : undefined;
  const span = dateSpan(prefix === undefined ? value : value.slice(2));
  return span === undefined ? undefined : { prefix: prefix ?? 'eq', span };
}

/** search.html#prefix, with the resource's value as a span too: how each prefix compares the two ranges. */
function compareSpans(prefix: DatePrefix, target: Span, param: Span): boolean {
  const eq = target.start >= param.start && target.end <= param.end;
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return !eq;
    case 'gt':
      return target.end > param.end;
    case 'lt':
      return target.start < param.start;
    case 'ge':
      return eq || target.end > param.end;
    case 'le':
      return eq || target.start < param.start;
    case 'sa':
      return target.start >= param.end;
    case 'eb':
      return target.end <= param.start;
  }
}

/** The spans a resource's date element covers: a date/dateTime/instant, or a Period (an open end is unbounded). */
function spansOf(value: unknown): Span[] {
  if (typeof value === 'string') {
    const span = dateSpan(value);
    return span === undefined ? [] : [span];
  }
  if (typeof value === 'object' && value !== null) {
    const { start, end } = value as { start?: unknown; end?: unknown };
    const from = typeof start === 'string' ? dateSpan(start) : undefined;
    const to = typeof end === 'string' ? dateSpan(end) : undefined;
    if (from === undefined && to === undefined) return [];
    return [{ start: from?.start ?? -Infinity, end: to?.end ?? Infinity }];
  }
  return [];
}

/** The first of these element paths the resource has, as spans (a choice type such as effective[x]). */
function dateOf(resource: FhirResource, paths: readonly string[]): Span[] {
  for (const path of paths) {
    const value =
      path === 'meta.lastUpdated'
        ? (resource['meta'] as { lastUpdated?: unknown } | undefined)?.lastUpdated
        : field(resource, path);
    if (value !== undefined) return spansOf(value);
  }
  return [];
}

/** search.html#date: a date parameter over these element paths; a value is prefix + FHIR date. */
function dateMatches(...paths: string[]): Matcher {
  const matcher: Matcher = (value) => {
    const parsed = parseDateValue(value);
    if (parsed === undefined) return () => false;
    return (resource) => dateOf(resource, paths).some((s) => compareSpans(parsed.prefix, s, parsed.span));
  };
  DATE_PATHS.set(matcher, paths);
  return matcher;
}

/** The element paths of each date matcher: what `_sort` orders by, and how values are checked. */
const DATE_PATHS = new WeakMap<Matcher, readonly string[]>();

const lastUpdated = dateMatches('meta.lastUpdated');

const clinical = {
  patient: referenceMatches('Patient', 'subject'),
  subject: referenceMatches('Patient', 'subject'),
  encounter: referenceMatches('Encounter', 'encounter'),
};

/** The supported search parameters of each type (names as in the FHIR R4 search parameter registry). */
export const SEARCH_PARAMS: Readonly<Record<ResourceType, Readonly<Record<string, Matcher>>>> = {
  Patient: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    identifier: identifierMatches,
    name: nameMatches,
    gender: tokenMatches('gender'),
  },
  Practitioner: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    identifier: identifierMatches,
    name: nameMatches,
  },
  RelatedPerson: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    identifier: identifierMatches,
    name: nameMatches,
    patient: referenceMatches('Patient', 'patient'),
  },
  Encounter: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    date: dateMatches('period'),
    patient: clinical.patient,
    subject: clinical.subject,
    status: tokenMatches('status'),
    class: tokenMatches('class'),
  },
  Observation: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    ...clinical,
    date: dateMatches('effectiveDateTime', 'effectivePeriod', 'effectiveInstant'),
    category: tokenMatches('category'),
    code: tokenMatches('code'),
    status: tokenMatches('status'),
  },
  Condition: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    ...clinical,
    'onset-date': dateMatches('onsetDateTime', 'onsetPeriod'),
    'recorded-date': dateMatches('recordedDate'),
    category: tokenMatches('category'),
    code: tokenMatches('code'),
    'clinical-status': tokenMatches('clinicalStatus'),
  },
  MedicationRequest: {
    _id: idMatches,
    _lastUpdated: lastUpdated,
    ...clinical,
    authoredon: dateMatches('authoredOn'),
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
  return matchesAll(type, [c])(resource);
}

/**
 * The test of a resource against every criterion (AND), each of its values read once (OR among them); an
 * unsupported parameter never matches (fail closed).
 */
export function matchesAll(type: ResourceType, criteria: readonly Criterion[]): (r: FhirResource) => boolean {
  const tests = criteria.map((c) => {
    const matcher = matcherFor(type, c.name);
    const alternatives = matcher === undefined ? [] : c.values.map((v) => matcher(v));
    return (r: FhirResource) => alternatives.some((test) => test(r));
  });
  return (r) => tests.every((test) => test(r));
}

/** search.html#sort: a date parameter of the type (or `_lastUpdated`), ascending unless prefixed with `-`. */
export interface SortBy {
  readonly name: string;
  readonly descending: boolean;
}

/** What a search asks beyond its criteria: paging (search.html#count), order, includes and summary. */
export interface SearchControls {
  /** Entries per page: `_count`, at most `SEARCH_LIMITS.maxCount`. */
  readonly count: number;
  /** Whether the request named `_count` (else a single page's links need not state it). */
  readonly countAsked: boolean;
  /** Entries skipped before this page (`_offset`, as the paging links write it). */
  readonly offset: number;
  readonly sort: SortBy | undefined;
  /** `_include=Type:patient` (or `:subject`), as asked: add each match's patient, search.mode `include`. */
  readonly include: string | undefined;
  /** `_summary=count`: the total alone, no entries (search.html#summary). */
  readonly summaryCount: boolean;
}

/** A search request as parsed: criteria, controls, what is not supported, and values that are malformed. */
export interface ParsedSearch {
  readonly criteria: Criterion[];
  readonly controls: SearchControls;
  /** Parameters (or `_include` / `_summary` values) not supported: ignored unless `Prefer: handling=strict`. */
  readonly unsupported: string[];
  /** Malformed values of supported parameters, each saying what was expected: always refused. */
  readonly errors: string[];
}

/** Bounds on a search's page (README "Search"): a page is at most `maxCount` entries. */
export const SEARCH_LIMITS = { defaultCount: 50, maxCount: 500 } as const;

const COUNT = /^\d{1,9}$/;

/**
 * Parses a search's URL parameters. Parameters the type does not support are returned apart: FHIR servers
 * ignore them by default and refuse them under `Prefer: handling=strict` (http.html#search); a malformed value
 * of a supported one (a date that is not one, a negative `_count`) is an error either way.
 */
export function parseSearch(type: ResourceType, params: URLSearchParams): ParsedSearch {
  const criteria: Criterion[] = [];
  const unsupported: string[] = [];
  const errors: string[] = [];
  let count: number = SEARCH_LIMITS.defaultCount;
  let countAsked = false;
  let offset = 0;
  let sort: SortBy | undefined;
  let include: string | undefined;
  let summaryCount = false;
  for (const [name, value] of params) {
    switch (name) {
      case '_format':
        continue;
      case '_count':
      case '_offset': {
        if (!COUNT.test(value)) {
          errors.push(`${name}=${value}: expected a whole number of 0 or more`);
          continue;
        }
        // search.html#count: a server may return fewer than asked; the self link says how many it used.
        if (name === '_count') {
          count = Math.min(Number(value), SEARCH_LIMITS.maxCount);
          countAsked = true;
        } else offset = Number(value);
        continue;
      }
      case '_sort': {
        const descending = value.startsWith('-');
        const by = descending ? value.slice(1) : value;
        if (!sortable(type, by)) {
          const options = Object.keys(SEARCH_PARAMS[type]).filter((n) => sortable(type, n));
          errors.push(`_sort=${value}: ${type} sorts by ${options.join(', ')} (with - for descending)`);
          continue;
        }
        sort = { name: by, descending };
        continue;
      }
      case '_include': {
        const [source, param, target] = value.split(':');
        const reference = param === 'patient' || param === 'subject';
        if (
          source === type &&
          reference &&
          matcherFor(type, param) !== undefined &&
          (target ?? 'Patient') === 'Patient'
        ) {
          include = value;
        } else unsupported.push(`_include=${value}`);
        continue;
      }
      case '_summary':
        if (value === 'count') summaryCount = true;
        else if (value !== 'false') unsupported.push(`_summary=${value}`);
        continue;
    }
    const matcher = matcherFor(type, name);
    if (matcher === undefined) {
      unsupported.push(name);
      continue;
    }
    const values = value.split(',').filter((v) => v !== '');
    if (DATE_PATHS.has(matcher)) {
      const bad = values.find((v) => parseDateValue(v) === undefined);
      if (bad !== undefined) {
        errors.push(
          `${name}=${bad}: expected a FHIR date with an optional prefix (${DATE_PREFIXES.join(', ')}), as ge2026-10 or lt2026-10-14T09:00:00Z`,
        );
        continue;
      }
    }
    criteria.push({ name, values });
  }
  return {
    criteria,
    controls: { count, countAsked, offset, sort, include, summaryCount },
    unsupported,
    errors,
  };
}

function sortable(type: ResourceType, name: string): boolean {
  const matcher = matcherFor(type, name);
  return matcher !== undefined && DATE_PATHS.has(matcher);
}

/** Orders matches by a date parameter (search.html#sort); resources without the date come last either way. */
export function sortMatches(
  type: ResourceType,
  matches: FhirResource[],
  sort: SortBy | undefined,
): FhirResource[] {
  if (sort === undefined) return matches;
  const matcher = matcherFor(type, sort.name);
  const paths = matcher === undefined ? undefined : DATE_PATHS.get(matcher);
  if (paths === undefined) return matches;
  const keyed = matches.map((r) => ({ r, key: dateOf(r, paths)[0]?.start }));
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) return a.key === b.key ? 0 : a.key === undefined ? 1 : -1;
    return sort.descending ? b.key - a.key : a.key - b.key;
  });
  return keyed.map((k) => k.r);
}

/**
 * The parameters a search page's links state (http.html#search: the self link says what the server used);
 * `_count` when asked for or when the results span more than one page.
 */
export function searchQuery(parsed: ParsedSearch, offset: number, paged: boolean): string {
  const { controls } = parsed;
  const pairs: [string, string][] = parsed.criteria.map((c) => [c.name, c.values.join(',')]);
  if (controls.sort) pairs.push(['_sort', `${controls.sort.descending ? '-' : ''}${controls.sort.name}`]);
  if (controls.include !== undefined) pairs.push(['_include', controls.include]);
  if (controls.summaryCount) pairs.push(['_summary', 'count']);
  else if (paged || controls.countAsked) {
    pairs.push(['_count', String(controls.count)]);
    if (offset > 0) pairs.push(['_offset', String(offset)]);
  }
  return new URLSearchParams(pairs).toString();
}

/**
 * The patient a resource belongs to (its Patient compartment, FHIR R4 compartmentdefinition-patient), if any:
 * its `subject`, else its `patient` (AllergyIntolerance, Immunization, Claim … name the patient so); none when
 * both are present and name different patients.
 */
export function patientOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  let owner: string | undefined;
  for (const name of ['subject', 'patient']) {
    const value = field(resource, name);
    if (value === undefined) continue;
    // Any other shape (a list, which search reads reference by reference, or a reference without one) belongs
    // to no single patient: fail closed rather than fall through to `patient`.
    const ref =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as { reference?: unknown }).reference
        : undefined;
    if (typeof ref !== 'string' || !ref.startsWith('Patient/')) return undefined;
    const id = ref.slice('Patient/'.length);
    // No R4 type has both elements: one of two naming different patients is a stray, and whichever the
    // sandbox read, FHIR (an upstream, the user compartment) might read the other. Fail closed.
    if (owner !== undefined && owner !== id) return undefined;
    owner = id;
  }
  return owner;
}
