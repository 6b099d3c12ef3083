import { afterEach, describe, expect, it } from 'vitest';
import { startCli, writeConfig, type RunningCli } from '../helpers/cli.js';

/**
 * A client registered with grants or scopes the active profile cannot serve is named at start-up, on
 * stderr, before its first request fails.
 */

let cli: RunningCli | undefined;
afterEach(async () => {
  await cli?.stop();
  cli = undefined;
});

async function stderrOnceItHas(running: RunningCli, text: string): Promise<string> {
  const until = Date.now() + 10_000;
  while (!running.stderr().includes(text) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running.stderr();
}

describe('token-sandbox serve: client warnings', () => {
  it('warns about a refresh grant and offline_access under medirecords, and about nothing under smart', async () => {
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
    cli = await startCli(['--config', config, '--profile', 'medirecords']);
    const stderr = await stderrOnceItHas(cli, 'offline_access');
    expect(stderr).toContain(
      'token-sandbox: warning: client mr-app: grant refresh_token is not served by the medirecords profile',
    );
    expect(stderr).toContain(
      'token-sandbox: warning: client mr-app: scope offline_access asks for a refresh token, which the medirecords profile does not issue',
    );
    await cli.stop();

    cli = await startCli(['--config', config]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cli.stderr()).not.toContain('warning: client');
  });
});
