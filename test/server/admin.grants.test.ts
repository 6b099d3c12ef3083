import { describe, expect } from 'vitest';
import {
  admin,
  authorize,
  fullCodeFlow,
  introspect,
  redeem,
  refresh,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { IssuedArtefact } from '../../server/admin/issued-index.js';

const it = sandboxTest();

async function grants(t: TestSandbox, query = ''): Promise<IssuedArtefact[]> {
  const res = await admin(t.app, 'GET', `/grants${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ grants: IssuedArtefact[] }>().grants;
}

async function one(t: TestSandbox, kind: IssuedArtefact['kind']): Promise<IssuedArtefact> {
  const found = (await grants(t, `?kind=${kind}`))[0];
  if (!found) throw new Error(`no ${kind} listed`);
  return found;
}

describe('GET /grants: issued codes and tokens with their state (docs/admin-api.md#grants)', () => {
  it('lists the code, access, refresh and id token of a flow, shortened, with states', async ({ t }) => {
    const body = await fullCodeFlow(t.app);
    const list = await grants(t);
    expect(list.map((a) => `${a.kind} ${a.state}`).sort()).toEqual([
      'access_token active',
      'code consumed',
      'id_token active',
      'refresh_token active',
    ]);
    const rt = await one(t, 'refresh_token');
    expect(rt.preview).toBe(`${String(body['refresh_token']).slice(0, 8)}…`);
    expect(JSON.stringify(list)).not.toContain(String(body['refresh_token']));
    expect(rt.clientId).toBe('conf-app');
    expect((await one(t, 'access_token')).grantId).toBe(rt.grantId);
  });

  it('shows a refresh token as consumed once rotated, and the grant as revoked after reuse', async ({
    t,
  }) => {
    const body = await fullCodeFlow(t.app);
    const old = String(body['refresh_token']);
    expect((await refresh(t.app, old)).statusCode).toBe(200);
    expect((await grants(t, '?kind=refresh_token')).map((a) => a.state)).toEqual(['active', 'consumed']);
    await refresh(t.app, old);
    expect((await grants(t, '?state=active')).map((a) => a.kind)).toEqual([]);
  });

  it('filters by state and client', async ({ t }) => {
    await authorize(t.app);
    expect((await grants(t, '?state=active')).map((a) => a.kind)).toEqual(['code']);
    expect(await grants(t, '?clientId=post-app')).toEqual([]);
    expect((await admin(t.app, 'GET', '/grants?state=bogus')).json()).toMatchObject({ field: 'state' });
  });
});

describe('"expire now" (POST /grants/:id/expire)', () => {
  it('expires a code before it is redeemed', async ({ t }) => {
    const { code } = await authorize(t.app);
    const res = await admin(t.app, 'POST', `/grants/${(await one(t, 'code')).id}/expire`);
    expect(res.json()).toMatchObject({ kind: 'code', state: 'expired' });
    const redemption = await redeem(t.app, code ?? '');
    expect(redemption.json()).toMatchObject({ error: 'invalid_grant' });
    expect(redemption.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('expires an access token: introspection says inactive and userinfo says expired', async ({ t }) => {
    const body = await fullCodeFlow(t.app);
    const at = String(body['access_token']);
    expect((await introspect(t.app, at)).json()).toMatchObject({ active: true });
    const res = await admin(t.app, 'POST', `/grants/${(await one(t, 'access_token')).id}/expire`);
    expect(res.json()).toMatchObject({ state: 'expired' });
    expect((await introspect(t.app, at)).json()).toEqual({ active: false });
    const userinfo = await t.app.inject({ url: '/userinfo', headers: { authorization: `Bearer ${at}` } });
    expect(userinfo.statusCode).toBe(401);
    expect(userinfo.headers['www-authenticate']).toContain('expired');
  });

  it('expires a refresh token: the next refresh is invalid_grant', async ({ t }) => {
    const body = await fullCodeFlow(t.app);
    await admin(t.app, 'POST', `/grants/${(await one(t, 'refresh_token')).id}/expire`);
    const res = await refresh(t.app, String(body['refresh_token']));
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('refuses to expire or revoke an id_token (409, docs/admin-api.md#grants) and an unknown id (404)', async ({
    t,
  }) => {
    await fullCodeFlow(t.app);
    const idToken = (await one(t, 'id_token')).id;
    const expired = await admin(t.app, 'POST', `/grants/${idToken}/expire`);
    expect(expired.statusCode).toBe(409);
    expect(expired.json()).toMatchObject({ error: 'not_expirable' });
    const revoked = await admin(t.app, 'POST', `/grants/${idToken}/revoke`);
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json()).toMatchObject({ error: 'not_revocable' });
    expect((await admin(t.app, 'POST', '/grants/nope/expire')).statusCode).toBe(404);
  });
});

describe('POST /grants/:id/revoke', () => {
  it('revoking a refresh token revokes its grant: the access token goes inactive too', async ({ t }) => {
    const body = await fullCodeFlow(t.app);
    const res = await admin(t.app, 'POST', `/grants/${(await one(t, 'refresh_token')).id}/revoke`);
    expect(res.json()).toMatchObject({ state: 'revoked' });
    expect((await introspect(t.app, String(body['access_token']))).json()).toEqual({ active: false });
    expect((await refresh(t.app, String(body['refresh_token']))).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await one(t, 'access_token')).state).toBe('revoked');
  });

  it('revokes one access token', async ({ t }) => {
    const body = await fullCodeFlow(t.app);
    await admin(t.app, 'POST', `/grants/${(await one(t, 'access_token')).id}/revoke`);
    expect((await introspect(t.app, String(body['access_token']))).json()).toEqual({ active: false });
    expect((await refresh(t.app, String(body['refresh_token']))).statusCode).toBe(200);
  });

  it('revokes an unredeemed code', async ({ t }) => {
    const { code } = await authorize(t.app);
    await admin(t.app, 'POST', `/grants/${(await one(t, 'code')).id}/revoke`);
    expect((await one(t, 'code')).state).toBe('revoked');
    expect((await redeem(t.app, code ?? '')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('announces a revoked code on the event stream, shortened, like every other revocation', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const listed = await one(t, 'code');
    const before = t.app.sandbox.journal.latestId;
    await admin(t.app, 'POST', `/grants/${listed.id}/revoke`);
    const revoked = t.app.sandbox.journal.since(before).entries.filter((e) => e.event === 'token.revoked');
    expect(revoked.map((e) => e.data)).toEqual([
      { kind: 'code', clientId: 'conf-app', id: { preview: listed.preview, artefact: listed.id } },
    ]);
    expect(JSON.stringify(revoked)).not.toContain(code ?? '');
  });
});
