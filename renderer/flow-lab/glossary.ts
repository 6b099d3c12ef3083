import { isAdminUrl } from './wire.js';

/**
 * What each parameter, header and response field of the Flow Lab's exchanges is for, with the rule that
 * defines it. Data, next to the flows, so the view only looks things up.
 */

/**
 * Where a name appears: the request's query or form body, a request or response header, the response body,
 * or a JWT's header (`jose-header`) or claims (`claim`), as the token inspector shows them.
 */
export type GlossaryPlace = 'param' | 'header' | 'response-header' | 'response' | 'jose-header' | 'claim';

/** What a header is said about depends on what it carries and where it was sent. */
export interface HeaderContext {
  /** The header's value as shown (an admin token is already hidden). */
  readonly value: string;
  /** The URL of the request it belongs to. */
  readonly url: string;
}

export interface GlossaryEntry {
  /** What it is for, in one plain sentence. */
  readonly meaning: string;
  /** The section that defines it, e.g. "RFC 7636 §4.3". */
  readonly rule: string;
}

const PARAMS: Readonly<Record<string, GlossaryEntry>> = {
  response_type: {
    meaning: '"code" asks for an authorization code, to be exchanged at the token endpoint.',
    rule: 'RFC 6749 §4.1.1',
  },
  client_id: { meaning: 'Which registered app is asking.', rule: 'RFC 6749 §2.2' },
  redirect_uri: {
    meaning:
      'Where the server sends the browser back; it must match a registered URI, and at the token step the one used here.',
    rule: 'RFC 6749 §3.1.2, §4.1.3',
  },
  scope: { meaning: 'The access the app asks for, space-separated.', rule: 'RFC 6749 §3.3; SMART §scopes' },
  state: {
    meaning: 'An unguessable value the app checks on return, so a forged redirect is refused (CSRF).',
    rule: 'RFC 6749 §10.12',
  },
  aud: {
    meaning: 'The FHIR server the token is for; the server refuses a base it does not serve.',
    rule: 'SMART App Launch 2.2 §authorization request',
  },
  code_challenge: {
    meaning: 'BASE64URL(SHA-256(code_verifier)): the server stores it with the code.',
    rule: 'RFC 7636 §4.2–4.3',
  },
  code_challenge_method: {
    meaning: 'How the challenge was made; S256 is the only method SMART allows.',
    rule: 'RFC 7636 §4.3',
  },
  nonce: {
    meaning: 'Echoed in the ID token, so the app can tell its ID token from a replayed one.',
    rule: 'OpenID Connect Core §3.1.2.1',
  },
  launch: {
    meaning: 'The opaque EHR launch value, handed back so the server can bind the EHR context.',
    rule: 'SMART App Launch 2.2 §EHR launch',
  },
  iss: {
    meaning: 'The FHIR base URL of the EHR that launched the app.',
    rule: 'SMART App Launch 2.2 §EHR launch',
  },
  grant_type: {
    meaning: 'Which grant the app is using at the token endpoint.',
    rule: 'RFC 6749 §4.1.3, §4.4.2, §6',
  },
  code: {
    meaning: 'The one-time authorization code from the redirect; it works once and only for this client.',
    rule: 'RFC 6749 §4.1.2',
  },
  code_verifier: {
    meaning:
      'The secret behind the challenge: the server hashes it and compares with the stored code_challenge.',
    rule: 'RFC 7636 §4.5–4.6',
  },
  refresh_token: {
    meaning: 'Traded for a new access token; with rotation each one works once.',
    rule: 'RFC 6749 §6; RFC 9700 §4.14.2',
  },
  client_assertion_type: {
    meaning: 'Says the client authenticates with a signed JWT.',
    rule: 'RFC 7521 §4.2',
  },
  client_assertion: {
    meaning: 'The signed JWT that authenticates the client (iss = sub = client_id, aud = token URL).',
    rule: 'RFC 7523 §3; SMART Backend Services',
  },
  client_secret: { meaning: 'The client’s password, for client_secret_post.', rule: 'RFC 6749 §2.3.1' },
  error: { meaning: 'The error code the server answered with.', rule: 'RFC 6749 §4.1.2.1, §5.2' },
  error_description: { meaning: 'The server’s explanation, for a developer.', rule: 'RFC 6749 §5.2' },
};

/** Authorization and Content-Type when nothing is known of their value. */
const ANY_AUTHORIZATION: GlossaryEntry = {
  meaning:
    'Basic: the client id and secret (client_secret_basic); Bearer: the access or admin token being presented.',
  rule: 'RFC 6749 §2.3.1; RFC 6750 §2.1',
};
const ANY_CONTENT_TYPE: GlossaryEntry = { meaning: 'The media type of the body.', rule: 'RFC 9110 §8.3' };

