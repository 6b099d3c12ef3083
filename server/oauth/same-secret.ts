import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether a presented secret equals the expected one, in time that depends on neither (RFC 6749 §10.10 asks
 * that credentials resist guessing). Both are hashed first, so the comparison always runs over 32 bytes:
 * comparing the raw strings would return early on a length mismatch and tell an attacker the secret's length.
 */
export function sameSecret(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}
