import { verdictOf } from './runner.js';
import { parseJson, queryParams, type WireRequest, type WireResponse } from './wire.js';

/**
 * The same step against two issuers, as rows a trainer can point at: which endpoint each called, what it sent,
 * the status, where it redirected, the fields each answered with and its verdict, each row marked alike or not.
 */

/** How the two sides of a row compare. */
export type DiffKind = 'same' | 'differs' | 'only-left' | 'only-right';

/** Which part of the exchange a row is about, in the order they are shown. */
export type DiffSection = 'endpoint' | 'param' | 'status' | 'redirect' | 'field' | 'header' | 'outcome';

export interface DiffRow {
  readonly section: DiffSection;
  readonly name: string;
  /** The value as the left issuer sent or answered it; undefined when that side has none. */
  readonly left: string | undefined;
  readonly right: string | undefined;
  readonly kind: DiffKind;
  /**
   * A value every walk draws anew (a code, a state, a token): two walks never share it, so only whether each side
   * has one is compared.
   */
  readonly perWalk: boolean;
}

/** One side's exchange, and where its issuer lives, so its own URLs compare by what follows them. */
export interface ExchangeSide {
  readonly request: WireRequest | undefined;
  readonly response: WireResponse | undefined;
  /** The sandbox's origin: its own pages (the callback) are the same for every issuer. */
  readonly origin: string;
  /** The issuer's base URL, its `iss` (README "Many issuers"). */
  readonly issuer: string;
  /** Its admin API prefix, `/_sandbox/api` or `/_sandbox/api/issuers/NAME`. */
  readonly admin: string;
}

/** Values each walk makes afresh (RFC 6749 §4.1.2, §5.1; RFC 7636 §4.1–4.2; OpenID Core §3.1.2.1). */
const PER_WALK = new Set([
  'code',
  'state',
  'nonce',
  'code_challenge',
  'code_verifier',
  'access_token',
  'refresh_token',
  'id_token',
  'client_assertion',
]);

/** Response headers whose difference means something to a client: caching, CORS, the bearer challenge. */
const TELLING_HEADERS = [
  'content-type',
  'cache-control',
  'pragma',
  'www-authenticate',
  'access-control-allow-origin',
];

/**
 * A value with its own issuer's URLs written as `‹issuer›` and `‹admin›`, so `…/i/medirecords/fhir` and
 * `…/i/iehr/fhir` compare alike. The sandbox's own pages (`/_sandbox/…`) serve every issuer and stay as they are.
 */
function normalise(value: string, side: ExchangeSide): string {
  const admin = `${side.origin}${side.admin}`;
  if (value.startsWith(admin)) return `‹admin›${value.slice(admin.length)}`;
  if (value.startsWith(`${side.origin}/_sandbox/`)) return value;
  if (value.startsWith(side.issuer)) return `‹issuer›${value.slice(side.issuer.length)}`;
  return value;
}

type Pairs = readonly (readonly [string, string])[];

/** The rows of one section: every name either side has, the left side's order first. */
function rowsOf(
  section: DiffSection,
  left: Pairs,
  right: Pairs,
  l: ExchangeSide,
  r: ExchangeSide,
): DiffRow[] {
  const names = [...new Set([...left.map(([n]) => n), ...right.map(([n]) => n)])];
  const lookup = (pairs: Pairs, name: string) => pairs.find(([n]) => n === name)?.[1];
  return names.map((name) => {
    const a = lookup(left, name);
    const b = lookup(right, name);
    const perWalk = PER_WALK.has(name);
    let kind: DiffKind;
    if (a === undefined) kind = 'only-right';
    else if (b === undefined) kind = 'only-left';
    else kind = perWalk || normalise(a, l) === normalise(b, r) ? 'same' : 'differs';
    return { section, name, left: a, right: b, kind, perWalk };
  });
}

function endpointOf(request: WireRequest | undefined): Pairs {
  if (request === undefined) return [];
  const url = new URL(request.url);
  return [
    ['method', request.method],
    ['url', `${url.origin}${url.pathname}`],
  ];
}

function paramsOf(request: WireRequest | undefined): Pairs {
  if (request === undefined) return [];
  return [...queryParams(request.url), ...Object.entries(request.form ?? {})];
}

function statusOf(response: WireResponse | undefined): Pairs {
  if (response === undefined) return [];
  // The browser followed the redirect (wire.ts): what matters is that it was one.
  return [['status', response.redirectedTo === undefined ? String(response.status) : 'redirect']];
}

function redirectOf(response: WireResponse | undefined): Pairs {
  return response?.redirectedTo === undefined ? [] : queryParams(response.redirectedTo);
}

function fieldsOf(response: WireResponse | undefined): Pairs {
  const json = response === undefined ? undefined : parseJson(response.body);
  if (json === undefined) return [];
  return Object.entries(json).map(([k, v]): [string, string] => [
    k,
    typeof v === 'string' ? v : JSON.stringify(v),
  ]);
}

function headersOf(response: WireResponse | undefined): Pairs {
  if (response === undefined) return [];
  const lower = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return TELLING_HEADERS.flatMap((name): [string, string][] => {
    const value = lower[name];
    return value === undefined ? [] : [[name, value]];
  });
}

/** Accepted or rejected, with the OAuth error word of a refusal (RFC 6749 §4.1.2.1, §5.2). */
function outcomeOf(response: WireResponse | undefined): Pairs {
  if (response === undefined) return [];
  const verdict = verdictOf(response);
  const word = verdict.ok ? 'accepted' : `rejected: ${verdict.text.split(':')[0] ?? ''}`;
  return [['outcome', word]];
}

/** Compares the same step as two issuers answered it, row by row. */
export function compareExchanges(left: ExchangeSide, right: ExchangeSide): DiffRow[] {
  const parts: [DiffSection, (s: ExchangeSide) => Pairs][] = [
    ['endpoint', (s) => endpointOf(s.request)],
    ['param', (s) => paramsOf(s.request)],
    ['status', (s) => statusOf(s.response)],
    ['outcome', (s) => outcomeOf(s.response)],
    ['redirect', (s) => redirectOf(s.response)],
    ['field', (s) => fieldsOf(s.response)],
    ['header', (s) => headersOf(s.response)],
  ];
  return parts.flatMap(([section, pick]) => rowsOf(section, pick(left), pick(right), left, right));
}

/** How many rows differ, for the step list's badge ("3 differences"). */
export function differenceCount(rows: readonly DiffRow[]): number {
  return rows.filter((r) => r.kind !== 'same').length;
}