const HEADERS: Readonly<Record<string, GlossaryEntry>> = {
  authorization: ANY_AUTHORIZATION,
  accept: { meaning: 'The media type the app wants back.', rule: 'RFC 9110 §12.5.1' },
  'content-type': ANY_CONTENT_TYPE,
  'cache-control': {
    meaning: 'Token responses must not be cached: they carry credentials.',
    rule: 'RFC 6749 §5.1',
  },
  pragma: {
    meaning:
      'The HTTP/1.0 way to ask caches not to reuse an answer; token responses send it beside no-store.',
    rule: 'RFC 9111 §5.4; RFC 6749 §5.1',
  },
  location: { meaning: 'Where the redirect sends the browser.', rule: 'RFC 9110 §10.2.2' },
  'www-authenticate': {
    meaning: 'Why a protected resource refused the token.',
    rule: 'RFC 6750 §3',
  },
};

/** A request's Authorization header, explained by its scheme and where it went. */
function authorizationEntry({ value, url }: HeaderContext): GlossaryEntry {
  const scheme = value.trim().split(/\s+/)[0]?.toLowerCase();
  if (scheme === 'basic') {
    return {
      meaning:
        'The client authenticates with its id and secret, each form-encoded, joined by ":" and base64-encoded (client_secret_basic).',
      rule: 'RFC 6749 §2.3.1',
    };
  }
  if (scheme === 'bearer' && isAdminUrl(url)) {
    return {
      meaning:
        'The sandbox’s admin token, which lets the Flow Lab set up this walk. It was sent; it is never shown.',
      rule: 'RFC 6750 §2.1',
    };
  }
  if (scheme === 'bearer') {
    return {
      meaning: 'The access token, presented to the resource server: whoever holds it may use it.',
      rule: 'RFC 6750 §2.1',
    };
  }
  return ANY_AUTHORIZATION;
}

/** A response's Cache-Control, explained by what it says rather than assumed to be a token response's. */
function cacheControlEntry({ value }: HeaderContext): GlossaryEntry {
  if (/(^|,)\s*no-store\s*(,|$)/i.test(value)) {
    return {
      meaning:
        'No cache may keep this answer: it carries credentials or state that must be fresh (token responses must say so).',
      rule: 'RFC 9111 §5.2.2.5; RFC 6749 §5.1',
    };
  }
  return { meaning: 'Whether and for how long caches may keep this answer.', rule: 'RFC 9111 §5.2' };
}

/** A Content-Type, explained by the media type it names and which way it travels. */
function contentTypeEntry(place: 'header' | 'response-header', { value }: HeaderContext): GlossaryEntry {
  const type = value.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return {
      meaning: 'The body is form-encoded, as token, introspection and revocation requests must be.',
      rule: 'RFC 6749 §3.2, §4.1.3',
    };
  }
  if (type === 'application/json' && place === 'header') {
    return {
      meaning:
        'The body is JSON: the sandbox’s admin API takes JSON. This call sets up the walk; it is not OAuth.',
      rule: 'RFC 8259',
    };
  }
  if (type === 'application/json') {
    return { meaning: 'The body is JSON, as token and error responses are.', rule: 'RFC 6749 §5.1, §5.2' };
  }
  if (type === 'application/fhir+json') {
    return { meaning: 'The body is a FHIR resource in JSON.', rule: 'FHIR R4 §3.1.0 (http)' };
  }
  if (type === 'text/html') {
    return { meaning: 'An HTML page, for the browser to show.', rule: 'RFC 9110 §8.3' };
  }
  return ANY_CONTENT_TYPE;
}

const RESPONSE: Readonly<Record<string, GlossaryEntry>> = {
  access_token: { meaning: 'What the app presents to the FHIR server.', rule: 'RFC 6749 §5.1' },
  token_type: { meaning: 'Bearer: whoever holds it may use it, so keep it secret.', rule: 'RFC 6750 §1.2' },
  expires_in: { meaning: 'Seconds the access token lives.', rule: 'RFC 6749 §5.1' },
  refresh_token: {
    meaning: 'Traded later for a new access token without the user; rotated on each use.',
    rule: 'RFC 6749 §1.5, §6',
  },
  scope: { meaning: 'The scopes actually granted (may be fewer than asked).', rule: 'RFC 6749 §5.1' },
  id_token: {
    meaning: 'A signed JWT saying who the user is (sub, fhirUser) for openid requests.',
    rule: 'OpenID Connect Core §2',
  },
  patient: {
    meaning: 'Launch context: the patient in context.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  encounter: {
    meaning: 'Launch context: the encounter in context.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  need_patient_banner: {
    meaning: 'Whether the app must show the patient banner itself.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  smart_style_url: {
    meaning: 'Where the app can read the EHR’s styling.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  fhirContext: {
    meaning: 'Further FHIR resources in context.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  authorization_endpoint: {
    meaning: 'Where the browser goes to authorize.',
    rule: 'SMART App Launch 2.2 §discovery',
  },
  token_endpoint: {
    meaning: 'Where the app trades codes and tokens.',
    rule: 'SMART App Launch 2.2 §discovery',
  },
  code_challenge_methods_supported: {
    meaning: 'PKCE methods the server accepts (S256).',
    rule: 'SMART App Launch 2.2 §discovery',
  },
  error: { meaning: 'The error code: what kind of refusal.', rule: 'RFC 6749 §5.2' },
  error_description: { meaning: 'The server’s explanation, for a developer.', rule: 'RFC 6749 §5.2' },
};

