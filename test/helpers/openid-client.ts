import { expect } from 'vitest';
import * as oidc from 'openid-client';
import { CHALLENGE, VERIFIER } from './sandbox.js';

/**
 * Helpers for driving the sandbox with openid-client, an independent, certified OpenID Connect client: it
 * shares none of our tests' assumptions.
 */

/** The redirect URI the openid-client tests register. */
export const OIDC_REDIRECT = 'https://myclient/redirect';

/**
 * The sandbox serves plain HTTP on loopback. openid-client marks allowInsecureRequests "deprecated" only so
 * that it stands out; it is the documented switch for exactly this.
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- plain HTTP on loopback, see above
export const LOOPBACK_HTTP = { execute: [oidc.allowInsecureRequests] };

/**
 * The library's authorization code flow with PKCE S256, state and nonce: it builds the authorization URL (with
 * `params` besides), which must name `authorizePath` when given, follows it to the 302 and redeems the code it
 * comes back with.
 */
export async function oidcCodeFlow(
  config: oidc.Configuration,
  scope: string,
  options: { readonly params?: Record<string, string>; readonly authorizePath?: string } = {},
) {
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: OIDC_REDIRECT,
    scope,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'st4te',
    nonce: 'n0nce',
    ...options.params,
  });
  if (options.authorizePath !== undefined) expect(url.pathname).toBe(options.authorizePath);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status, await res.text()).toBe(302);
  return oidc.authorizationCodeGrant(config, new URL(res.headers.get('location') ?? ''), {
    pkceCodeVerifier: VERIFIER,
    expectedState: 'st4te',
    expectedNonce: 'n0nce',
  });
}
