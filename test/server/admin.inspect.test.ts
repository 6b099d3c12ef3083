import { describe, expect } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
import type { Inspection } from '../../server/tokens/inspection.js';
import {
  admin,
  authorize,
  clientCredentials,
  fullCodeFlow,
  ORIGIN,
  redeem,
  refresh,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

async function inspect(t: TestSandbox, token: string): Promise<Inspection> {
  const res = await admin(t.app, 'POST', '/inspect', { token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Inspection>();
}

/** A JWT signed by a key the sandbox never held, with the claims and header given. */
async function foreignJwt(claims: Record<string, unknown>, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti('foreign-jti')
    .sign(privateKey);
}

async function accessToken(t: TestSandbox): Promise<string> {
  return (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
}

describe('POST /inspect: the server’s own verdict on a pasted token, one reason each', () => {
  it('active: an access token just issued, decoded, signed by the current key, linked to its listing', async ({
    t,
  }) => {
    const token = await accessToken(t);
    const found = await inspect(t, token);
    expect(found).toMatchObject({
      format: 'jwt',
      kind: 'access_token',
      issuedHere: true,
      clientId: 'conf-app',
      verdict: { state: 'active' },
      signature: { status: 'valid', keyState: 'current' },
      header: { typ: 'at+jwt' },
      claims: { iss: ORIGIN, client_id: 'conf-app' },
    });
    expect(found.artefactId).toBe(found.claims?.['jti']);
  });

  it('expired: once the clock passes exp, with the moment it expired', async ({ t }) => {
    const token = await accessToken(t);
    t.clock.advance(2 * 3600_000);
    const found = await inspect(t, token);
    expect(found.verdict.state).toBe('expired');
    const exp = found.claims?.['exp'] as number;
    expect(found.verdict.at).toBe(new Date(exp * 1000).toISOString());
    expect(found.verdict.summary).toMatch(/^expired at \d\d:\d\d:\d\d$/);
  });

  it('revoked with its grant: a code replay revokes the grant, and its access token says when and why', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const first = await redeem(t.app, code ?? '');
    const { access_token: token } = first.json<{ access_token: string }>();
    t.clock.advance(5_000);
    // RFC 6749 §4.1.2: a second use of the code revokes what it issued.
    await redeem(t.app, code ?? '');
    const found = await inspect(t, token);
    expect(found.verdict).toMatchObject({
      state: 'revoked',
      at: new Date(t.clock.now()).toISOString(),
    });
    expect(found.verdict.summary).toMatch(/^revoked with its grant at .* \(authorization code replayed\)$/);
    expect(found.grantId).toBeDefined();
    // The code itself, pasted: already used.
    expect((await inspect(t, code ?? '')).verdict).toMatchObject({ state: 'consumed' });
  });

  it('refresh token rotated: the old one says when it was used and replaced; the new one is active', async ({
    t,
  }) => {
    const tokens = await fullCodeFlow(t.app);
    const old = tokens['refresh_token'] as string;
    t.clock.advance(1_000);
    const refreshed = await refresh(t.app, old);
    const fresh = refreshed.json<{ refresh_token: string }>().refresh_token;
    const found = await inspect(t, old);
    expect(found).toMatchObject({
      format: 'opaque',
      kind: 'refresh_token',
      clientId: 'conf-app',
      verdict: { state: 'rotated', at: new Date(t.clock.now()).toISOString(), rule: 'RFC 9700 §4.14.2' },
    });
    expect(found.artefactId).toMatch(/^r-/);
    expect((await inspect(t, fresh)).verdict.state).toBe('active');
  });

  it('signed by a key retired at …: a rotation with no grace retires the key that signed it', async ({
    t,
  }) => {
    const token = await accessToken(t);
    const rotated = await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 0 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const found = await inspect(t, token);
    expect(found.signature).toMatchObject({ status: 'valid', keyState: 'retired' });
    expect(found.verdict).toMatchObject({ state: 'key_retired', at: new Date(t.clock.now()).toISOString() });
    expect(found.verdict.summary).toMatch(/^signed by a key retired at \d\d:\d\d:\d\d$/);
  });

  it('not issued here: an opaque value no code or refresh token has, and says what it cannot tell', async ({
    t,
  }) => {
    const found = await inspect(t, 'c29tZS1vdGhlci1zZXJ2ZXJzLXRva2Vu');
    expect(found).toMatchObject({
      format: 'opaque',
      issuedHere: false,
      verdict: { state: 'not_issued_here' },
    });
    expect(found.cannotTell.join(' ')).toMatch(/revoked/);
  });

  it('not issued here: a JWT naming this issuer but a kid the server never held', async ({ t }) => {
    const token = await foreignJwt({ iss: ORIGIN, client_id: 'conf-app', scope: 'x' }, 'not-ours');
    const found = await inspect(t, token);
    expect(found).toMatchObject({
      issuedHere: false,
      verdict: { state: 'not_issued_here' },
      signature: { status: 'invalid', kid: 'not-ours', keyState: 'unknown' },
    });
  });

  it('issued by another issuer: decoded all the same, with what can and cannot be told', async ({ t }) => {
    const token = await foreignJwt({ iss: 'https://ehr.example.org', client_id: 'app', scope: 'x' }, 'k1');
    const found = await inspect(t, token);
    expect(found).toMatchObject({
      format: 'jwt',
      issuedHere: false,
      header: { alg: 'ES256', kid: 'k1' },
      claims: { iss: 'https://ehr.example.org', client_id: 'app' },
      signature: { status: 'unchecked' },
      verdict: { state: 'other_issuer' },
    });
    expect(found.verdict.summary).toContain('https://ehr.example.org');
    expect(found.canTell.join(' ')).toMatch(/algorithm/);
    expect(found.cannotTell.join(' ')).toMatch(/signature/);
    expect(found.cannotTell.join(' ')).toMatch(/revoked/);
  });

  it('bad signature: this server’s kid and issuer, but the content was altered after signing', async ({
    t,
  }) => {
    const token = await accessToken(t);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'system/*.cruds' })).toString('base64url');
    const found = await inspect(t, `${header}.${forged}.${signature}`);
    expect(found).toMatchObject({
      issuedHere: false,
      signature: { status: 'invalid', keyState: 'current' },
      verdict: { state: 'bad_signature', rule: 'RFC 7515 §5.2' },
    });
  });
});

