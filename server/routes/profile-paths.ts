import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Profile } from '../profiles/profile.js';
import { pathOf } from '../oauth/form.js';

/**
 * Where the active profile's token and authorization endpoints are routed inside the server.
 *
 * Fastify's routes are fixed once the server is ready, but the profile is not: `PUT /_sandbox/api/config` can
 * swap it, and a config-described profile can put its endpoints at any path. So the factory's `rewriteUrl`
 * (which runs before routing, on every request) maps the active profile's paths onto these two fixed routes,
 * and every other path, the inactive profiles' included, routes as usual, which for them means 404. The path
 * the client really asked for stays in `request.originalUrl` (the exchange log shows that one); `request.url`
 * is the internal route, with the query string unchanged.
 */
export const PROFILE_ROUTES = {
  token: '/_sandbox/profile/token',
  authorize: '/_sandbox/profile/authorize',
  /** Where the interactive consent page posts its decision: under the active authorize path. */
  decision: '/_sandbox/profile/authorize/decision',
} as const;

/** The public path of the consent decision under a profile. */
export function decisionPath(profile: Profile): string {
  return `${profile.authorizePath}/decision`;
}

/** `rewriteUrl` for the factory: the active profile's endpoint paths to their internal routes. */
export function rewriteProfilePath(profile: Profile, url: string): string {
  const path = pathOf(url);
  // The query with its `?`, as sent.
  const query = url.slice(path.length);
  if (path === profile.tokenPath) return `${PROFILE_ROUTES.token}${query}`;
  if (path === profile.authorizePath) return `${PROFILE_ROUTES.authorize}${query}`;
  if (path === decisionPath(profile)) return `${PROFILE_ROUTES.decision}${query}`;
  return url;
}

/**
 * An `onRequest` hook for the internal routes: a request that named the internal path itself (rather than
 * arriving there by the rewrite) gets the ordinary 404, so the endpoints exist only at the profile's paths.
 */
export async function onlyThroughProfilePath(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (request.originalUrl !== request.url) return undefined;
  reply.callNotFound();
  return reply;
}
