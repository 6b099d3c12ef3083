import { afterEach, inject } from 'vitest';
import {
  startSandbox,
  type ClientConfig,
  type RunningSandbox,
  type StartSandboxOptions,
} from '../../server/test-api/index.js';
import { basic } from './sandbox.js';

/** The test API's tests, over real sockets as a suite outside this repository uses it. */

const BACKEND_SECRET = 'backend-secret-123';

/** A backend service client (client_credentials, HTTP Basic). */
export const backend: ClientConfig = {
  clientId: 'backend',
  clientSecret: BACKEND_SECRET,
  tokenEndpointAuthMethod: 'client_secret_basic',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};

/**
 * `start(options)`: `startSandbox` with `defaults` (or `base`, where a test wants other ones) and the suite's
 * signing keys, `options` over them; every sandbox a test starts is closed when the test ends.
 */
export function sandboxStarter(defaults: StartSandboxOptions) {
  const started: RunningSandbox[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (options: StartSandboxOptions = {}, base = defaults): Promise<RunningSandbox> => {
    const sandbox = await startSandbox({ ...base, signingKeys: inject('signingKeys'), ...options });
    started.push(sandbox);
    return sandbox;
  };
}

/** Where an issuer answers: a RunningSandbox or an IssuerHandle. */
interface Urls {
  readonly urls: { readonly token: string; readonly introspect: string };
}

/** A client_credentials token request at `s`, as `backend` unless told otherwise. */
export async function tokenRequest(
  s: Urls,
  id = backend.clientId,
  secret = BACKEND_SECRET,
): Promise<Response> {
  return fetch(s.urls.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: 'grant_type=client_credentials&scope=system%2F*.rs',
  });
}

/** RFC 7662 introspection of `token` at `s`, as `backend`. */
export async function introspect(s: Urls, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(s.urls.introspect, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(backend.clientId, BACKEND_SECRET),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await res.json()) as Record<string, unknown>;
}
