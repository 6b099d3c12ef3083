// Pure code, no imports: the workbench imports this module too (eslint.config.js lists the server modules the
// renderer may import), so the server and the workbench spell the sandbox's own names one way.

/** Where the admin API lives on the sandbox's origin (docs/admin-api.md). */
export const ADMIN_PREFIX = '/_sandbox/api';

/**
 * The names of this machine's loopback interface, as a host name or a bare address: a server bound to one of
 * them is reachable from this machine alone, the admin guard answers to them, and a local certificate covers them.
 */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** A host as a URL or a `Host` header writes it: an IPv6 address in brackets (RFC 3986 §3.2.2). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
