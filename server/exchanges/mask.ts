import { decodeJwt } from 'jose';

/**
 * What the exchange log may show. Secrets are hidden outright; tokens and codes are shortened to their first
 * eight characters, enough to tell them apart and match them with the grants view, not enough to use them.
 */

const HIDDEN = '••••••';
const SHORT = 8;

/** Parameters and JSON fields whose value is a secret. */
const SECRET_KEYS = new Set(['client_secret', 'clientSecret', 'password']);
/** Parameters and JSON fields holding a bearer credential: shown shortened. */
const TOKEN_KEYS = new Set([
  'code',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_assertion',
  'assertion',
  'subject_token',
  'actor_token',
]);

/** `eyJhbGci…`: the first eight characters and an ellipsis. */
export function shorten(value: string): string {
  return value.length <= SHORT ? value : `${value.slice(0, SHORT)}…`;
}

export function maskValue(key: string, value: string): string {
  if (SECRET_KEYS.has(key)) return HIDDEN;
  if (TOKEN_KEYS.has(key)) return shorten(value);
  return value;
}

/** A form or query string with secret values replaced; everything else is left exactly as sent. */
export function maskForm(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let key: string;
      let value: string;
      try {
        key = decodeURIComponent(pair.slice(0, eq).replaceAll('+', ' '));
        value = decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
      } catch {
        return pair;
      }
      const masked = maskValue(key, value);
      return masked === value ? pair : `${pair.slice(0, eq)}=${masked}`;
    })
    .join('&');
}

/** A JSON value with secret fields replaced, at any depth. */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = typeof inner === 'string' ? maskValue(key, inner) : maskJson(inner);
  }
  return out;
}

/** A body as text, masked according to its content type. */
export function maskBody(contentType: string | undefined, text: string): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return maskForm(text);
  if (type === 'application/json' || type?.endsWith('+json') === true) {
    try {
      return JSON.stringify(maskJson(JSON.parse(text) as unknown));
    } catch {
      // Not JSON after all (an injected malformed body): shown as sent, tokens in it cut short.
      return text.replace(/"(access_token|refresh_token|id_token)":"([^"]{8})[^"]*"/g, '"$1":"$2…"');
    }
  }
  return text;
}

function maskAuthorization(value: string): string {
  const [scheme = '', credentials = ''] = value.trim().split(/\s+/, 2);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 ? `${scheme} (${decoded.slice(0, colon)}:${HIDDEN})` : `${scheme} ${HIDDEN}`;
  }
  if (/^(bearer|dpop)$/i.test(scheme)) return `${scheme} ${shorten(credentials)}`;
  return HIDDEN;
}

function maskLocation(value: string): string {
  const q = value.indexOf('?');
  return q === -1 ? value : `${value.slice(0, q + 1)}${maskForm(value.slice(q + 1))}`;
}

/** Headers as strings, with credentials masked. */
export function maskHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw)
      ? (raw as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')
      : typeof raw === 'string' || typeof raw === 'number'
        ? String(raw)
        : JSON.stringify(raw);
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') out[name] = maskAuthorization(value);
    else if (lower === 'cookie' || lower === 'set-cookie') out[name] = HIDDEN;
    else if (lower === 'location') out[name] = maskLocation(value);
    else out[name] = value;
  }
  return out;
}

/** The client a request speaks for, when it says so: Basic credentials, a client_id field, a bearer token. */
export function clientIdOf(
  authorization: string | undefined,
  params: ReadonlyMap<string, string>,
): string | undefined {
  const fromParams = params.get('client_id');
  if (fromParams !== undefined) return fromParams;
  const [scheme = '', credentials = ''] = authorization?.trim().split(/\s+/, 2) ?? [];
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    try {
      return decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
    } catch {
      return undefined;
    }
  }
  if (/^bearer$/i.test(scheme)) {
    try {
      const claim = decodeJwt(credentials)['client_id'];
      return typeof claim === 'string' ? claim : undefined;
    } catch {
      return undefined;
    }
  }
  const assertion = params.get('client_assertion');
  if (assertion !== undefined) {
    try {
      const iss = decodeJwt(assertion).iss;
      return typeof iss === 'string' ? iss : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
