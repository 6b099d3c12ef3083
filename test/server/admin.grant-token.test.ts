import { describe, expect } from 'vitest';
import type { IssuedArtefact } from '../../server/admin/issued-index.js';
import { admin, clientCredentials, fullCodeFlow, sandboxTest, type TestSandbox } from '../helpers/sandbox.js';

const it = sandboxTest();

async function listed(t: TestSandbox, kind: IssuedArtefact['kind']): Promise<IssuedArtefact> {
  const found = (await admin(t.app, 'GET', `/grants?kind=${kind}`)).json<{ grants: IssuedArtefact[] }>()
    .grants[0];
  if (!found) throw new Error(`no ${kind} listed`);
  return found;
}

describe('GET /grants/:id/token: Show, Decode, Inspect and Introspect for every listed value, behind the admin token', () => {
  it('returns the very access token a client_credentials client received', async ({ t }) => {
    const issued = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    const artefact = await listed(t, 'access_token');
    const res = await admin(t.app, 'GET', `/grants/${artefact.id}/token`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: artefact.id, kind: 'access_token', token: issued });
  });

  it('returns the id_token of a code flow too', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    const artefact = await listed(t, 'id_token');
    const res = await admin(t.app, 'GET', `/grants/${artefact.id}/token`);
    expect(res.json<{ token: string }>().token).toBe(tokens['id_token']);
  });

  it('refuses without the admin token', async ({ t }) => {
    await clientCredentials(t.app);
    const artefact = await listed(t, 'access_token');
    const res = await admin(t.app, 'GET', `/grants/${artefact.id}/token`, undefined, {
      authorization: undefined,
    });
    expect(res.statusCode).toBe(401);
  });

  it('shows the whole refresh token and code too, so every listed row can be copied and inspected', async ({
    t,
  }) => {
    const tokens = await fullCodeFlow(t.app);
    const refresh = await listed(t, 'refresh_token');
    const res = await admin(t.app, 'GET', `/grants/${refresh.id}/token`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: refresh.id, kind: 'refresh_token', token: tokens['refresh_token'] });
    const code = await listed(t, 'code');
    const shown = (await admin(t.app, 'GET', `/grants/${code.id}/token`)).json<{ token: string }>().token;
    expect(code.preview).toBe(`${shown.slice(0, 8)}…`);
  });

  it('never puts whole tokens in the list', async ({ t }) => {
    const issued = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    expect((await admin(t.app, 'GET', '/grants')).body).not.toContain(issued);
  });
});
