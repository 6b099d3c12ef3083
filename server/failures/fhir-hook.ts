import type { FastifyInstance } from 'fastify';
import { clientIdOf } from '../oauth/authorization.js';
import type { Sandbox } from '../sandbox.js';
import { fireFailure, interrupt } from './engine.js';
import { pathOf } from '../oauth/form.js';

/**
 * Whether a path is a FHIR resource request that needs a bearer token: the FHIR base and everything under
 * it except its discovery document and CapabilityStatement, which are public.
 */
export function isProtectedFhirPath(path: string): boolean {
  if (path !== '/fhir' && !path.startsWith('/fhir/')) return false;
  return !path.startsWith('/fhir/.well-known/') && path !== '/fhir/metadata';
}

/**
 * Applies `fhir.*` failures to the FHIR base: a `preHandler` of its plugin, ahead of the bearer check. An
 * injected error is thrown like a genuine one, so the FHIR base's error handler writes both the same way
 * (RFC 6750 §3: `WWW-Authenticate` and an OperationOutcome, never OAuth JSON). The client it scopes to is
 * the `client_id` of the presented token.
 */
export function injectFhirFailures(app: FastifyInstance, sandbox: Sandbox): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!isProtectedFhirPath(pathOf(request.url))) return;
    const clientId = clientIdOf(request.headers.authorization);
    const failure = fireFailure(sandbox, request, 'fhir', clientId);
    if (failure === undefined) return;
    const outcome = await interrupt(sandbox, request, reply, failure);
    // Returning the reply tells Fastify the hook took over: the route handler never runs.
    return outcome === 'hung' ? reply : undefined;
  });
}
