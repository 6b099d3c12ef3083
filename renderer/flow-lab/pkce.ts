import { base64url } from 'jose';

export interface PkceMaterial {
  readonly verifier: string;
  /** SHA-256 of the verifier, hex, so a person can follow the computation. */
  readonly sha256Hex: string;
  /** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
  readonly challenge: string;
}

/** RFC 7636 §4.1: 32 random octets, base64url-encoded, give a 43-character verifier. */
export function randomVerifier(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

export async function pkceMaterial(verifier: string): Promise<PkceMaterial> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const sha256Hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { verifier, sha256Hex, challenge: base64url.encode(digest) };
}
