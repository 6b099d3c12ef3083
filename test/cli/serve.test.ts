import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { runCliToExit, startCli, writeConfig, type RunningCli } from '../helpers/cli.js';

const REDIRECT = 'http://127.0.0.1:5555/cb';

describe('token-sandbox serve (docs/cli.md), driven by openid-client', () => {
  let cli: RunningCli;

  beforeAll(async () => {
    const config = await writeConfig({
      clients: [
        {
          clientId: 'web-app',
          clientSecret: 'web-secret',
          redirectUris: [REDIRECT],
          grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
          scope: 'openid fhirUser offline_access system/*.rs',
        },
      ],
    });
    cli = await startCli(['--config', config]);
  });

  afterAll(async () => {
    await cli.stop();
  });

  it('prints the listening line, the workbench URL with its token, and binds to loopback', () => {
    expect(cli.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toContain(`workbench ${cli.origin}/?token=${cli.adminToken}`);
    expect(cli.adminToken.length).toBeGreaterThanOrEqual(20);
  });

  async function discover(): Promise<oidc.Configuration> {
    return oidc.discovery(
      new URL(cli.origin),
      'web-app',
      'web-secret',
      oidc.ClientSecretBasic('web-secret'),
      {
        // The sandbox under test listens on plain http on loopback; this is the documented switch for that.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
      },
    );
  }

  it('completes an authorization-code + PKCE flow, a refresh and a client-credentials grant', async () => {
    const config = await discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid fhirUser offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const authorizeResponse = await fetch(url, { redirect: 'manual' });
    expect(authorizeResponse.status).toBe(302);
    const callback = new URL(authorizeResponse.headers.get('location') ?? '');

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const claims = tokens.claims();
    expect(claims?.iss).toBe(cli.origin);
    expect(claims?.['fhirUser']).toBe(`${cli.origin}/fhir/Practitioner/prac-1`);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const service = await oidc.clientCredentialsGrant(config, { scope: 'system/Patient.rs' });
    expect(service.scope).toBe('system/Patient.rs');

    const introspection = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspection.active).toBe(true);
    await oidc.tokenRevocation(config, refreshed.access_token);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('refuses a replayed code, as openid-client sees it', async () => {
    const config = await discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('prints no warning on stderr after signing tokens, on every supported Node', () => {
    // Node 26 deprecates KeyObject.from() on a non-extractable key (DEP0204); a user would see that on every start.
    expect(cli.stderr()).not.toMatch(/Warning/);
  });
});

describe('token-sandbox command line errors', () => {
  it('exits 2 naming the file, the field and what was expected for an invalid config', async () => {
    const config = await writeConfig({ clients: [{ clientId: 'a', redirectUris: ['not a url'] }] });
    const { code, stdout, stderr } = await runCliToExit(['serve', '--port', '0', '--config', config]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(config);
    expect(stderr).toContain('clients[0].redirectUris[0]: expected an absolute URL, got "not a url"');
  });

  it('exits 2 for an unreadable config and for a file that is not JSON', async () => {
    const missing = await runCliToExit(['serve', '--config', '/nonexistent/sandbox.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/sandbox.json');
    expect(missing.stderr).toContain('ENOENT');
    const broken = await writeConfig({});
    await writeFile(broken, '{ "clients": [ ');
    const notJson = await runCliToExit(['serve', '--config', broken]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(
      `${broken} is not a valid token-sandbox config: (document): is not valid JSON`,
    );
  });

  it('exits 2 for bad flags, with the usage', async () => {
    for (const args of [
      ['serve', '--port', 'abc'],
      ['serve', '--bogus'],
      ['launch'],
      ['serve', '--profile', 'nope'],
    ]) {
      const { code, stderr } = await runCliToExit(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('Usage: token-sandbox serve');
    }
  });

  it('writes nothing to the data folder when the config is invalid', async () => {
    const config = await writeConfig({ profile: 'bogus' });
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    const { code } = await runCliToExit(['serve', '--config', config, '--data-dir', dir]);
    expect(code).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('closes cleanly with exit code 0 on SIGINT and SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const running = await startCli([]);
      expect(await running.stop(signal)).toBe(0);
    }
  });
});
