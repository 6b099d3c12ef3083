import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { LOOPBACK_HTTP, OIDC_REDIRECT as REDIRECT, oidcCodeFlow } from '../helpers/openid-client.js';
import { adminCall, runCliToExit, startCli, writeConfig, type RunningCli } from '../helpers/cli.js';

/**
 * README "Many issuers", black-box: one `token-sandbox serve` with a SMART (default), a MediRecords and an iEHR
 * issuer; an independent client (openid-client) runs code + PKCE against each, and tokens never cross them.
 */

const SECRET = 'abcdef01234567890';

/** How a client authenticates: iEHR takes HTTP Basic only (its vendor document), the others the form post. */
type Auth = 'client_secret_post' | 'client_secret_basic';

/** A confidential client with a refresh token, registered with issuer `name` through the admin API. */
async function addClient(
  cli: RunningCli,
  issuer: string,
  clientId: string,
  auth: Auth = 'client_secret_post',
): Promise<void> {
  const res = await adminCall(cli, 'POST', `/issuers/${issuer}/clients`, {
    clientId,
    clientSecret: SECRET,
    redirectUris: [REDIRECT],
    scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
    tokenEndpointAuthMethod: auth,
  });
  expect(res.status, res.text).toBe(201);
}

/** Discovery, then code + PKCE at one issuer, as openid-client does it; the tokens. */
async function codeFlow(issuer: string, clientId: string, scope: string, auth: Auth = 'client_secret_post') {
  const config = await oidc.discovery(
    new URL(issuer),
    clientId,
    SECRET,
    auth === 'client_secret_post' ? oidc.ClientSecretPost(SECRET) : oidc.ClientSecretBasic(SECRET),
    LOOPBACK_HTTP,
  );
  expect(config.serverMetadata().issuer).toBe(issuer);
  const tokens = await oidcCodeFlow(config, scope, { params: { aud: `${issuer}/fhir` } });
  expect(tokens.claims()?.iss).toBe(issuer);
  return { config, tokens };
}

