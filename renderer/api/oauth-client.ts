import type { ClientConfig, SmartConfiguration } from './types.js';
import { basicAuthorization } from '../lib/basic-authorization.js';

/**
 * The sandbox's public OAuth endpoints, called from the page the way an app would call them: the "Try it"
 * token request, introspection after a revoke, and discovery for the Overview.
 */

export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

async function send(doFetch: typeof fetch, url: string, init: RequestInit): Promise<HttpResult> {
  const response = await doFetch(url, { ...init, cache: 'no-store' });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a failure mode may send a truncated body): keep the text.
  }
  return { status: response.status, body, text };
}

export async function fetchSmartConfiguration(
  origin: string,
  doFetch: typeof fetch = fetch,
): Promise<SmartConfiguration> {
  const result = await send(doFetch, `${origin}/.well-known/smart-configuration`, {});
  if (result.status !== 200 || typeof result.body !== 'object' || result.body === null) {
    throw new Error(`discovery answered ${result.status}`);
  }
  return smartConfiguration(result.body);
}

/**
 * A discovery document the workbench can use: the two endpoints SMART App Launch 2.2 §Response requires are
 * strings. An injected failure or another server may answer 200 with anything; say what is missing instead.
 */
function smartConfiguration(body: object): SmartConfiguration {
  const authorize = 'authorization_endpoint' in body ? body.authorization_endpoint : undefined;
  const token = 'token_endpoint' in body ? body.token_endpoint : undefined;
  if (typeof authorize !== 'string' || typeof token !== 'string') {
    const missing = Object.entries({ authorization_endpoint: authorize, token_endpoint: token })
      .filter(([, value]) => typeof value !== 'string')
      .map(([field]) => field);
    throw new Error(`discovery answered without ${missing.join(' or ')}`);
  }
  return { ...body, authorization_endpoint: authorize, token_endpoint: token };
}

/** The credentials part of a request for a client with a secret, in the way it registered. */
function clientCredentials(client: ClientConfig): {
  headers: Record<string, string>;
  form: Record<string, string>;
} {
  const secret = client.clientSecret ?? '';
  if (client.tokenEndpointAuthMethod === 'client_secret_post') {
    return { headers: {}, form: { client_id: client.clientId, client_secret: secret } };
  }
  return { headers: { Authorization: basicAuthorization(client.clientId, secret) }, form: {} };
}

/** Whether the page itself can authenticate as this client (it has a secret). */
export function canAuthenticate(client: ClientConfig): boolean {
  return (
    client.clientSecret !== undefined &&
    client.tokenEndpointAuthMethod !== 'none' &&
    client.tokenEndpointAuthMethod !== 'private_key_jwt'
  );
}

async function postForm(
  doFetch: typeof fetch,
  url: string,
  client: ClientConfig,
  params: Record<string, string>,
): Promise<HttpResult> {
  const creds = clientCredentials(client);
  return send(doFetch, url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...creds.headers },
    body: new URLSearchParams({ ...params, ...creds.form }).toString(),
  });
}

/** A client_credentials token request (RFC 6749 §4.4), what "Try it" runs. */
export function requestClientCredentialsToken(
  tokenEndpoint: string,
  client: ClientConfig,
  scope: string,
  doFetch: typeof fetch = fetch,
): Promise<HttpResult> {
  return postForm(doFetch, tokenEndpoint, client, { grant_type: 'client_credentials', scope });
}

/** RFC 7662 introspection, authenticated as the client that holds the token. */
export function introspectToken(
  introspectionEndpoint: string,
  client: ClientConfig,
  token: string,
  doFetch: typeof fetch = fetch,
): Promise<HttpResult> {
  return postForm(doFetch, introspectionEndpoint, client, { token });
}

/** Reads a FHIR resource with a bearer token, as an app does after it got one (RFC 6750 §2.1). */
export function readFhirResource(
  fhirBase: string,
  resourcePath: string,
  accessToken: string,
  doFetch: typeof fetch = fetch,
): Promise<HttpResult> {
  return send(doFetch, `${fhirBase}/${resourcePath}`, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/fhir+json' },
  });
}
