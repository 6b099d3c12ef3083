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

describe('GET /grants/:id/token: Decode and Introspect for every token, behind the admin token', () => {
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

  it('says a refresh token is opaque, with nothing to decode', async ({ t }) => {
    await fullCodeFlow(t.app);
    const artefact = await listed(t, 'refresh_token');
    const res = await admin(t.app, 'GET', `/grants/${artefact.id}/token`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'not_a_jwt' });
  });

  it('never puts whole tokens in the list', async ({ t }) => {
    const issued = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    expect((await admin(t.app, 'GET', '/grants')).body).not.toContain(issued);
  });
});
