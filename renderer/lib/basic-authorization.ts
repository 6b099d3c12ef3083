/**
 * The HTTP Basic credentials a client sends to the token endpoint. RFC 6749 §2.3.1: client_id and secret are
 * form-urlencoded (application/x-www-form-urlencoded, so a space is `+`) before they are joined and
 * base64-encoded.
 */
export function basicAuthorization(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${btoa(`${enc(clientId)}:${enc(secret)}`)}`;
}