async function fhirRead(base: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/fhir/Patient`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

describe('token-sandbox serve --issuer NAME=PROFILE', () => {
  it('serves SMART, MediRecords and iEHR side by side, and their tokens do not cross', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-issuers-'));
    const cli = await startCli([
      '--data-dir',
      dir,
      '--issuer',
      'medirecords=medirecords',
      '--issuer',
      'iehr=iehr',
    ]);
    try {
      await addClient(cli, 'default', 'smart-app');
      await addClient(cli, 'medirecords', 'mr-app');
      await addClient(cli, 'iehr', 'iehr-app', 'client_secret_basic');
      const scope = 'openid fhirUser launch/patient patient/*.rs offline_access';
      const smart = await codeFlow(cli.origin, 'smart-app', scope);
      const mr = await codeFlow(`${cli.origin}/i/medirecords`, 'mr-app', scope);
      const iehr = await codeFlow(`${cli.origin}/i/iehr`, 'iehr-app', scope, 'client_secret_basic');
      expect(mr.config.serverMetadata().token_endpoint).toBe(
        `${cli.origin}/i/medirecords/oauth/smartauth/token`,
      );
      expect(iehr.config.serverMetadata().token_endpoint).toBe(`${cli.origin}/i/iehr/oauth2/token`);

      // Each issuer's own token reads its own FHIR base; another's is refused, naming the issuer.
      expect((await fhirRead(`${cli.origin}/i/medirecords`, mr.tokens.access_token)).status).toBe(200);
      const crossed = await fhirRead(`${cli.origin}/i/iehr`, mr.tokens.access_token);
      expect(crossed.status).toBe(401);
      expect(crossed.text).toContain('issued by issuer medirecords');
      const atRoot = await fhirRead(cli.origin, iehr.tokens.access_token);
      expect(atRoot.status).toBe(401);
      expect(atRoot.text).toContain('issued by issuer iehr');

      // Introspection at another issuer: inactive (RFC 7662 §2.2); at its own, active.
      expect((await oidc.tokenIntrospection(smart.config, mr.tokens.access_token)).active).toBe(false);
      expect((await oidc.tokenIntrospection(mr.config, mr.tokens.access_token)).active).toBe(true);

      // Refresh: iEHR's refresh token at the default issuer is invalid_grant naming iehr (MediRecords has
      // no refresh grant at all).
      const foreign = oidc.refreshTokenGrant(smart.config, iehr.tokens.refresh_token ?? '');
      await expect(foreign).rejects.toMatchObject({
        error: 'invalid_grant',
        error_description: expect.stringContaining('issued by issuer iehr') as unknown,
      });
      const own = await oidc.refreshTokenGrant(smart.config, smart.tokens.refresh_token ?? '');
      expect(typeof own.access_token).toBe('string');
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    // Start-up names each issuer's discovery URL.
    expect(cli.stdout()).toContain(
      `issuer medirecords, profile medirecords; discovery ${cli.origin}/i/medirecords/.well-known/smart-configuration`,
    );
    // ...and counts each issuer's own clients (none yet: they were added after it).
    expect(cli.stdout()).toContain(`state in ${dir}; clients: default 0, medirecords 0, iehr 0\n`);
  });

  it('a restart after a kill keeps an issuer added through the admin API, its clients and its keys', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-issuers-'));
    const first = await startCli(['--data-dir', dir]);
    let jwks: string;
    try {
      const added = await adminCall(first, 'POST', '/issuers', { name: 'acme', profile: 'iehr' });
      expect(added.status, added.text).toBe(201);
      await addClient(first, 'acme', 'acme-app', 'client_secret_basic');
      jwks = await (await fetch(`${first.origin}/i/acme/.well-known/jwks.json`)).text();
    } finally {
      // Killed, not stopped: what the admin API acknowledged is on disk already, in both folders.
      await first.stop('SIGKILL');
    }
    // Its own folder, private like the root's.
    expect((await stat(path.join(dir, 'issuers', 'acme'))).mode & 0o777).toBe(0o700);
    // With the default issuer alone, the start-up line counts its clients as it always did.
    expect(first.stdout()).toContain(`state in ${dir}; 0 client(s) registered\n`);
    const second = await startCli(['--data-dir', dir]);
    try {
      // With several, it counts each issuer's own: acme's client came back with it.
      // (printed after the "listening" line startCli waits for).
      await second.printed('stdout', `state in ${dir}; clients: default 0, acme 1\n`);
      const list = await adminCall(second, 'GET', '/issuers');
      expect(list.text).toContain('"name":"acme"');
      const clients = await adminCall(second, 'GET', '/issuers/acme/clients');
      expect(clients.text).toContain('"clientId":"acme-app"');
      expect(await (await fetch(`${second.origin}/i/acme/.well-known/jwks.json`)).text()).toBe(jwks);
      const tokens = await codeFlow(
        `${second.origin}/i/acme`,
        'acme-app',
        'openid offline_access',
        'client_secret_basic',
      );
      expect(typeof tokens.tokens.access_token).toBe('string');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('a bad --issuer exits 2 naming the flag and what was expected', async () => {
    const config = await writeConfig({
      issuers: [
        { name: 'mr', profile: 'medirecords' },
        { name: 'mr', profile: 'iehr' },
      ],
    });
    const [bad, profile, repeated, duplicate] = await Promise.all([
      runCliToExit(['serve', '--issuer', 'Mr=medirecords']),
      runCliToExit(['serve', '--issuer', 'mr=epic']),
      // The same name twice on the command line is refused, not settled silently by the last one.
      runCliToExit(['serve', '--issuer', 'a=iehr', '--issuer', 'a=smart']),
      runCliToExit(['serve', '--config', config]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--issuer must be NAME=PROFILE');
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('--issuer mr=epic: the profile must be one of smart, medirecords, iehr');
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain('--issuer a=smart: the name "a" is already given by --issuer a=iehr');
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('issuers[1].name: "mr" is already used by issuers[0]');
  });
});
