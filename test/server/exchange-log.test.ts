import { describe, expect } from 'vitest';
import {
  admin,
  authorize,
  CHALLENGE,
  clientCredentials,
  lastExchange,
  postForm,
  redeem,
  sharedSandboxTest,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { Exchange } from '../../server/exchanges/exchange.js';
import { s256Challenge } from '../../server/oauth/pkce.js';

const it = sharedSandboxTest(['/exchanges', '/failures']);

async function exchanges(t: TestSandbox, query = ''): Promise<Exchange[]> {
  const res = await admin(t.app, 'GET', `/exchanges${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ exchanges: Exchange[] }>().exchanges;
}

describe('the exchange log (docs/admin-api.md#exchanges)', () => {
  it('records a token exchange with timing, method, path, status, headers, bodies and the client', async ({
    t,
  }) => {
    const res = await clientCredentials(t.app);
    const entry = await lastExchange(t.app);
    expect(entry).toMatchObject({ method: 'POST', path: '/token', status: 200, clientId: 'conf-app' });
    expect(entry.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(entry.time)).not.toBeNaN();
    expect(entry.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(entry.request.body).toBe('grant_type=client_credentials&scope=system%2F*.rs');
    expect(entry.response.headers['cache-control']).toBe('no-store');
    const token = res.json<{ access_token: string }>().access_token;
    expect(entry.response.body).toContain(`"access_token":"${token.slice(0, 8)}…"`);
    expect(entry.response.body).not.toContain(token);
    expect(entry.verdict.outcome).toBe('accepted');
  });

  it('masks client_secret, Basic credentials and every token, and never stores them whole', async ({ t }) => {
    const flow = await redeem(t.app, (await authorize(t.app)).code ?? '');
    const { refresh_token: refresh } = flow.json<{ refresh_token: string }>();
    await postForm(t.app, '/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: 'conf-app',
      client_secret: 's3cret',
    });
    const all = await exchanges(t);
    const text = JSON.stringify(all);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain(refresh);
    expect(text).not.toContain(Buffer.from('conf-app:s3cret').toString('base64'));
    const code = all.find((e) => e.path === '/authorize');
    expect(code?.response.headers['location']).toMatch(/code=[^&]{8}…&/);
    const redemption = all.find((e) => e.request.body?.includes('authorization_code'));
    expect(redemption?.request.headers['authorization']).toBe('Basic (conf-app:••••••)');
    const post = all.at(-1);
    expect(post?.request.body).toContain('client_secret=••••••');
    expect(post?.request.body).toContain(`refresh_token=${refresh.slice(0, 8)}…`);
  });

  it('gives an accepted verdict with the rules that were checked', async ({ t }) => {
    await redeem(t.app, (await authorize(t.app)).code ?? '');
    const entry = await lastExchange(t.app);
    const comparison = `S256(code_verifier) is ${CHALLENGE}, the stored code_challenge is ${CHALLENGE}`;
    expect(entry.verdict.summary).toContain(
      `accepted: PKCE S256 challenge matched: ${comparison} — RFC 7636 §4.6`,
    );
    expect(entry.verdict.reasons).toContainEqual({
      text: `PKCE S256 challenge matched: ${comparison}`,
      rule: 'RFC 7636 §4.6',
    });
    const auth = (await exchanges(t, '?path=/authorize')).at(-1);
    expect(auth?.verdict.summary).toMatch(/^accepted: .*authorization code issued to conf-app/);
  });

  it('carries the PKCE comparison as data in the verdict, matched or refused (RFC 7636 §4.6)', async ({
    t,
  }) => {
    await redeem(t.app, (await authorize(t.app)).code ?? '');
    expect((await lastExchange(t.app)).verdict.details).toEqual({
      pkce: { method: 'S256', computed: CHALLENGE, stored: CHALLENGE, matched: true, rule: 'RFC 7636 §4.6' },
    });
    const tampered = 'x'.repeat(43);
    await redeem(t.app, (await authorize(t.app)).code ?? '', { code_verifier: tampered });
    const refused = await lastExchange(t.app);
    expect(refused.verdict.outcome).toBe('rejected');
    expect(refused.verdict.details?.pkce).toEqual({
      method: 'S256',
      computed: s256Challenge(tampered),
      stored: CHALLENGE,
      matched: false,
      rule: 'RFC 7636 §4.6',
    });
    await clientCredentials(t.app);
    expect((await lastExchange(t.app)).verdict.details).toBeUndefined();
  });

  it('gives a rejected verdict naming the rule: a replayed code', async ({ t }) => {
    const { code } = await authorize(t.app);
    await redeem(t.app, code ?? '');
    await redeem(t.app, code ?? '');
    const entry = await lastExchange(t.app);
    expect(entry.status).toBe(400);
    expect(entry.verdict.outcome).toBe('rejected');
    expect(entry.verdict.summary).toMatch(
      /^rejected: this code was already used at \d\d:\d\d:\d\d; every token issued from it is now revoked — RFC 6749 §4\.1\.2$/,
    );
  });

  it('gives a rejected verdict for a wrong secret and for an authorize error page', async ({ t }) => {
    await clientCredentials(t.app, 'conf-app', 'nope');
    expect((await lastExchange(t.app)).verdict.summary).toMatch(/^rejected: .* — RFC 6749 §2\.3/);
    await authorize(t.app, { redirect_uri: 'http://evil.example/cb' });
    const page = await lastExchange(t.app);
    expect(page.status).toBe(400);
    expect(page.verdict.summary).toContain('— RFC 9700 §4.1.3');
  });

  it('marks an injected response and names the failure', async ({ t }) => {
    await admin(t.app, 'POST', '/failures', { id: 'token.invalid_grant', times: 1 });
    await clientCredentials(t.app);
    const entry = await lastExchange(t.app);
    expect(entry.failure).toBe('token.invalid_grant');
    expect(entry.verdict.summary).toContain('injected by failure mode token.invalid_grant');
    expect(entry.verdict.reasons[0]?.text).toBe(
      'failure mode token.invalid_grant injected: 400 invalid_grant',
    );
    await admin(t.app, 'POST', '/failures', { id: 'token.malformed_json', times: 1 });
    await clientCredentials(t.app);
    const spoiled = await lastExchange(t.app);
    expect(spoiled.failure).toBe('token.malformed_json');
    expect(spoiled.verdict.summary).toMatch(/then spoiled by failure mode token\.malformed_json\)$/);
    expect((await exchanges(t, '?failure=*')).map((e) => e.failure)).toEqual([
      'token.invalid_grant',
      'token.malformed_json',
    ]);
  });

  it('logs discovery and unknown paths, but not the admin API itself', async ({ t }) => {
    await t.app.inject({ url: '/.well-known/smart-configuration' });
    await t.app.inject({ url: '/nowhere' });
    await admin(t.app, 'GET', '/clients');
    const all = await exchanges(t);
    expect(all.map((e) => `${e.status} ${e.path}`)).toEqual([
      '200 /.well-known/smart-configuration',
      '404 /nowhere',
    ]);
  });

  it('pages with since and limit, and filters by client', async ({ t }) => {
    for (let i = 0; i < 5; i++) await clientCredentials(t.app);
    await postForm(t.app, '/token', {
      grant_type: 'client_credentials',
      client_id: 'post-app',
      client_secret: 's3cret',
      scope: 'system/*.rs',
    });
    const all = await exchanges(t);
    const first = all[0]?.seq ?? 0;
    expect(all.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5].map((i) => first + i));
    expect((await exchanges(t, `?since=${first + 1}&limit=2`)).map((e) => e.seq)).toEqual([
      first + 2,
      first + 3,
    ]);
    expect((await exchanges(t, '?limit=2')).map((e) => e.seq)).toEqual([first + 4, first + 5]);
    expect((await exchanges(t, '?clientId=post-app')).map((e) => e.clientId)).toEqual(['post-app']);
    const one = await admin(t.app, 'GET', `/exchanges/${first}`);
    expect(one.json()).toMatchObject({ seq: first, path: '/token' });
    expect((await admin(t.app, 'GET', '/exchanges?limit=0')).json()).toMatchObject({ field: 'limit' });
    expect((await admin(t.app, 'GET', '/exchanges/999999')).statusCode).toBe(404);
  });

  it('never logs the Authorization header of a bearer request whole', async ({ t }) => {
    const token = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    await t.app.inject({ url: '/userinfo', headers: { authorization: `Bearer ${token}` } });
    const entry = await lastExchange(t.app);
    expect(entry.request.headers['authorization']).toBe(`Bearer ${token.slice(0, 8)}…`);
    expect(entry.clientId).toBe('conf-app');
    expect(entry.verdict.summary).toBe(
      'rejected: userinfo needs a token with the openid scope — OpenID Connect Core §5.3',
    );
  });

  it('answers with basic-auth clients named, even when authentication fails', async ({ t }) => {
    await clientCredentials(t.app, 'who', 'x', { params: {} });
    expect((await lastExchange(t.app)).clientId).toBe('who');
  });
});

describe('the exchange log stays bounded (docs/admin-api.md#exchanges)', () => {
  it('keeps only the configured capacity, newest last', async () => {
    const s = await startSandbox({ exchangeLog: { capacity: 50 } });
    try {
      for (let i = 0; i < 200; i++) await s.app.inject({ url: '/.well-known/jwks.json' });
      const res = await admin(s.app, 'GET', '/exchanges?limit=1000');
      const body = res.json<{ exchanges: Exchange[]; size: number; capacity: number; latestSeq: number }>();
      expect(body).toMatchObject({ size: 50, capacity: 50, latestSeq: 200 });
      expect(body.exchanges[0]?.seq).toBe(151);
      expect(body.exchanges.at(-1)?.seq).toBe(200);
    } finally {
      await s.app.close();
    }
  });
});
