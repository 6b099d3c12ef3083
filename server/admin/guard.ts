import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../oauth/same-secret.js';
import { parseAuthorization } from '../oauth/authorization.js';
import type { Sandbox } from '../sandbox.js';
import { LOOPBACK_NAMES, urlHost } from '../paths.js';

/**
 * The admin surface's guard (docs/admin-api.md#guard). Binding to 127.0.0.1 does not stop a web page from reaching the
 * server: a page can send simple requests (CSRF) and, through DNS rebinding, read the answers. So:
 * `Host` must be one of the server's own loopback names (webpack-dev-server#887, Node CVE-2018-7160), a
 * foreign `Origin` is refused, and every request carries the per-start bearer token. No CORS headers are
 * ever sent, so a browser never lets a foreign page read an answer.
 */

function originParts(sandbox: Sandbox): { protocol: string; host: string; port: string } {
  const url = new URL(sandbox.origin);
  return { protocol: url.protocol, host: url.host, port: url.port };
}

/** The `Host` values this server answers to: its loopback names with its port, and its own origin's host. */
export function allowedHosts(sandbox: Sandbox): Set<string> {
  const { host, port } = originParts(sandbox);
  const hosts = new Set<string>([host.toLowerCase()]);
  for (const name of LOOPBACK_NAMES.map(urlHost)) {
    hosts.add(port === '' ? name : `${name}:${port}`);
    if (port === '') hosts.add(`${name}:80`);
  }
  return hosts;
}

/** The `Origin` values of pages served by this server itself. */
export function allowedOrigins(sandbox: Sandbox): Set<string> {
  const { protocol } = originParts(sandbox);
  return new Set([...allowedHosts(sandbox)].map((host) => `${protocol}//${host}`));
}

/** Why a request must be refused with 403 (foreign `Host` or `Origin`), or undefined when it may pass. */
export function foreignRequest(sandbox: Sandbox, request: FastifyRequest): string | undefined {
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !allowedHosts(sandbox).has(host)) {
    return `Host ${host ?? '(none)'} is not this server's own name; use ${sandbox.origin} (DNS rebinding protection)`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins(sandbox).has(origin.toLowerCase())) {
    return `requests from the page at ${origin} are refused; only pages served by ${sandbox.origin} may call this`;
  }
  return undefined;
}

/** Constant-time comparison of a presented admin token with the server's (hashes first, so lengths leak nothing). */
export function isAdminToken(sandbox: Sandbox, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false;
  return sameSecret(sandbox.adminToken, presented);
}

/**
 * The bearer token of the Authorization header: the only place the admin token is accepted. Never a query
 * parameter: URLs end up in history, logs and Referer headers (RFC 6750 §2.3, §5.3).
 */
function presentedToken(request: FastifyRequest): string | undefined {
  const auth = parseAuthorization(request.headers.authorization);
  // Any token without spaces: the comparison is what decides, not the RFC 6750 b64token syntax.
  return auth?.kind === 'bearer' && /^\S+$/.test(auth.credentials) ? auth.credentials : undefined;
}

/** The 403 for a foreign `Host` or `Origin`, sent; undefined when the request may pass. */
function refuseForeign(
  sandbox: Sandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  const refusal = foreignRequest(sandbox, request);
  if (refusal === undefined) return undefined;
  return reply
    .code(403)
    .headers({ 'Cache-Control': 'no-store' })
    .send({ error: 'forbidden', message: refusal });
}

/**
 * Refuses requests with a foreign `Host` or `Origin` (403). For pages (the workbench UI) and the admin API.
 * A hook that answers returns the reply: that is how an async Fastify hook stops the request there.
 */
export function hostGuard(sandbox: Sandbox) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> =>
    refuseForeign(sandbox, request, reply);
}

/**
 * The admin API's `onRequest` guard: 403 for a foreign `Host` or `Origin`, then 401 without the bearer
 * admin token. Exported so routes added later (the workbench's own) reuse exactly this check.
 */
export function adminGuard(sandbox: Sandbox) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const refused = refuseForeign(sandbox, request, reply);
    if (refused !== undefined) return refused;
    if (isAdminToken(sandbox, presentedToken(request))) return undefined;
    return reply
      .code(401)
      .headers({ 'WWW-Authenticate': 'Bearer realm="token-sandbox-admin"', 'Cache-Control': 'no-store' })
      .send({
        error: 'unauthorized',
        message:
          'the admin API needs Authorization: Bearer ADMIN_TOKEN (the --admin-token value, or the token in the workbench URL printed at start-up)',
      });
  };
}
