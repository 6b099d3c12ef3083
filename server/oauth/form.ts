import { InvalidRequest } from './errors.js';

/** Parameters of a form body or query string: one value per name, never an array. */
export type Params = ReadonlyMap<string, string>;

const FORM_TYPE = 'application/x-www-form-urlencoded';

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
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM_TYPE) {
    throw new InvalidRequest(`Content-Type ${mediaType ?? ''} is not accepted; expected ${FORM_TYPE}`, {
      rule: 'RFC 6749 §3.2',
    });
  }
}

/**
 * Decodes one name or value. The error names the parameter, never echoes a value: the value may be a
 * client_secret, and the error description travels to the client, the exchange log and its curl copy.
 */
function decodeComponent(raw: string, name?: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    const where =
      name === undefined ? `the parameter name "${raw.slice(0, 40)}"` : `the value of parameter ${name}`;
    throw new InvalidRequest(`malformed percent-encoding in ${where}; expected %XX escapes of UTF-8 bytes`, {
      rule: 'RFC 3986 §2.1',
    });
  }
}

/**
 * Parses a form body or query string strictly: malformed percent-encoding is an error (not passed through),
 * and a parameter sent twice is an error (RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT
 * be included more than once"). Empty values count as absent, as RFC 6749 §3.1 says.
 */
export function parseStrictForm(raw: string): Params {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  if (raw === '') return params;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1), name);
    if (seen.has(name)) {
      throw new InvalidRequest(`parameter ${name} was sent more than once`, { rule: 'RFC 6749 §3.1' });
    }
    seen.add(name);
    if (value !== '') params.set(name, value);
  }
  return params;
}

/** The query string of a request URL (everything after the first `?`), parsed strictly. */
export function parseStrictQuery(url: string): Params {
  const q = url.indexOf('?');
  return parseStrictForm(q === -1 ? '' : url.slice(q + 1));
}

/** A required parameter, or `invalid_request` naming it. */
export function requireParam(params: Params, name: string, rule: string): string {
  const value = params.get(name);
  if (value === undefined) {
    throw new InvalidRequest(`missing required parameter ${name}`, { rule, reason: 'missing_parameter' });
  }
  return value;
}