/** A JWT's JOSE header (RFC 7515 §4.1). */
const JOSE_HEADER: Readonly<Record<string, GlossaryEntry>> = {
  alg: { meaning: 'The algorithm the signature was made with (RS256, ES256).', rule: 'RFC 7515 §4.1.1' },
  kid: {
    meaning: 'Which key signed it: the verifier looks this id up in the issuer’s JWKS.',
    rule: 'RFC 7515 §4.1.4',
  },
  typ: {
    meaning: '"at+jwt" marks an access token, so it cannot be passed off as an ID token or the reverse.',
    rule: 'RFC 9068 §2.1',
  },
};

/** A JWT's claims: registered (RFC 7519), access token (RFC 9068), OpenID Connect and SMART ones. */
const CLAIMS: Readonly<Record<string, GlossaryEntry>> = {
  iss: { meaning: 'Who issued the token: the authorization server’s issuer URL.', rule: 'RFC 7519 §4.1.1' },
  sub: { meaning: 'Whom the token is about: the user, or the client itself.', rule: 'RFC 7519 §4.1.2' },
  aud: {
    meaning: 'Whom the token is for: the FHIR base (access token) or the client (ID token).',
    rule: 'RFC 7519 §4.1.3; RFC 9068 §3',
  },
  exp: { meaning: 'When the token stops being accepted.', rule: 'RFC 7519 §4.1.4' },
  nbf: { meaning: 'Not accepted before this moment.', rule: 'RFC 7519 §4.1.5' },
  iat: { meaning: 'When the token was issued.', rule: 'RFC 7519 §4.1.6' },
  jti: {
    meaning: 'The token’s unique id: how the server remembers a revoked or expired-early token.',
    rule: 'RFC 7519 §4.1.7',
  },
  client_id: { meaning: 'The client the token was issued to.', rule: 'RFC 9068 §2.2; RFC 8693 §4.3' },
  scope: { meaning: 'The access granted, space-separated.', rule: 'RFC 9068 §2.2.3; SMART §scopes' },
  patient: {
    meaning: 'Launch context: the patient in context.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  encounter: {
    meaning: 'Launch context: the encounter in context.',
    rule: 'SMART App Launch 2.2 §launch context',
  },
  fhirUser: {
    meaning: 'The FHIR resource of the signed-in user (Practitioner, Patient …).',
    rule: 'SMART App Launch 2.2 §fhirUser',
  },
  auth_time: { meaning: 'When the user authenticated.', rule: 'OpenID Connect Core §2' },
  nonce: {
    meaning: 'The value the app sent to /authorize, echoed so it can tell its ID token from a replay.',
    rule: 'OpenID Connect Core §2',
  },
  at_hash: {
    meaning: 'Half a SHA-256 of the access token issued beside it, binding the two.',
    rule: 'OpenID Connect Core §3.1.3.6',
  },
  name: { meaning: 'The user’s full name.', rule: 'OpenID Connect Core §5.1' },
  email: { meaning: 'The user’s e-mail address.', rule: 'OpenID Connect Core §5.1' },
};

/**
 * What a parameter, header or response field is for, or undefined when the glossary has nothing on it.
 * Headers whose meaning depends on their value (Authorization, Content-Type) are explained from `context`.
 */
export function glossaryFor(
  place: GlossaryPlace,
  name: string,
  context?: HeaderContext,
): GlossaryEntry | undefined {
  if (place === 'header' || place === 'response-header') {
    const key = name.toLowerCase();
    if (context !== undefined && key === 'authorization' && place === 'header')
      return authorizationEntry(context);
    if (context !== undefined && key === 'content-type') return contentTypeEntry(place, context);
    if (context !== undefined && key === 'cache-control') return cacheControlEntry(context);
    return Object.hasOwn(HEADERS, key) ? HEADERS[key] : undefined;
  }
  const table =
    place === 'response'
      ? RESPONSE
      : place === 'claim'
        ? CLAIMS
        : place === 'jose-header'
          ? JOSE_HEADER
          : PARAMS;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
