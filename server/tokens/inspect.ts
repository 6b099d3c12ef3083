import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader } from 'jose';
import { clockTime } from '../clock.js';
import { artefactId } from '../admin/issued-index.js';
import type { Sandbox } from '../sandbox.js';
import type { ArtefactRef, ArtefactStatus } from '../store/artefacts.js';
import {
  MAX_LINKED_EXCHANGES,
  type Inspection,
  type InspectionVerdict,
  type SignatureCheck,
} from './inspection.js';

/** A pasted value the inspector can read, or why it cannot, worded for the person who pasted it. */
export type InspectOutcome =
  { readonly ok: true; readonly inspection: Inspection } | { readonly ok: false; readonly message: string };

/** RFC 6750 §2.1 `b64token`: what a bearer token (JWT or opaque) is made of. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What the server can still say of a token it did not issue, and what only its issuer can. */
const FOREIGN_CAN_TELL = [
  'the signing algorithm and key id its header names',
  'the claims it carries, and when it says it expires',
];
const FOREIGN_CANNOT_TELL = [
  'whether the signature is genuine: the server does not hold the issuer’s keys',
  'whether the issuer has revoked it: only the issuer’s introspection endpoint knows (RFC 7662)',
];

/** An inspection before the exchange log is searched for the token: what the store and key ring say of it. */
type Judged = Omit<Inspection, 'exchanges'>;

const iso = (ms: number) => new Date(ms).toISOString();

function verdict(
  state: InspectionVerdict['state'],
  summary: string,
  rule: string,
  at?: number,
): InspectionVerdict {
  return { state, summary, rule, ...(at === undefined ? {} : { at: iso(at) }) };
}

/**
 * The store's state of an artefact put in the words the token endpoint and the FHIR base use when they
 * refuse it, so the inspector says what the exchange log would.
 */
function verdictOf(kind: ArtefactRef['kind'], status: ArtefactStatus): InspectionVerdict {
  const at = status.since;
  const when = at === undefined ? '' : ` at ${clockTime(at)}`;
  switch (status.state) {
    case 'active':
      return verdict('active', 'active: the server accepts it now', 'RFC 7662 §2.2');
    case 'expired':
      return at === undefined
        ? verdict('expired', 'expired early from the admin API', 'RFC 6749 §5.2', at)
        : verdict('expired', `expired at ${clockTime(at)}`, 'RFC 7519 §4.1.4', at);
    case 'revoked': {
      const why = status.reason === undefined ? '' : ` (${status.reason})`;
      const summary =
        status.grantId === undefined || at === undefined
          ? `revoked${why}`
          : `revoked with its grant${when}${why}`;
      return verdict('revoked', summary, 'RFC 7009 §2.1', at);
    }
    case 'consumed':
      return kind === 'refresh_token'
        ? verdict('rotated', `refresh token rotated${when}: it was used and replaced`, 'RFC 9700 §4.14.2', at)
        : verdict('consumed', `this code was already used${when}`, 'RFC 6749 §4.1.2', at);
  }
}

function notIssuedHere(summary: string, extra: Partial<Judged> = {}): Judged {
  return {
    format: 'opaque',
    signature: { status: 'unchecked', detail: 'an opaque token carries no signature' },
    verdict: verdict('not_issued_here', summary, 'RFC 6749 §5.2'),
    issuedHere: false,
    canTell: [],
    cannotTell: [],
    ...extra,
  };
}

/** A code or refresh token: the store knows it by its value, or the server never issued it. */
function inspectOpaque(sandbox: Sandbox, token: string): Judged {
  for (const kind of ['refresh_token', 'code'] as const) {
    const status = sandbox.store.stateOf({ kind, value: token });
    // Without `expiresAt` the store does not hold it (see ArtefactStatus): try the next kind.
    if (status.expiresAt === undefined) continue;
    const id = artefactId(kind, token);
    const entry = sandbox.issued.find(id);
    return {
      format: 'opaque',
      kind,
      signature: { status: 'unchecked', detail: 'an opaque token carries no signature' },
      verdict: verdictOf(kind, status),
      issuedHere: true,
      ...(entry === undefined ? {} : { clientId: entry.clientId, artefactId: id }),
      ...(status.grantId === undefined ? {} : { grantId: status.grantId }),
      canTell: [],
      cannotTell: [],
    };
  }
  return notIssuedHere(
    'not issued here: no code or refresh token of this server has this value (or it expired and was forgotten)',
    {
      canTell: ['nothing beyond its length: an opaque token means something only to its issuer'],
      cannotTell: ['who issued it, what it grants, when it expires, or whether it was revoked'],
    },
  );
}

async function signatureOf(sandbox: Sandbox, token: string, kid: unknown): Promise<SignatureCheck> {
  if (typeof kid !== 'string') {
    return {
      status: 'invalid',
      detail: 'the header names no kid, and every token this server signs names its key',
    };
  }
  // Retired keys included: the signature is checked first, so a forged token is never told its key retired.
  const key = sandbox.keys.keyStatus(kid);
  const jwk = sandbox.keys.allPublicKeys().keys.find((k) => k.kid === kid);
  if (key === undefined || jwk === undefined) {
    return { status: 'invalid', kid, keyState: 'unknown', detail: `no key ${kid} was ever this server’s` };
  }
  try {
    await compactVerify(token, createLocalJWKSet({ keys: [jwk] }));
    return { status: 'valid', kid, keyState: key.state, detail: `signed by this server’s ${key.state} key` };
  } catch {
    return {
      status: 'invalid',
      kid,
      keyState: key.state,
      detail: `the signature does not match the content under key ${kid}: altered, or signed by another key with the same kid`,
    };
  }
}

