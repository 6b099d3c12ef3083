import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  admin,
  authorize,
  basic,
  fullCodeFlow,
  postForm,
  redeem,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { IssuedArtefact } from '../../server/admin/issued-index.js';

let t: TestSandbox;
beforeEach(async () => {
  t = await startSandbox();
});
afterEach(async () => {
  await t.app.close();
});

async function grants(query = ''): Promise<IssuedArtefact[]> {
  const res = await admin(t.app, 'GET', `/grants${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ grants: IssuedArtefact[] }>().grants;
}

async function one(kind: IssuedArtefact['kind']): Promise<IssuedArtefact> {
  const found = (await grants(`?kind=${kind}`))[0];
  if (!found) throw new Error(`no ${kind} listed`);
  return found;
}

const introspect = (token: string) =>
  postForm(t.app, '/introspect', { token }, { authorization: basic('conf-app', 's3cret') });
const refresh = (token: string) =>
  postForm(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: token },
    { authorization: basic('conf-app', 's3cret') },
  );

describe('GET /grants: issued codes and tokens with their state (docs/admin-api.md#grants)', () => {
  it('lists the code, access, refresh and id token of a flow, shortened, with states', async () => {
    const body = await fullCodeFlow(t.app);
    const list = await grants();
    expect(list.map((a) => `${a.kind} ${a.state}`).sort()).toEqual([
      'access_token active',
      'code consumed',
      'id_token active',
      'refresh_token active',
    ]);
    const rt = await one('refresh_token');
    expect(rt.preview).toBe(`${String(body['refresh_token']).slice(0, 8)}…`);
    expect(JSON.stringify(list)).not.toContain(String(body['refresh_token']));
    expect(rt.clientId).toBe('conf-app');
    expect((await one('access_token')).grantId).toBe(rt.grantId);
  });

  it('shows a refresh token as consumed once rotated, and the grant as revoked after reuse', async () => {
    const body = await fullCodeFlow(t.app);
    const old = String(body['refresh_token']);
    expect((await refresh(old)).statusCode).toBe(200);
    expect((await grants('?kind=refresh_token')).map((a) => a.state)).toEqual(['active', 'consumed']);
    await refresh(old);
    expect((await grants('?state=active')).map((a) => a.kind)).toEqual([]);
  });

  it('filters by state and client', async () => {
    await authorize(t.app);
    expect((await grants('?state=active')).map((a) => a.kind)).toEqual(['code']);
    expect(await grants('?clientId=post-app')).toEqual([]);
    expect((await admin(t.app, 'GET', '/grants?state=bogus')).json()).toMatchObject({ field: 'state' });
  });
});

describe('"expire now" (POST /grants/:id/expire)', () => {
  it('expires a code before it is redeemed', async () => {
    const { code } = await authorize(t.app);
    const res = await admin(t.app, 'POST', `/grants/${(await one('code')).id}/expire`);
    expect(res.json()).toMatchObject({ kind: 'code', state: 'expired' });
    const redemption = await redeem(t.app, code ?? '');
    expect(redemption.json()).toMatchObject({ error: 'invalid_grant' });
    expect(redemption.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('expires an access token: introspection says inactive and userinfo says expired', async () => {
    const body = await fullCodeFlow(t.app);
    const at = String(body['access_token']);
    expect((await introspect(at)).json()).toMatchObject({ active: true });
    const res = await admin(t.app, 'POST', `/grants/${(await one('access_token')).id}/expire`);
    expect(res.json()).toMatchObject({ state: 'expired' });
    expect((await introspect(at)).json()).toEqual({ active: false });
    const userinfo = await t.app.inject({ url: '/userinfo', headers: { authorization: `Bearer ${at}` } });
    expect(userinfo.statusCode).toBe(401);
    expect(userinfo.headers['www-authenticate']).toContain('expired');
  });

  it('expires a refresh token: the next refresh is invalid_grant', async () => {
    const body = await fullCodeFlow(t.app);
    await admin(t.app, 'POST', `/grants/${(await one('refresh_token')).id}/expire`);
    const res = await refresh(String(body['refresh_token']));
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('refuses to expire an id_token (409) and an unknown id (404)', async () => {
    await fullCodeFlow(t.app);
    expect((await admin(t.app, 'POST', `/grants/${(await one('id_token')).id}/expire`)).statusCode).toBe(409);
    expect((await admin(t.app, 'POST', '/grants/nope/expire')).statusCode).toBe(404);
  });
});

describe('POST /grants/:id/revoke', () => {
  it('revoking a refresh token revokes its grant: the access token goes inactive too', async () => {
    const body = await fullCodeFlow(t.app);
    const res = await admin(t.app, 'POST', `/grants/${(await one('refresh_token')).id}/revoke`);
    expect(res.json()).toMatchObject({ state: 'revoked' });
    expect((await introspect(String(body['access_token']))).json()).toEqual({ active: false });
    expect((await refresh(String(body['refresh_token']))).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await one('access_token')).state).toBe('revoked');
  });

  it('revokes one access token', async () => {
    const body = await fullCodeFlow(t.app);
    await admin(t.app, 'POST', `/grants/${(await one('access_token')).id}/revoke`);
    expect((await introspect(String(body['access_token']))).json()).toEqual({ active: false });
    expect((await refresh(String(body['refresh_token']))).statusCode).toBe(200);
  });

  it('revokes an unredeemed code', async () => {
    const { code } = await authorize(t.app);
    await admin(t.app, 'POST', `/grants/${(await one('code')).id}/revoke`);
    expect((await one('code')).state).toBe('revoked');
    expect((await redeem(t.app, code ?? '')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('announces a revoked code on the event stream, shortened, like every other revocation', async () => {
    const { code } = await authorize(t.app);
    const listed = await one('code');
    const before = t.app.sandbox.journal.latestId;
    await admin(t.app, 'POST', `/grants/${listed.id}/revoke`);
    const revoked = t.app.sandbox.journal.since(before).entries.filter((e) => e.event === 'token.revoked');
    expect(revoked.map((e) => e.data)).toEqual([
      { kind: 'code', clientId: 'conf-app', id: { preview: listed.preview, artefact: listed.id } },
    ]);
    expect(JSON.stringify(revoked)).not.toContain(code ?? '');
  });
});
