import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';

/** Whether a JWT's signature checks out against the server's published keys. */
export type SignatureStatus =
  | { readonly status: 'valid'; readonly kid: string | undefined }
  | { readonly status: 'invalid'; readonly reason: string };

/**
 * Verifies only the signature (RFC 7515 §5.2) against the JWKS: expiry and audience are shown as claims, and a
 * token signed by a key the JWKS does not hold (`token.bad_signature`) says so in words.
 */
export async function verifySignature(token: string, jwks: JSONWebKeySet): Promise<SignatureStatus> {
  try {
    const { protectedHeader } = await compactVerify(token, createLocalJWKSet(jwks));
    return { status: 'valid', kid: protectedHeader.kid };
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey)
      return { status: 'invalid', reason: 'signed by a key that is not in the server’s JWKS' };
    if (err instanceof errors.JWSSignatureVerificationFailed)
      return { status: 'invalid', reason: 'the signature does not match the content' };
    return { status: 'invalid', reason: err instanceof Error ? err.message : String(err) };
  }
}
