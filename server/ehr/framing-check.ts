import type { FramingFinding } from '../admin/shapes.js';

/**
 * Whether an app's launch page lets the sandbox's EHR page frame it. A cross-origin frame cannot be inspected
 * from script (a refused frame looks like an empty one), so the server asks the app itself: it fetches the
 * client's registered launch URL and reads the two headers a browser obeys, CSP `frame-ancestors` (CSP Level 3
 * §6.4.2, which wins over X-Frame-Options when present) and `X-Frame-Options` (RFC 7034, HTML Standard
 * §7.1.7). Only loopback hosts (and those the config's `ehrFrame.framingCheckHosts` names) are fetched, with a
 * time bound, no body read, and no redirect followed to another origin, so the check cannot be turned against
 * other machines.
 */

/** How long the check waits for the app's answer, redirects included. */
export const FRAMING_CHECK_TIMEOUT_MS = 3_000;
/** Same-origin redirects followed before the check gives up. */
const MAX_REDIRECTS = 3;

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True when the check may fetch `url`: http(s) on a loopback host or one the config allows. */
function checkable(url: URL, extraHosts: readonly string[]): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} is not http(s)`;
  const host = url.hostname.toLowerCase();
  if (LOOPBACK.test(host) || extraHosts.some((h) => h.toLowerCase() === host)) return undefined;
  return `${host} is not a loopback host; the sandbox only checks apps on this machine unless the config's ehrFrame.framingCheckHosts names the host`;
}

/** Does one CSP source expression (CSP Level 3 §6.7.2.8, simplified to what a framing rule uses) match `origin`? */
function sourceMatches(source: string, origin: URL, self: URL): boolean {
  const s = source.toLowerCase();
  if (s === '*') return origin.protocol === 'http:' || origin.protocol === 'https:';
  if (s === "'self'") return origin.origin === self.origin;
  if (/^[a-z][a-z0-9+.-]*:$/.test(s)) {
    return s === origin.protocol || (s === 'http:' && origin.protocol === 'https:');
  }
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^:/]+)(?::(\d+|\*))?(?:\/.*)?$/.exec(s);
  if (m === null) return false;
  const [, scheme, wildcard, host = '', port] = m;
  if (scheme !== undefined && `${scheme}:` !== origin.protocol) {
    if (!(scheme === 'http' && origin.protocol === 'https:')) return false;
  }
  const name = origin.hostname.toLowerCase();
  if (wildcard === undefined ? name !== host : !name.endsWith(`.${host}`)) return false;
  const defaultPort = origin.protocol === 'https:' ? '443' : '80';
  const actual = origin.port === '' ? defaultPort : origin.port;
  if (port === '*') return true;
  return (port ?? (scheme === 'https' ? '443' : '80')) === actual;
}

/** The `frame-ancestors` sources of each enforced policy that has the directive. */
function frameAncestors(csp: string): string[][] {
  // Several policies may arrive comma-joined (RFC 9110 §5.3); each is enforced on its own.
  return csp.split(',').flatMap((policy) => {
    const directive = policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find((parts) => parts[0]?.toLowerCase() === 'frame-ancestors');
    return directive === undefined ? [] : [directive.slice(1)];
  });
}

/** The finding for one response's headers, framed by a page of `sandboxOrigin`. */
export function framingVerdict(
  url: string,
  headers: { get(name: string): string | null },
  sandboxOrigin: string,
): FramingFinding {
  const self = new URL(url);
  const parent = new URL(sandboxOrigin);
  const csp = headers.get('content-security-policy');
  const policies = csp === null ? [] : frameAncestors(csp);
  if (policies.length > 0) {
    const refusing = policies.find((sources) => !sources.some((s) => sourceMatches(s, parent, self)));
    if (refusing === undefined) return { verdict: 'allowed', url };
    return {
      verdict: 'refused',
      url,
      header: 'Content-Security-Policy',
      value: `frame-ancestors ${refusing.join(' ')}`.trim(),
      fix: `add ${parent.origin} to frame-ancestors in your app's Content-Security-Policy (frame-ancestors ${[...refusing.filter((s) => s !== "'none'"), parent.origin].join(' ')})`,
    };
  }
  const xfo = headers.get('x-frame-options');
  const value = xfo?.split(',')[0]?.trim().toUpperCase();
  // RFC 7034 §2.1: DENY refuses every parent, SAMEORIGIN any of another origin; browsers ignore other values.
  if (value === 'DENY' || (value === 'SAMEORIGIN' && self.origin !== parent.origin)) {
    return {
      verdict: 'refused',
      url,
      header: 'X-Frame-Options',
      value: xfo ?? '',
      fix: `remove X-Frame-Options: ${value} from your app's launch page and send Content-Security-Policy: frame-ancestors ${parent.origin} instead`,
    };
  }
  return { verdict: 'allowed', url };
}

/**
 * Fetches `launchUrl` (headers only) and says whether a page of `sandboxOrigin` may frame it. Never throws:
 * an app that is down, slow or elsewhere gets `unchecked` with the reason.
 */
export async function checkFraming(
  launchUrl: string,
  sandboxOrigin: string,
  extraHosts: readonly string[] = [],
  timeoutMs = FRAMING_CHECK_TIMEOUT_MS,
): Promise<FramingFinding> {
  let url: URL;
  try {
    url = new URL(launchUrl);
  } catch {
    return { verdict: 'unchecked', url: launchUrl, reason: 'the launch URL is not an absolute URL' };
  }
  const refused = checkable(url, extraHosts);
  if (refused !== undefined) return { verdict: 'unchecked', url: launchUrl, reason: refused };
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetch(url, { redirect: 'manual', signal, headers: { Accept: 'text/html' } });
      // Headers are all the check needs: the body is never read, so its size never matters.
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) {
        return framingVerdict(launchUrl, res.headers, sandboxOrigin);
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        return {
          verdict: 'unchecked',
          url: launchUrl,
          reason: `the launch page redirects to another origin (${next.origin}), which the sandbox does not follow`,
        };
      }
      url = next;
    }
    return { verdict: 'unchecked', url: launchUrl, reason: `more than ${MAX_REDIRECTS} redirects` };
  } catch (err) {
    const reason = signal.aborted
      ? `no answer within ${timeoutMs / 1000} s`
      : `the app could not be reached (${causeOf(err)}); is it running?`;
    return { verdict: 'unchecked', url: launchUrl, reason };
  }
}

function causeOf(err: unknown): string {
  // undici's "fetch failed" carries the socket error, with its code, as the cause.
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
