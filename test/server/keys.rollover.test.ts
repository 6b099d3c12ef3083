import { describe, expect } from 'vitest';
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { KeyList, KeyRotation, KeyView } from '../../server/admin/shapes.js';
import type { ExchangeSummary } from '../../server/exchanges/exchange.js';
import {
  admin,
  basic,
  clientCredentials,
  fhirGet,
  postForm,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

const keys = async (t: TestSandbox) => (await admin(t.app, 'GET', '/keys')).json<KeyList>().keys;
const jwksKids = async (t: TestSandbox) =>
  (await t.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>().keys.map((k) => k.kid);
const accessToken = async (t: TestSandbox) =>
  String((await clientCredentials(t.app)).json<Record<string, unknown>>()['access_token']);
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const introspect = (t: TestSandbox, token: string) =>
  postForm(t.app, '/introspect', { token }, { authorization: basic('conf-app', 's3cret') });

describe('signing key rollover (README "Key rollover")', () => {
  it('lists the current key with its times and no private member', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/keys');
    expect(res.statusCode).toBe(200);
    const body = res.json<KeyList>();
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ alg: 'RS256', state: 'current' });
    expect(body.maxKeys).toBe(20);
    expect(body.defaultGraceSeconds).toBe(3600);
    expect(res.body).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it('rotates: the new key signs, the old one stays published for the grace period, then retires', async ({
    t,
  }) => {
    const before = await accessToken(t);
    const oldKid = kidOf(before);
    const rotated = await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 600 });
    expect(rotated.statusCode).toBe(200);
    const { added, replaced } = rotated.json<KeyRotation>();
    expect(added).toEqual([expect.objectContaining({ alg: 'RS256', state: 'current' })]);
    const newKid = added[0]?.kid;
    expect(replaced).toEqual([
      expect.objectContaining({
        kid: oldKid,
        state: 'published',
        publishedUntil: new Date(t.clock.now() + 600_000).toISOString(),
      }),
    ]);

    // New tokens carry the new kid; the old token still works during the grace period.
    expect(kidOf(await accessToken(t))).toBe(newKid);
    expect(await jwksKids(t)).toEqual([oldKid, newKid]);
    expect((await fhirGet(t.app, 'Patient/pat-1', before)).statusCode).toBe(200);

    // Past the grace period (sandbox clock), the old key is retired without anyone asking.
    t.clock.advance(601_000);
    expect(await jwksKids(t)).toEqual([newKid]);
    const old = (await keys(t)).find((k) => k.kid === oldKid);
    expect(old).toMatchObject({ state: 'retired', retiredAt: new Date(t.clock.now() - 1000).toISOString() });
  });

  it('refuses a token from a retired key at the FHIR base, userinfo and introspection, saying which key and when', async ({
    t,
  }) => {
    const token = await accessToken(t);
    const oldKid = kidOf(token);
    await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 0 });
    const retiredAt = new Date(t.clock.now()).toISOString();
    const reason = `the access token was signed by key ${oldKid}, retired at ${retiredAt}`;

    const fhir = await fhirGet(t.app, 'Patient/pat-1', token);
    expect(fhir.statusCode).toBe(401);
    expect(fhir.headers['www-authenticate']).toContain(reason);

    const info = await t.app.inject({ url: '/userinfo', headers: { authorization: `Bearer ${token}` } });
    expect(info.statusCode).toBe(401);
    expect(info.json<Record<string, string>>()['error_description']).toBe(reason);

    // RFC 7662 §2.2: the answer says only inactive; the exchange log's verdict says why.
    const res = await introspect(t, token);
    expect(res.json()).toEqual({ active: false });
    const log = (await admin(t.app, 'GET', '/exchanges?path=/introspect')).json<{
      exchanges: ExchangeSummary[];
    }>();
    const verdict = log.exchanges.find((e) => e.path === '/introspect')?.verdict;
    expect(verdict?.summary).toBe(`accepted: inactive: ${reason} — RFC 7662 §2.2`);
  });

  it('retires a published key at once, refuses to retire the current one, and names an unknown kid', async ({
    t,
  }) => {
    const token = await accessToken(t);
    const oldKid = String(kidOf(token));
    const events: string[] = [];
    t.app.sandbox.events.on('key.rotated', (e) =>
      events.push(`rotated ${e.kid} replacing ${e.replaced.join()}`),
    );
    t.app.sandbox.events.on('key.retired', (e) => events.push(`retired ${e.kid}`));
    const { added } = (await admin(t.app, 'POST', '/keys/rotate', {})).json<KeyRotation>();
    const newKid = String(added[0]?.kid);

    const current = await admin(t.app, 'POST', `/keys/${newKid}/retire`);
    expect(current.statusCode).toBe(409);
    expect(current.json<{ message: string }>().message).toContain(`key ${newKid} is the current RS256 key`);

    const unknown = await admin(t.app, 'POST', '/keys/no-such-kid/retire');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ message: string }>().message).toContain('no signing key has kid no-such-kid');

    const retired = await admin(t.app, 'POST', `/keys/${oldKid}/retire`);
    expect(retired.statusCode).toBe(200);
    expect(retired.json<KeyView>()).toMatchObject({ kid: oldKid, state: 'retired' });
    expect(await jwksKids(t)).toEqual([newKid]);
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(401);
    expect(events).toEqual([`rotated ${newKid} replacing ${oldKid}`, `retired ${oldKid}`]);
  });

  it('refuses a grace period that is not a whole number of seconds within a month', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: -1 });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field: string }>().field).toBe('graceSeconds');
  });

  it('keeps at most 20 keys: the oldest retired ones go, and live keys beyond it are refused', async ({
    sandboxWith,
  }) => {
    // ES256 alone (not the run's shared RS256 key): forty key generations cost milliseconds, not seconds.
    const t = await sandboxWith({ tokens: { signingAlg: 'ES256' } }, { signingKeys: { keys: [] } });
    const first = (await keys(t))[0]?.kid;
    for (let i = 0; i < 20; i += 1) {
      expect((await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 0 })).statusCode).toBe(200);
    }
    const kept = await keys(t);
    expect(kept).toHaveLength(20);
    expect(kept.map((k) => k.kid)).not.toContain(first);
    expect(kept.filter((k) => k.state === 'current')).toHaveLength(1);

    // 19 rotations that keep every replaced key published fill the ring with live keys: the next is refused.
    for (let i = 0; i < 19; i += 1) await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 3600 });
    const full = await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 3600 });
    expect(full.statusCode).toBe(409);
    expect(full.json<{ message: string }>().message).toContain('the key ring keeps at most 20 keys');
  });

  it('keeps the 20-key bound under a flood of concurrent rotations', async ({ sandboxWith }) => {
    const t = await sandboxWith({ tokens: { signingAlg: 'ES256' } }, { signingKeys: { keys: [] } });
    await keys(t);
    // Thirty rotations at once, each keeping the replaced key published: only 19 fit beside the current one.
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 3600 })),
    );
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(19);
    expect(answers.filter((r) => r.statusCode === 409)).toHaveLength(11);
    const kept = await keys(t);
    expect(kept.length).toBeLessThanOrEqual(20);
    expect(kept.filter((k) => k.state === 'current')).toHaveLength(1);
  });
});
