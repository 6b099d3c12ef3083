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

/** Schemes a browser runs or reads locally: a code delivered to one would be executed or lost. */
const DANGEROUS_SCHEMES = ['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:'];

/** RFC 8252 §7.1: a private-use scheme is a reverse domain name the app controls (`com.example.app`). */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

function shown(uri: string): string {
  return JSON.stringify(uri.length > 200 ? `${uri.slice(0, 200)}…` : uri);
}

/**
 * Why a redirect URI cannot be registered or used, or undefined when it can: an absolute http(s) URL, or an
 * RFC 8252 §7.1 private-use scheme in reverse-domain form (`com.example.app:/cb`); no fragment
 * (RFC 6749 §3.1.2), no whitespace or control characters (RFC 3986 §2 leaves them out of URIs). Registration
 * and the authorization endpoint both use it, so a URI the sandbox stores is one it can redirect to.
 */
export function redirectUriProblem(uri: string): string | undefined {
  const expected =
    'expected an http(s) URL or a private-use scheme in reverse-domain form such as com.example.app:/cb (RFC 8252 §7.1)';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `expected an absolute URL, got ${shown(uri)}; ${expected}`;
  }
  // The URL parser drops tabs and newlines and encodes spaces; the registered string itself must have none.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\s\x00-\x1f\x7f]/.test(uri)) {
    return `${shown(uri)} contains a space or a control character (CR, LF, tab …), which a URI cannot hold (RFC 3986 §2); percent-encode it`;
  }
  const scheme = url.protocol;
  if (DANGEROUS_SCHEMES.includes(scheme)) {
    return `${shown(uri)} uses the ${scheme} scheme, which a browser would run or read locally instead of delivering the code to an app; ${expected}`;
  }
  if (scheme !== 'http:' && scheme !== 'https:' && !PRIVATE_USE_SCHEME.test(scheme)) {
    return `${shown(uri)} uses the ${scheme} scheme, which is neither http(s) nor a reverse-domain private-use scheme; ${expected}`;
  }
  if ((scheme === 'http:' || scheme === 'https:') && url.hostname === '') {
    return `${shown(uri)} has no host; ${expected}`;
  }
  if (url.hash !== '' || uri.includes('#')) {
    return `${shown(uri)} must not contain a fragment (RFC 6749 §3.1.2)`;
  }
  return undefined;
}
