import type { FastifyReply, FastifyRequest } from 'fastify';
import { profileNamed, profileNames } from '../profiles/profile.js';
import type { Sandbox } from '../sandbox.js';
import { pathOf } from '../oauth/form.js';

/** The body of a 404 outside the FHIR base and the admin API (which answer in their own shapes). */
export interface NotFoundBody {
  readonly statusCode: 404;
  readonly error: 'Not Found';
  readonly message: string;
  /** The active profile and where its endpoints are, so a client sent to the wrong path can find the right one. */
  readonly profile: string;
  readonly tokenPath: string;
  readonly authorizePath: string;
}

/**
 * The 404 for a path nothing serves. The token and authorization endpoints move with the profile, so a
 * request to another profile's path (`POST /token` under iEHR) is told which profile is active and where its
 * endpoint is, instead of a bare "route not found".
 */
export function notFoundHandler(sandbox: Sandbox) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const active = sandbox.profile;
    const path = pathOf(request.originalUrl);
    // An issuer under `/i/NAME` sees paths without its prefix (app.ts rewriteUrl); the client used it.
    const base = sandbox.basePath;
    const asked = `${request.method} ${base}${path}`;
    const endpoints = `under the active profile ${active.name} the token endpoint is POST ${base}${active.tokenPath} and the authorization endpoint GET or POST ${base}${active.authorizePath}`;
    let message = `nothing is served at ${asked}; ${endpoints} (discovery at ${base}/.well-known/smart-configuration lists every endpoint)`;
    for (const name of profileNames(sandbox.config)) {
      if (name === active.name) continue;
      const other = profileNamed(name, sandbox.config);
      const which =
        path === other.tokenPath ? 'token' : path === other.authorizePath ? 'authorization' : undefined;
      if (which === undefined) continue;
      message = `${asked} is the ${which} endpoint of the ${name} profile, not of the active profile ${active.name}: ${endpoints}`;
      break;
    }
    const body: NotFoundBody = {
      statusCode: 404,
      error: 'Not Found',
      message,
      profile: active.name,
      tokenPath: `${base}${active.tokenPath}`,
      authorizePath: `${base}${active.authorizePath}`,
    };
    return reply.code(404).send(body);
  };
}
