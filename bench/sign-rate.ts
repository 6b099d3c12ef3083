import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** A signing input the size of a client_credentials access token's header and claims. */
export const TYPICAL_SIGNING_INPUT = Buffer.from(`${'e'.repeat(80)}.${'c'.repeat(300)}`, 'ascii');

function loop(ms: number, once: () => void): number {
  // A short warm-up so the first, unoptimised calls do not count.
  for (let i = 0; i < 20; i++) once();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    once();
    n++;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/**
 * How many signatures one core makes per second with node:crypto, synchronously on this thread: the limit a
 * token endpoint that signs on one core cannot beat.
 */
export function signsPerSecondOneCore(kind: 'rsa-2048' | 'p-256', ms = 2_000): number {
  let key: KeyObject;
  let run: () => void;
  if (kind === 'rsa-2048') {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    run = () => sign('sha256', TYPICAL_SIGNING_INPUT, key);
  } else {
    key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    run = () => sign('sha256', TYPICAL_SIGNING_INPUT, { key, dsaEncoding: 'ieee-p1363' });
  }
  return loop(ms, run);
}
