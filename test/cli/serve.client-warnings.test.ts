import { describe, expect } from 'vitest';
import { cliTest as it, writeConfig } from '../helpers/cli.js';

/**
 * A client registered with grants or scopes the active profile cannot serve is named at start-up, on
 * stderr, before its first request fails.
 */

describe('token-sandbox serve: client warnings', () => {
  it('warns about a refresh grant and offline_access under medirecords, and about nothing under smart', async ({
    startCli,
  }) => {
    const config = await writeConfig({
      clients: [
        {
          clientId: 'mr-app',
          redirectUris: ['http://127.0.0.1:5555/cb'],
          grantTypes: ['authorization_code', 'refresh_token'],
          scope: 'openid launch/patient patient/*.rs offline_access',
        },
      ],
    });
    const [medirecords, smart] = await Promise.all([
      startCli(['--config', config, '--profile', 'medirecords']),
      startCli(['--config', config]),
    ]);
    const stderr = await medirecords.printed('stderr', 'offline_access');
    expect(stderr).toContain(
      'token-sandbox: warning: client mr-app: grant refresh_token is not served by the medirecords profile',
    );
    expect(stderr).toContain(
      'token-sandbox: warning: client mr-app: scope offline_access asks for a refresh token, which the medirecords profile does not issue',
    );
    // Everything it printed from start to end: stop resolves once its output is closed.
    expect(await smart.stop()).toBe(0);
    expect(smart.stderr()).not.toContain('warning: client');
  });
});
