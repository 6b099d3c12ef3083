import { afterEach, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import * as oidc from 'openid-client';
import { buildServer } from '../../server/app.js';
import { parseConfig } from '../../server/config/validate.js';
import { LOOPBACK_HTTP, OIDC_REDIRECT as REDIRECT, oidcCodeFlow } from '../helpers/openid-client.js';

/**
 * An independent, certified OpenID Connect client (openid-client) drives each vendor profile through
 * discovery, so the profiles are checked by a client that shares none of our tests' assumptions.
 */

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(config: unknown): Promise<string> {
  app = await buildServer({ config: parseConfig(config), signingKeys: inject('signingKeys') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const origin = `http://127.0.0.1:${address.port}`;
  app.sandbox.origin = origin;
  return origin;
}

describe('openid-client against the vendor profiles', () => {
  it('iehr: code flow with PKCE and client_secret_basic at /oauth2/token, then a refresh', async () => {
    const origin = await listening({
      profile: 'iehr',
      clients: [
        {
          clientId: 'ehr-app',
          clientSecret: 'abcdef01234567890',
          redirectUris: [REDIRECT],
          scope: 'openid profile offline_access',
        },
      ],
    });
    const config = await oidc.discovery(
      new URL(origin),
      'ehr-app',
      'abcdef01234567890',
      oidc.ClientSecretBasic('abcdef01234567890'),
      LOOPBACK_HTTP,
    );
    expect(config.serverMetadata().token_endpoint).toBe(`${origin}/oauth2/token`);
    const tokens = await oidcCodeFlow(config, 'openid offline_access', {
      authorizePath: '/oauth2/authorize',
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.claims()?.aud).toBe('ehr-app');
    expect(typeof tokens.refresh_token).toBe('string');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(typeof refreshed.access_token).toBe('string');
    expect(refreshed.refresh_token).toBeUndefined();
  });

  it('medirecords: a public SMART app at /oauth/smartauth/token', async () => {
    const origin = await listening({
      profile: 'medirecords',
      clients: [{ clientId: 'mr-app', redirectUris: [REDIRECT], scope: 'openid fhirUser launch/patient' }],
    });
    const config = await oidc.discovery(new URL(origin), 'mr-app', undefined, oidc.None(), LOOPBACK_HTTP);
    const tokens = await oidcCodeFlow(config, 'openid fhirUser launch/patient', {
      authorizePath: '/oauth/smartauth/authorize',
    });
    expect(tokens.scope).toBe('openid fhirUser launch/patient');
    expect(tokens['patient']).toBe('pat-1');
    expect(tokens.claims()?.sub).toBe('Practitioner/prac-1');
  });
});
