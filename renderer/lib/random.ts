import { base64url } from 'jose';

/** A random secret: 32 bytes from the platform's CSPRNG, base64url, the way the server makes its own. */
export function randomSecret(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}
