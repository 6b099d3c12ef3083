import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VERDICT_HEADER } from '../exchanges/record-hooks.js';
import type { Sandbox } from '../sandbox.js';
import { pathOf } from '../oauth/form.js';

/**
 * SMART App Launch 2.2 (and docs/endpoints.md#cors): browser apps call discovery, the JWKS, the token,
 * revocation and userinfo endpoints and the FHIR base directly, so those answer CORS requests, errors
 * included (docs/endpoints.md#cors). The authorization endpoint never does (RFC 9700 §2.6): it is navigated to, not
 * fetched. Nor do introspection (a resource server's call) or anything else.
 */
export function corsOpenPaths(sandbox: Sandbox): (path: string) => boolean {
  return (path) => {
    const { tokenPath } = sandbox.profile;
    return (
      path.startsWith('/.well-known/') ||
      path === '/fhir' ||
      path.startsWith('/fhir/') ||
      (path === tokenPath && sandbox.profile.tokenCors) ||
      path === '/revoke' ||
      path === '/userinfo'
    );
  };
}

const OPEN: FastifyCorsOptions = {
  // Reflect the caller's origin (with Vary: Origin): any app origin may call, no credentials are needed.
  origin: true,
  methods: ['GET', 'HEAD', 'POST'],
  // Browsers hide response headers unless exposed; apps need the RFC 6750 challenge and FHIR's Location,
  // and a browser app's developer the reason behind a rejection (X-Sandbox-Verdict).
  exposedHeaders: ['WWW-Authenticate', 'Location', 'Content-Location', 'Retry-After', VERDICT_HEADER],
  maxAge: 600,
};
const CLOSED: FastifyCorsOptions = { origin: false };

/**
 * Registers CORS once, at the root, with a per-path policy. One registration because Fastify's router is
 * global and @fastify/cors answers preflights through a catch-all `OPTIONS *` route: registering it in
 * several unprefixed scopes collides, and one explicit allow-list is also one place to audit.
 */
export async function registerCors(app: FastifyInstance, sandbox: Sandbox): Promise<void> {
  const isOpen = corsOpenPaths(sandbox);
  await app.register(cors, {
    delegator: (request: FastifyRequest, callback) => {
      // The path the caller asked for, before the profile rewrite (profile-paths.ts) renamed it.
      const path = pathOf(request.originalUrl);
      callback(null, isOpen(path) ? OPEN : CLOSED);
    },
  });
}
