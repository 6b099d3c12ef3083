import { decodeBasic, parseAuthorization } from '../oauth/authorization.js';
import {
  decodeFormComponent,
  decodeLeniently,
  FORM_TYPE,
  formPairs,
  mediaType,
  pathOf,
  queryOf,
} from '../oauth/form.js';

/**
 * What the exchange log may show. Secrets are hidden outright; tokens and codes are shortened to their first
 * eight characters, enough to tell them apart and match them with the grants view, not enough to use them.
 */

const HIDDEN = '••••••';
const SHORT = 8;

/**
 * Parameters and JSON fields whose value is a secret. Names are compared in lower case, and any name that
 * mentions a secret or a password counts: masking fails closed, so an unexpected spelling is hidden too.
 */
const SECRET_KEYS = new Set(['client_secret', 'clientsecret', 'password']);
const SECRET_LOOKING = /secret|passw/i;
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

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase()) || SECRET_LOOKING.test(key);
}

/** A bearer credential the log shortens (never a secret it hides: those are not collected anywhere). */
function isTokenKey(key: string): boolean {
  return !isSecretKey(key) && TOKEN_KEYS.has(key.toLowerCase());
}

export function maskValue(key: string, value: string): string {
  if (isSecretKey(key)) return HIDDEN;
  if (isTokenKey(key)) return shorten(value);
  return value;
}

/**
 * A form or query string with secret values replaced; everything else is left exactly as sent. A pair that
 * cannot be decoded is judged by its name decoded leniently, so `client_secret=CorrectHorse%` is hidden too.
 */
export function maskForm(text: string): string {
  return formPairs(text)
    .map(({ name: rawName, value: rawValue }) => {
      if (rawValue === undefined) return rawName;
      const key = decodeLeniently(rawName);
      // Undecodable: hide or shorten what was sent, by the name it was sent under.
      const value = decodeFormComponent(rawValue) ?? rawValue;
      const masked = maskValue(key, value);
      return masked === value ? `${rawName}=${rawValue}` : `${rawName}=${masked}`;
    })
    .join('&');
}

/** A JSON value with secret fields replaced, at any depth (a secret field is hidden whatever its type). */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      typeof inner === 'string'
        ? maskValue(key, inner)
        : inner !== null && isSecretKey(key)
          ? HIDDEN
          : maskJson(inner);
  }
  return out;
}

/** `"name" : "value"` (the value possibly unterminated, at a cut) or `"name": 123`, in text that is not JSON. */
const JSON_MEMBER = /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}\]]+)/g;
/** `name=value` at the start, after `&`, `;`, `?` or white space, in text that is not a form. */
const FORM_MEMBER = /(^|[&;?\s])([^&;?\s=]+)=([^&;\s]*)/g;

