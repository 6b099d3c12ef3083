import { afterEach, describe, expect, it } from 'vitest';
import { basic, CHALLENGE, form, VERIFIER } from '../helpers/sandbox.js';
import { runServe, startServe, tempConfig, type ServeProcess } from '../helpers/serve-process.js';

/**
 * README "Profiles": `token-sandbox serve --profile medirecords` (or `iehr`) and a client pointed at the
 * documented path works with no other setup than registering a client.
 */

const REDIRECT = 'http://127.0.0.1:5555/cb';
let server: ServeProcess | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  if (server) expect(await server.stop()).toBe(0);
  server = undefined;
  await cleanup?.();
  cleanup = undefined;
});

async function serveWith(config: unknown, profile: string): Promise<ServeProcess> {
  const { file, remove } = await tempConfig(config);
  cleanup = remove;
  server = await startServe(['serve', '--port', '0', '--profile', profile, '--config', file]);
  return server;
}

/** Follows discovery to the authorization endpoint and returns the code it redirects with. */
async function authorizeAt(origin: string, params: Record<string, string>): Promise<string> {
  const discovery = (await (await fetch(`${origin}/.well-known/smart-configuration`)).json()) as {
    authorization_endpoint: string;
  };
  const res = await fetch(`${discovery.authorization_endpoint}?${form(params)}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (code === null) throw new Error('no code in the redirect');
  return code;
}

function postToken(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });
}

describe('token-sandbox serve --profile', () => {
  it('medirecords: an authorization code with PKCE is exchanged at /oauth/smartauth/token', async () => {
    const { origin } = await serveWith(
      {
        clients: [
          { clientId: 'mr-app', redirectUris: [REDIRECT], scope: 'openid launch/patient patient/*.rs' },
        ],
      },
      'medirecords',
    );
    const code = await authorizeAt(origin, {
      response_type: 'code',
      client_id: 'mr-app',
      redirect_uri: REDIRECT,
      scope: 'openid launch/patient',
      state: 's',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const res = await postToken(`${origin}/oauth/smartauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      client_id: 'mr-app',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', patient: 'pat-1', scope: 'openid launch/patient' });
    expect(typeof body['id_token']).toBe('string');
    const wrongPath = await postToken(`${origin}/token`, { grant_type: 'authorization_code' });
    expect(wrongPath.status).toBe(404);
  });

  it('iehr: an authorization code with PKCE is exchanged at /oauth2/token with Basic', async () => {
    const { origin } = await serveWith(
      {
        clients: [
          {
            clientId: 'ehr-app',
            clientSecret: 'abcdef01234567890',
            redirectUris: ['https://myclient/redirect'],
            scope: 'openid offline_access',
          },
        ],
      },
      'iehr',
    );
    const code = await authorizeAt(origin, {
      response_type: 'code',
      client_id: 'ehr-app',
      redirect_uri: 'https://myclient/redirect',
      scope: 'openid offline_access',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const res = await postToken(
      `${origin}/oauth2/token`,
      {
        grant_type: 'authorization_code',
        client_id: 'ehr-app',
        code,
        code_verifier: VERIFIER,
        redirect_uri: 'https://myclient/redirect',
      },
      { authorization: basic('ehr-app', 'abcdef01234567890') },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'id_token',
      'refresh_token',
      'token_type',
    ]);
    const bad = await postToken(
      `${origin}/oauth2/token`,
      { grant_type: 'password' },
      {
        authorization: basic('ehr-app', 'abcdef01234567890'),
      },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('accepts a profile the config describes, and refuses an unknown name with exit code 2', async () => {
    const config = {
      profiles: [{ name: 'acme', extends: 'iehr', tokenPath: '/connect/token' }],
      clients: [
        {
          clientId: 'svc',
          clientSecret: 'svc-s3cret',
          grantTypes: ['client_credentials'],
          scope: 'api/read',
        },
      ],
    };
    const { origin } = await serveWith(config, 'acme');
    const res = await postToken(
      `${origin}/connect/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basic('svc', 'svc-s3cret'),
      },
    );
    expect(res.status).toBe(200);

    const { file, remove } = await tempConfig(config);
    try {
      const run = await runServe(['serve', '--port', '0', '--profile', 'okta', '--config', file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `--profile must be one of smart, medirecords, iehr, acme (built in or in ${file}), got "okta"`,
      );
    } finally {
      await remove();
    }
  });
});