/** A JWT: its claims, its signature against the key ring, then the store's state of it. */
async function inspectJwt(
  sandbox: Sandbox,
  token: string,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): Promise<Judged> {
  const base = { format: 'jwt' as const, header, claims };
  const iss = claims['iss'];
  if (iss !== sandbox.urls.issuer) {
    return {
      ...base,
      signature: { status: 'unchecked', detail: 'not checked: the token names another issuer' },
      verdict: verdict(
        'other_issuer',
        `issued by another issuer (${typeof iss === 'string' ? iss : 'no iss claim'}), not ${sandbox.urls.issuer}`,
        'RFC 9068 §4; RFC 7519 §4.1.1',
      ),
      issuedHere: false,
      canTell: FOREIGN_CAN_TELL,
      cannotTell: FOREIGN_CANNOT_TELL,
    };
  }
  const signature = await signatureOf(sandbox, token, header['kid']);
  if (signature.status === 'invalid') {
    const unknownKey = signature.keyState === 'unknown' || signature.kid === undefined;
    return {
      ...base,
      signature,
      verdict: unknownKey
        ? verdict(
            'not_issued_here',
            `not issued here: ${signature.detail}, though it names this server as issuer`,
            'RFC 7515 §4.1.4; RFC 9068 §4',
          )
        : verdict('bad_signature', `bad signature: ${signature.detail}`, 'RFC 7515 §5.2'),
      issuedHere: false,
      canTell: unknownKey ? FOREIGN_CAN_TELL : [],
      cannotTell: unknownKey ? FOREIGN_CANNOT_TELL.slice(1) : [],
    };
  }
  const kind = header['typ'] === 'at+jwt' ? 'access_token' : 'id_token';
  const jti = claims['jti'];
  const exp = claims['exp'];
  const clientId = kind === 'access_token' ? claims['client_id'] : claims['aud'];
  if (typeof jti !== 'string' || typeof exp !== 'number' || typeof clientId !== 'string') {
    return {
      ...base,
      signature,
      verdict: verdict(
        'not_issued_here',
        'not issued here: every token this server signs carries jti, exp and its client',
        'RFC 9068 §2.2',
      ),
      issuedHere: false,
      canTell: [],
      cannotTell: [],
    };
  }
  const grantId = sandbox.issued.find(jti)?.grantId ?? sandbox.store.grantIdOfAccessToken(jti);
  const status = sandbox.store.stateOf({ kind, value: jti, clientId, grantId, expiresAt: exp * 1000 });
  const key = sandbox.keys.keyStatus(signature.kid ?? '');
  // RFC 7517 §4.5: a key that has left the JWKS no longer vouches for anything it signed.
  const retired =
    key?.state === 'retired' && key.retiredAt !== undefined && status.state === 'active'
      ? verdict(
          'key_retired',
          `signed by a key retired at ${clockTime(key.retiredAt)}`,
          'RFC 7517 §4.5',
          key.retiredAt,
        )
      : undefined;
  return {
    ...base,
    kind,
    signature,
    verdict: retired ?? verdictOf(kind, status),
    issuedHere: true,
    clientId,
    ...(grantId === undefined ? {} : { grantId }),
    ...(sandbox.issued.find(jti) === undefined ? {} : { artefactId: jti }),
    canTell: [],
    cannotTell: [],
  };
}

/**
 * What the server thinks of a pasted token (docs/admin-api.md#inspect): decoded, checked against the key
 * ring, and judged from the store's state of it, exactly as the token endpoint, introspection and the FHIR
 * base would judge it now.
 */
export async function inspectToken(sandbox: Sandbox, pasted: string): Promise<InspectOutcome> {
  const token = pasted.trim();
  if (token === '') {
    return {
      ok: false,
      message: 'token is empty: paste a JWT (three dot-separated parts) or an opaque token',
    };
  }
  if (!B64TOKEN.test(token)) {
    const bad = /[^A-Za-z0-9\-._~+/=]/.exec(token)?.[0];
    return {
      ok: false,
      message: `not a token: ${bad === undefined ? '"=" may only end one' : `${JSON.stringify(bad)} cannot appear in one`}; expected a JWT (three base64url parts joined by dots) or an opaque token of letters, digits and -._~+/ (RFC 6750 §2.1)`,
    };
  }
  const parts = token.split('.');
  if (parts.length === 3) {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = { ...decodeProtectedHeader(token) };
      claims = { ...decodeJwt(token) };
    } catch (err) {
      return {
        ok: false,
        message: `not a JWT: its header and payload must be base64url-encoded JSON objects (RFC 7519 §7.2); ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    return {
      ok: true,
      inspection: withExchanges(sandbox, token, await inspectJwt(sandbox, token, header, claims)),
    };
  }
  if (parts.length !== 1) {
    return {
      ok: false,
      message: `not a token: ${parts.length} dot-separated parts; a JWT has three (RFC 7515 §7.1) and an opaque token one`,
    };
  }
  return { ok: true, inspection: withExchanges(sandbox, token, inspectOpaque(sandbox, token)) };
}

/** The exchanges the token appeared in, found by the log's keyed digests (exchange-log.ts), whoever issued it. */
function withExchanges(sandbox: Sandbox, token: string, inspection: Judged): Inspection {
  return { ...inspection, exchanges: sandbox.exchanges.exchangesWith(token, MAX_LINKED_EXCHANGES) };
}
