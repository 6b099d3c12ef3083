/**
 * Redirect URIs are compared as exact strings (RFC 9700 §4.1.3, RFC 3986 §6.2.1 simple string comparison):
 * no case folding, no default-port or trailing-slash normalisation. The one exception is RFC 8252 §7.3:
 * for loopback IP literals (`http://127.0.0.1`, `http://[::1]`) the port may differ, because native apps
 * take whatever port the OS gives them.
 */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const req = loopbackWithoutPort(requested);
  if (req === undefined) return false;
  return registered.some((r) => loopbackWithoutPort(r) === req);
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?([/?#].*)?$/;

function loopbackWithoutPort(uri: string): string | undefined {
  const m = LOOPBACK.exec(uri);
  if (!m) return undefined;
  return `http://${m[1] ?? ''}${m[3] ?? ''}`;
}
