import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequest } from './errors.js';

/**
 * The one parser of `application/x-www-form-urlencoded` text (form bodies and query strings) in the server,
 * and the one place a request URL is split into path and query. The FHIR base alone reads its search
 * parameters with `URLSearchParams` (fhir/routes.ts): FHIR search repeats names on purpose (RFC 6749's
 * strictness does not apply) and relays the query to an upstream as sent.
 * Layers, from the wire up: `formPairs` splits the text into the pairs as sent; `parseForm` decodes them into
 * a multi-map (strictly, or leniently for the exchange log, which must read what it cannot decode);
 * `parseStrictForm` refuses a name sent twice and yields one value per name; `readFormBody` and `readParams`
 * read an OAuth endpoint's request with them.
 */

/** Parameters of a form body or query string: one value per name, never an array. */
export type Params = ReadonlyMap<string, string>;
/** Every value sent under each name, in the order sent, empty values included. */
export type MultiParams = ReadonlyMap<string, readonly string[]>;

export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Form bodies above this are refused; node-oidc-provider uses 56 KiB, Fastify's 1 MiB is far too generous. */
export const OAUTH_BODY_LIMIT = 64 * 1024;

/** The media type of a Content-Type header, lower case and without parameters (RFC 9110 §8.3.1). */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/**
 * Makes a Fastify scope hand every body over as a raw string, up to `OAUTH_BODY_LIMIT`, so the content-type
 * and encoding rules are the endpoint's to enforce with this module, not Fastify's lenient defaults
 * (`@fastify/formbody` turns a repeated parameter into an array and passes malformed escapes through).
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: OAUTH_BODY_LIMIT }, (_req, body, done) => {
    done(null, body);
  });
}

/**
 * RFC 6749 §3.2 and §2.3: the token, introspection and revocation endpoints take
 * `application/x-www-form-urlencoded` bodies only. A charset parameter is allowed, nothing else.
 */
export function requireFormContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') {
    throw new InvalidRequest(`the request has no Content-Type; expected ${FORM_TYPE}`, {
      rule: 'RFC 6749 §3.2',
    });
  }
  const type = mediaType(contentType);
  if (type !== FORM_TYPE) {
    throw new InvalidRequest(`Content-Type ${type ?? ''} is not accepted; expected ${FORM_TYPE}`, {
      rule: 'RFC 6749 §3.2',
    });
  }
}

/** The path of a request URL: everything before the first `?`. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The query string of a request URL: everything after the first `?`. */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/** One `name=value` pair as sent, still encoded; `value` is undefined for a bare `name` without `=`. */
export interface RawPair {
  readonly name: string;
  readonly value: string | undefined;
}

/**
 * Every `&`-separated piece of a form, as sent and in order, empty ones included: joining them back with
 * `&` gives the text again, which is what masking needs.
 */
