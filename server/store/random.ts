import { randomBytes } from 'node:crypto';

/** 256 bits of randomness, base64url: codes, refresh tokens, jti values and admin tokens (RFC 6749 §10.10). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
