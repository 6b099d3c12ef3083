import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminCall, startCli, writeConfig, type RunningCli } from '../helpers/cli.js';

const REDIRECT = 'http://127.0.0.1:5555/cb';
const nurse = {
  id: 'nurse-kim',
  fhirUser: 'Practitioner/prac-3',
  sub: 'user-4711',
  name: 'Kim Park',
  claims: { department: 'oncology' },
};

/** The first page of an interactive authorization request from the public test app. */
async function authorizePage(cli: RunningCli): Promise<string> {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'app',
    redirect_uri: REDIRECT,
    scope: 'openid fhirUser profile',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  const res = await fetch(`${cli.origin}/authorize?${query.toString()}`, { redirect: 'manual' });
  expect(res.status).toBe(200);
  return res.text();
}

describe('personas in the data folder (token-sandbox serve --data-dir)', () => {
  it('keeps added personas and remembered sign-in choices across a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    const config = await writeConfig({
      authorize: { mode: 'interactive' },
      clients: [
        {
          clientId: 'app',
          redirectUris: [REDIRECT],
          tokenEndpointAuthMethod: 'none',
          scope: 'openid fhirUser profile',
        },
      ],
    });
    const first = await startCli(['--config', config, '--data-dir', dir]);
    try {
      const added = await adminCall(first, 'POST', '/personas', nurse);
      expect(added.status, added.text).toBe(201);
      const page = await authorizePage(first);
      const request = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? '';
      const signedIn = await fetch(`${first.origin}/authorize/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          request,
          step: 'sign-in',
          decision: 'continue',
          persona: 'nurse-kim',
          remember: 'yes',
        }).toString(),
      });
      expect(signedIn.status).toBe(200);
      await signedIn.arrayBuffer();
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startCli(['--config', config, '--data-dir', dir]);
    try {
      const listed = JSON.parse((await adminCall(second, 'GET', '/personas')).text) as {
        personas: { id: string }[];
        remembered: Record<string, string>;
      };
      expect(listed.personas.find((p) => p.id === 'nurse-kim')).toEqual(nurse);
      expect(listed.personas.map((p) => p.id)).toContain('prac-1');
      expect(listed.remembered).toEqual({ app: 'nurse-kim' });
      // The remembered choice skips the sign-in step after the restart too.
      const page = await authorizePage(second);
      expect(page).not.toContain('<legend>Sign in as</legend>');
      expect(page).toContain('Signed in as <strong>Kim Park</strong>');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