export function formPairs(raw: string): RawPair[] {
  return raw.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq === -1
      ? { name: pair, value: undefined }
      : { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
}

/** One name or value decoded (`+` is a space, HTML 4.01 §17.13.4.1), or undefined when its escapes are malformed. */
export function decodeFormComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * A name or value decoded as far as it can be: every well-formed `%XX` run is decoded, a broken one is left
 * as sent. For reading what a request said (the exchange log, masking), never for acting on it.
 */
export function decodeLeniently(raw: string): string {
  return raw.replaceAll('+', ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Decodes one name or value strictly. The error names the parameter, never echoes a value: the value may be a
 * client_secret, and the error description travels to the client, the exchange log and its curl copy.
 */
function decodeStrictly(raw: string, name?: string): string {
  const decoded = decodeFormComponent(raw);
  if (decoded !== undefined) return decoded;
  const where =
    name === undefined ? `the parameter name "${raw.slice(0, 40)}"` : `the value of parameter ${name}`;
  throw new InvalidRequest(`malformed percent-encoding in ${where}; expected %XX escapes of UTF-8 bytes`, {
    rule: 'RFC 3986 §2.1',
  });
}

/**
 * Parses a form body or query string into every value of every name. `strict` (the default) refuses
 * malformed percent-encoding with `invalid_request` instead of passing it through (RFC 3986 §2.1);
 * `lenient` decodes what it can (`decodeLeniently`), for readers that must not fail.
 */
export function parseForm(raw: string, decoding: 'strict' | 'lenient' = 'strict'): MultiParams {
  const params = new Map<string, string[]>();
  for (const pair of formPairs(raw)) {
    // `a=1&&b=2` and an empty form hold empty pieces, which carry no parameter.
    if (pair.name === '' && pair.value === undefined) continue;
    const name = decoding === 'strict' ? decodeStrictly(pair.name) : decodeLeniently(pair.name);
    const value =
      pair.value === undefined
        ? ''
        : decoding === 'strict'
          ? decodeStrictly(pair.value, name)
          : decodeLeniently(pair.value);
    const values = params.get(name);
    if (values === undefined) params.set(name, [value]);
    else values.push(value);
  }
  return params;
}

/**
 * RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the request."
 * The multi-map without its empty values (and without names left with none).
 */
export function withoutEmpty(params: MultiParams): MultiParams {
  const out = new Map<string, readonly string[]>();
  for (const [name, values] of params) {
    const present = values.filter((v) => v !== '');
    if (present.length > 0) out.set(name, present);
  }
  return out;
}

/** The first name sent more than once, if any (empty values count: the name was still sent twice). */
export function repeatedName(params: MultiParams): string | undefined {
  for (const [name, values] of params) if (values.length > 1) return name;
  return undefined;
}

/**
 * The strict layer: a parameter sent twice is an error (RFC 6749 §3.1 and §3.2: "Request and response
 * parameters MUST NOT be included more than once"), and empty values count as absent (RFC 6749 §3.1).
 */
export function singleValued(params: MultiParams): Params {
  const repeated = repeatedName(params);
  if (repeated !== undefined) {
    throw new InvalidRequest(`parameter ${repeated} was sent more than once`, { rule: 'RFC 6749 §3.1' });
  }
  const out = new Map<string, string>();
  for (const [name, [value = '']] of params) if (value !== '') out.set(name, value);
  return out;
}

/** A form body or query string parsed strictly: `parseForm` then `singleValued`. */
export function parseStrictForm(raw: string): Params {
  return singleValued(parseForm(raw));
}

/** The query string of a request URL, parsed strictly. */
export function parseStrictQuery(url: string): Params {
  return parseStrictForm(queryOf(url));
}

/** A required parameter, or `invalid_request` naming it. */
export function requireParam(params: Params, name: string, rule: string): string {
  const value = params.get(name);
  if (value === undefined) {
    throw new InvalidRequest(`missing required parameter ${name}`, { rule, reason: 'missing_parameter' });
  }
  return value;
}

/**
 * The parameters of a token request where the profile reads them. `query-or-body` merges the URL's query
 * with a form body (a name in both is sent twice, so refused); without a body no content type is needed.
 */
export function readParams(request: FastifyRequest, location: 'body' | 'query-or-body'): Params {
  if (location === 'body') return readFormBody(request);
  const body = bodyText(request);
  if (body !== '') requireFormContentType(request.headers['content-type']);
  // Each place is read as a form of its own first, so an empty value is omitted there (RFC 6749 §3.1) before
  // the two meet; a name with a value in both was sent twice (§3.1), and refused as `singleValued` would.
  const merged = new Map(parseStrictQuery(request.url));
  for (const [name, value] of parseStrictForm(body)) {
    if (merged.has(name)) {
      throw new InvalidRequest(`parameter ${name} was sent more than once`, { rule: 'RFC 6749 §3.1' });
    }
    merged.set(name, value);
  }
  return merged;
}

/** A request's raw body (every OAuth scope reads bodies as strings: acceptRawBodies), or '' when it has none. */
export function bodyText(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** Parameters that are secrets: RFC 6749 §2.3.1 says they "MUST NOT be included in the request URI". */
const URL_FORBIDDEN_CREDENTIALS = ['client_secret', 'client_assertion', 'code_verifier', 'refresh_token'];

/**
 * Refuses any parameter in the URL of a body-only endpoint (docs/endpoints.md#request-parsing). The query
 * is decoded by the one form parser, so `client%5Fsecret` is the `client_secret` it means: a raw match on
 * the undecoded text would let percent-encoding slip a secret past RFC 6749 §2.3.1. A parameter the
 * endpoint would not read is refused too, rather than silently ignored, so a client that put its request
 * in the URL learns where it belongs. The error names parameters, never echoes a value.
 */
function refuseQueryParams(url: string): void {
  const names = [...parseForm(queryOf(url)).keys()];
  if (names.length === 0) return;
  const credentials = names.filter((name) => URL_FORBIDDEN_CREDENTIALS.includes(name));
  if (credentials.length > 0) {
    throw new InvalidRequest(
      `credentials must be sent in the request body, never in the URL: ${credentials.join(', ')}`,
      { rule: 'RFC 6749 §2.3.1' },
    );
  }
  // A hostile URL may hold thousands of names: the description lists a few, each cut short.
  const listed = names.slice(0, 5).map((name) => name.slice(0, 40));
  const more = names.length > listed.length ? ` and ${names.length - listed.length} more` : '';
  throw new InvalidRequest(
    `parameters in the URL are not read here (${listed.join(', ')}${more}); send them in the ${FORM_TYPE} request body`,
    { rule: 'RFC 6749 §4.1.3, RFC 7662 §2.1, RFC 7009 §2.1: parameters in the form body' },
  );
}

/** The parameters of a form POST, parsed strictly; parameters in the URL are refused (`refuseQueryParams`). */
export function readFormBody(request: FastifyRequest): Params {
  requireFormContentType(request.headers['content-type']);
  refuseQueryParams(request.url);
  return parseStrictForm(bodyText(request));
}
