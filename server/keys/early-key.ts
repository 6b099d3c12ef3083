import type { webcrypto } from 'node:crypto';

/**
 * Generating the RSA-2048 signing key is the largest single cost of a cold start (50 to 300 ms of prime
 * search). The command starts it here, before it loads the rest of the server, so the search runs in
 * libuv's threadpool while the main thread loads Fastify and jose. This module imports nothing at run time on
 * purpose: loading it must cost nothing.
 *
 * The parameters are the ones jose's generateKeyPair('RS256') uses; the key ring takes the pair through
 * jose (export, thumbprint, import) like any key it generates itself.
 */
export function startRs256KeyGeneration(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
}
