import { createHash, timingSafeEqual } from 'node:crypto';
import { base64url } from 'jose';

/** RFC 7636 §4.1 and §4.2: 43 to 128 characters of the unreserved set. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export function isWellFormedPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256Challenge(verifier: string): string {
  return base64url.encode(createHash('sha256').update(verifier, 'ascii').digest());
}

export interface PkceComparison {
  readonly matched: boolean;
  /** The challenge computed from the presented verifier, shown beside the stored one. */
  readonly computed: string;
}

/** Compares in constant time, so the check leaks nothing about the stored challenge. */
export function verifyS256(verifier: string, storedChallenge: string): PkceComparison {
  const computed = s256Challenge(verifier);
  const a = Buffer.from(computed);
  const b = Buffer.from(storedChallenge);
  return { matched: a.length === b.length && timingSafeEqual(a, b), computed };
}