describe('POST /inspect changes nothing', () => {
  it('an unused code stays unused: inspected active, then redeemed', async ({ t }) => {
    const { code = '' } = await authorize(t.app);
    expect(await inspect(t, code)).toMatchObject({ kind: 'code', verdict: { state: 'active' } });
    const res = await redeem(t.app, code);
    expect(res.statusCode).toBe(200);
  });
});

describe('POST /inspect refuses what is not a token, saying what was expected', () => {
  it('empty', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/inspect', { token: '  ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'not_a_token', field: 'token' });
    expect(res.json<{ message: string }>().message).toMatch(
      /token is empty: paste a JWT .* or an opaque token/,
    );
  });

  it('too long, naming the limit', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/inspect', { token: 'a'.repeat(16_385) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'token' });
    expect(res.json<{ message: string }>().message).toContain('16384');
  });

  it('not a token: a sentence, or a JWT whose parts are not JSON', async ({ t }) => {
    const sentence = await admin(t.app, 'POST', '/inspect', { token: 'hello world' });
    expect(sentence.statusCode).toBe(400);
    expect(sentence.json<{ message: string }>().message).toMatch(/^not a token: " " cannot appear in one/);
    const garbled = await admin(t.app, 'POST', '/inspect', { token: 'abc.def.ghi' });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json<{ message: string }>().message).toMatch(/^not a JWT: .*RFC 7519 §7\.2/);
  });

  it('needs the admin token like every admin route', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/inspect', { token: 'abc' }, { authorization: undefined });
    expect(res.statusCode).toBe(401);
  });
});
