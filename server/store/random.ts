import { randomBytes } from 'node:crypto';

/**
 * Entropy is drawn from the CSPRNG a block at a time and handed out once, never reused: one call into
 * OpenSSL per 4 KiB instead of one per value (a token request needs two or three), as Node's own
 * `randomUUID()` does with its cache. Every byte still comes from `randomBytes`.
 */
const BLOCK_BYTES = 4096;
let block = Buffer.alloc(0);
let used = 0;

/** 256 bits of randomness, base64url: codes, refresh tokens, jti values and admin tokens (RFC 6749 §10.10). */
export function randomToken(bytes = 32): string {
  if (bytes > BLOCK_BYTES) return randomBytes(bytes).toString('base64url');
  if (used + bytes > block.length) {
    block = randomBytes(BLOCK_BYTES);
    used = 0;
  }
  const value = block.toString('base64url', used, used + bytes);
  // Spent bytes are wiped, so a value handed out cannot be read back from the block later.
  block.fill(0, used, used + bytes);
  used += bytes;
  return value;
}
