import type { Claims } from '../config/schema.js';

/**
 * Custom claims in access tokens and id_tokens (docs/config.md "personas and claims"). Each token takes, from
 * lowest to highest precedence: the sandbox's own claims about the persona (name, email …), the client's
 * `claims`, the signed-in persona's `claims`, then the claims queued for the client's next tokens. The claims
 * below are never custom: the protocol or the launch sets them, and a token that lied about them would test
 * nothing but the sandbox.
 */
export const RESERVED_CLAIMS: Readonly<Record<string, string>> = {
  iss: 'RFC 7519 §4.1.1: the issuer is the sandbox',
  sub: 'RFC 7519 §4.1.2: the subject is the signed-in persona’s sub (set it on the persona)',
  aud: 'RFC 7519 §4.1.3, RFC 9068 §3: the audience is the FHIR base (access token) or the client (id_token)',
  exp: 'RFC 7519 §4.1.4: the expiry follows the token lifetime (set accessTokenLifetime)',
  nbf: 'RFC 7519 §4.1.5: the sandbox decides when a token becomes valid',
  iat: 'RFC 7519 §4.1.6: the issue time is the server clock’s',
  jti: 'RFC 7519 §4.1.7: each token’s id is unique and tracked for revocation',
  client_id: 'RFC 9068 §2.2: the client the token was issued to',
  scope: 'RFC 9068 §2.2.3: the granted scope',
  cnf: 'RFC 7800 §3.1: proof-of-possession keys are bound by the protocol, not by a claim',
  act: 'RFC 8693 §4.1: delegation is set by token exchange',
  may_act: 'RFC 8693 §4.4: delegation is set by token exchange',
  auth_time: 'OpenID Connect Core §2: the time the persona signed in',
  nonce: 'OpenID Connect Core §2: echoes the authorization request’s nonce',
  at_hash: 'OpenID Connect Core §3.1.3.6: the hash of the access token',
  c_hash: 'OpenID Connect Core §3.3.2.11: the hash of the code',
  azp: 'OpenID Connect Core §2: the authorized party is the client',
  acr: 'OpenID Connect Core §2: the authentication context is the sandbox’s',
  amr: 'OpenID Connect Core §2: the authentication methods are the sandbox’s',
  sid: 'OpenID Connect Front-Channel Logout §3: the session id is the sandbox’s',
  fhirUser: 'SMART App Launch 2.2 §fhirUser: set from the persona (its fhirUser)',
  patient: 'SMART App Launch 2.2 §launch context: set from the launch or the patient picker',
  encounter: 'SMART App Launch 2.2 §launch context: set from the launch or the encounter picker',
  fhirContext: 'SMART App Launch 2.2 §launch context: set from the launch',
};

/** Where a custom claim was refused, and why; `path` is relative to the claims object's owner. */
export interface ClaimIssue {
  readonly path: string;
  readonly message: string;
}

/** Each reserved claim among `claims`, named with why it is reserved. `at` is where the claims object sits. */
export function reservedClaimIssues(claims: Claims | undefined, at: string): ClaimIssue[] {
  return Object.keys(claims ?? {})
    .filter((name) => Object.hasOwn(RESERVED_CLAIMS, name))
    .map((name) => ({
      path: `${at}.${name}`,
      message: `${name} is a reserved claim and cannot be set (${RESERVED_CLAIMS[name] ?? ''})`,
    }));
}

/** Most entries one client may have queued at once; one more is refused, naming this limit. */
export const MAX_QUEUED_PER_CLIENT = 20;
/** Most tokens one queued entry may apply to. */
export const MAX_QUEUED_COUNT = 1000;

/** Claims queued for a client's next tokens, as the admin API lists them. */
export interface QueuedClaimsEntry {
  readonly claims: Claims;
  /** How many more token responses take these claims. */
  remaining: number;
}

/**
 * Claims queued for the next token responses of a client, first in first out: each token response (its
 * access token and id_token alike) takes the oldest entry, which is used up after `count` responses. Memory
 * only: a queue belongs to the test that filled it.
 */
export class QueuedClaims {
  readonly #byClient = new Map<string, QueuedClaimsEntry[]>();

  /** Queues `claims` (already validated) for `count` token responses; false when the client's queue is full. */
  add(clientId: string, claims: Claims, count: number): boolean {
    const queue = this.#byClient.get(clientId) ?? [];
    if (queue.length >= MAX_QUEUED_PER_CLIENT) return false;
    queue.push({ claims, remaining: count });
    this.#byClient.set(clientId, queue);
    return true;
  }

  list(clientId: string): readonly QueuedClaimsEntry[] {
    return this.#byClient.get(clientId) ?? [];
  }

  clear(clientId: string): void {
    this.#byClient.delete(clientId);
  }

  /** The claims of the oldest entry for one token response, counting it down; undefined when none are queued. */
  take(clientId: string): Claims | undefined {
    const queue = this.#byClient.get(clientId);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.#byClient.delete(clientId);
    return head.claims;
  }
}