function jsonString(quoted: string): string | undefined {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A multipart part (`curl -F client_secret=…`): its `name="…"` parameter, the blank line, then the value up to
 * the next boundary line or the end of a cut body.
 */
const MULTIPART_PART =
  /(\bname\*?=\s*"?)([^";\r\n]*)("?[^\r\n]*(?:\r?\n[^\r\n]+)*\r?\n\r?\n)([\s\S]*?)(?=\r?\n--|$)/gi;
/** `name: value` on a line of its own (YAML, HTTP-header style, a pasted config). */
const COLON_LINE = /(^|[\r\n])([ \t]*)([^\s:"{},]+)([ \t]*:[ \t]*)([^\r\n]*)/g;

/**
 * A body that could not be parsed as its type says (malformed JSON, a cut body, text/plain, multipart, no
 * type): shown as sent, except that every value that looks like a JSON member, a form pair, a multipart
 * part or a `name: value` line with a secret or token name is masked anyway. Masking must fail closed: what
 * cannot be read is not assumed harmless.
 */
export function maskUnparsed(text: string): string {
  const parts = text.replace(
    MULTIPART_PART,
    (whole, lead: string, rawKey: string, rest: string, value: string) => {
      const masked = maskValue(decodeLeniently(rawKey), value);
      return masked === value ? whole : `${lead}${rawKey}${rest}${masked}`;
    },
  );
  const lines = parts.replace(
    COLON_LINE,
    (whole, start: string, indent: string, rawKey: string, colon: string, value: string) => {
      const masked = maskValue(rawKey, value.trim());
      return masked === value.trim() ? whole : `${start}${indent}${rawKey}${colon}${masked}`;
    },
  );
  return maskJsonAndForm(lines);
}

function maskJsonAndForm(text: string): string {
  const json = text.replace(JSON_MEMBER, (whole, rawKey: string, colon: string, rawValue: string) => {
    const key = jsonString(`"${rawKey}"`) ?? rawKey;
    const quoted = rawValue.startsWith('"');
    const inner = quoted ? (jsonString(rawValue) ?? rawValue.slice(1).replace(/"$/, '')) : rawValue;
    const masked = maskValue(key, inner);
    if (masked === inner) return whole;
    return `"${rawKey}"${colon}${JSON.stringify(masked)}`;
  });
  return json.replace(FORM_MEMBER, (whole, lead: string, rawKey: string, rawValue: string) => {
    const masked = maskValue(decodeLeniently(rawKey), rawValue);
    return masked === rawValue ? whole : `${lead}${rawKey}=${masked}`;
  });
}

/** A body as text, masked according to its content type; any other or unreadable body by `maskUnparsed`. */
export function maskBody(contentType: string | undefined, text: string): string {
  const type = mediaType(contentType);
  // A form that is not one (JSON sent as a form, say) is still masked wherever it looks like JSON.
  if (type === FORM_TYPE) return maskUnparsed(maskForm(text));
  if (type === 'application/json' || type?.endsWith('+json') === true) {
    try {
      return JSON.stringify(maskJson(JSON.parse(text) as unknown));
    } catch {
      return maskUnparsed(text);
    }
  }
  return maskUnparsed(text);
}

/** RFC 6750 §2.1, RFC 9449 §7.1: the token after `Bearer` or `DPoP`, which the log shortens. */
function bearerOf(value: string): { scheme: string; token: string } | undefined {
  const auth = parseAuthorization(value);
  return auth?.kind === 'bearer' || auth?.kind === 'dpop'
    ? { scheme: auth.scheme, token: auth.credentials }
    : undefined;
}

/** The exchange log's Authorization: a bearer token shortened, Basic showing its client id, the rest hidden. */
function maskAuthorization(value: string): string {
  const bearer = bearerOf(value);
  if (bearer !== undefined) return `${bearer.scheme} ${shorten(bearer.token)}`;
  const auth = parseAuthorization(value);
  if (auth?.kind === 'basic') {
    const clientId = decodeBasic(auth.credentials)?.clientId;
    return clientId === undefined ? `${auth.scheme} ${HIDDEN}` : `${auth.scheme} (${clientId}:${HIDDEN})`;
  }
  return HIDDEN;
}

function maskLocation(value: string): string {
  const path = pathOf(value);
  return path === value ? value : `${path}?${maskForm(queryOf(value))}`;
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
    else if (lower === 'location' || lower === 'referer') out[name] = maskLocation(value);
    // `X-Client-Secret`, `X-Api-Password`: a header named like a secret is hidden like a body field would be.
    else out[name] = maskValue(name, value);
  }
  return out;
}

/** The values of token-named pairs in a form or query string, decoded (leniently when they cannot be). */
function tokensInForm(text: string, into: string[]): void {
  for (const { name, value } of formPairs(text)) {
    if (value === undefined || !isTokenKey(decodeLeniently(name))) continue;
    into.push(decodeFormComponent(value) ?? value);
  }
}

/** The string values of token-named fields in a JSON value, at any depth. */
function tokensInJson(value: unknown, into: string[]): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string') {
      if (isTokenKey(key)) into.push(inner);
    } else tokensInJson(inner, into);
  }
}

/** A message as recorded, before masking: what `tokensIn` reads. */
export interface RawMessage {
  readonly headers: Record<string, unknown>;
  /** The kept body as text (cut at the log's body limit), if any. */
  readonly body: string | undefined;
  /** The request URL, whose query may carry a token; absent for a response. */
  readonly url?: string;
}

/**
 * The whole values of the tokens a message carries in the places the log shortens them: a Bearer or DPoP
 * `Authorization`, token-named pairs of the query, of a `Location`'s query and of a form body, token-named
 * fields of a JSON body. Client secrets and passwords are never among them. Read from the structured places
 * only (a body that is neither a form nor JSON is not searched), so recording stays cheap: the exchange log
 * keeps a keyed digest of each, never the value (exchange-log.ts).
 */
export function tokensIn(message: RawMessage): string[] {
  const found: string[] = [];
  if (message.url !== undefined) tokensInForm(queryOf(message.url), found);
  for (const [name, raw] of Object.entries(message.headers)) {
    const lower = name.toLowerCase();
    const values = (Array.isArray(raw) ? (raw as unknown[]) : [raw]).filter(
      (v): v is string => typeof v === 'string',
    );
    for (const value of values) {
      if (lower === 'authorization') {
        const bearer = bearerOf(value);
        if (bearer !== undefined && bearer.token !== '') found.push(bearer.token);
      } else if (lower === 'location') tokensInForm(queryOf(value), found);
    }
  }
  if (message.body !== undefined) {
    const typeHeader = message.headers['content-type'];
    const type = mediaType(typeof typeHeader === 'string' ? typeHeader : undefined);
    if (type === FORM_TYPE) tokensInForm(message.body, found);
    else if (type === 'application/json' || type?.endsWith('+json') === true) {
      try {
        tokensInJson(JSON.parse(message.body) as unknown, found);
      } catch {
        // A cut or malformed JSON body: its tokens are shortened in the log but not indexed.
      }
    }
  }
  return found.filter((value) => value !== '');
}
