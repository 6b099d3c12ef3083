import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { ExchangeSummary } from '../../server/exchanges/exchange.js';
import { admin, clientCredentials, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * A real client library meeting key rollover and each JWKS failure mode: jose's remote JWKS (a cache that
 * refetches on an unknown kid) over a real socket, with the error it raises asserted.
 */

let t: TestSandbox;
let jwksUrl: URL;

beforeEach(async () => {
  t = await startSandbox();
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  jwksUrl = new URL('/.well-known/jwks.json', address);
});
afterEach(async () => {
  await t.app.close();
});

const accessToken = async () =>
  String((await clientCredentials(t.app)).json<Record<string, unknown>>()['access_token']);
const arm = (id: string) => admin(t.app, 'POST', '/failures', { id, times: 1 });
const jwksExchanges = async () =>
  (await admin(t.app, 'GET', '/exchanges'))
    .json<{ exchanges: ExchangeSummary[] }>()
    .exchanges.filter((e) => e.path === '/.well-known/jwks.json');
/** What a library raises, as its class name and code. */
async function raised(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'nothing';
  } catch (err) {
    return err instanceof errors.JOSEError ? `${err.constructor.name} ${err.code}` : String(err);
  }
}

describe('rollover met by a caching client (jose createRemoteJWKSet)', () => {
  it('misses its cache on the new kid, refetches the JWKS and verifies', async () => {
    // cooldownDuration 0: jose refetches on every unknown kid (its default waits 30 s between fetches).
    const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    const before = await accessToken();
    await jwtVerify(before, jwks);
    await admin(t.app, 'POST', '/keys/rotate', { graceSeconds: 600 });
    const after = await accessToken();
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);

    const { protectedHeader } = await jwtVerify(after, jwks);
    expect(protectedHeader.kid).toBe(decodeProtectedHeader(after).kid);
    // The cached set did not have the new kid: the library fetched the JWKS a second time.
    expect(await jwksExchanges()).toHaveLength(2);
    // During the grace period the old token still verifies from the refetched set.
    await jwtVerify(before, jwks);
  });

  it('with its default 30 s cooldown, refuses the new kid until it may refetch', async () => {
    const jwks = createRemoteJWKSet(jwksUrl);
    await jwtVerify(await accessToken(), jwks);
    await admin(t.app, 'POST', '/keys/rotate', {});
    expect(await raised(jwtVerify(await accessToken(), jwks))).toBe(
      'JWKSNoMatchingKey ERR_JWKS_NO_MATCHING_KEY',
    );
  });
});

describe('JWKS and key failure modes met by jose', () => {
  it('jwks.server_error: the key set answers 500, and the library refuses to go on', async () => {
    await arm('jwks.server_error');
    const jwks = createRemoteJWKSet(jwksUrl);
    expect(await raised(jwtVerify(await accessToken(), jwks))).toBe('JOSEError ERR_JOSE_GENERIC');
    const [entry] = await jwksExchanges();
    expect(entry?.status).toBe(500);
    expect(entry?.verdict.summary).toContain('(injected by failure mode jwks.server_error)');
  });

  it('jwks.temporarily_unavailable: 503 with Retry-After', async () => {
    await arm('jwks.temporarily_unavailable');
    const res = await fetch(jwksUrl);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    await arm('jwks.temporarily_unavailable');
    const jwks = createRemoteJWKSet(jwksUrl);
    expect(await raised(jwtVerify(await accessToken(), jwks))).toBe('JOSEError ERR_JOSE_GENERIC');
  });

  it('jwks.hang: no answer, so the library times out', async () => {
    await arm('jwks.hang');
    const jwks = createRemoteJWKSet(jwksUrl, { timeoutDuration: 300 });
    expect(await raised(jwtVerify(await accessToken(), jwks))).toBe('JWKSTimeout ERR_JWKS_TIMEOUT');
  });

  it('token.unknown_kid: the kid is not in the JWKS even after a refetch', async () => {
    await arm('token.unknown_kid');
    const token = await accessToken();
    const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    expect(await raised(jwtVerify(token, jwks))).toBe('JWKSNoMatchingKey ERR_JWKS_NO_MATCHING_KEY');
    expect(await jwksExchanges()).toHaveLength(2);
    const log = (await admin(t.app, 'GET', '/exchanges?failure=*')).json<{ exchanges: ExchangeSummary[] }>();
    expect(log.exchanges[0]?.verdict.summary).toContain('(then spoiled by failure mode token.unknown_kid)');
  });

  it('token.bad_signature: the kid is published but the key that signed is not', async () => {
    await arm('token.bad_signature');
    const token = await accessToken();
    const jwks = createRemoteJWKSet(jwksUrl);
    expect(await raised(jwtVerify(token, jwks))).toBe(
      'JWSSignatureVerificationFailed ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('jwks.stale_cache: a client that honours Cache-Control keeps the old set across a rotation', async () => {
    expect((await fetch(jwksUrl)).headers.get('cache-control')).toBe('public, max-age=300');
    await arm('jwks.stale_cache');
    const res = await fetch(jwksUrl);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBe(86_400);
    // A client that takes max-age as both its cache age and its refetch cooldown, as HTTP caches do.
    const jwks = createRemoteJWKSet(jwksUrl, { cacheMaxAge: maxAge * 1000, cooldownDuration: maxAge * 1000 });
    await jwtVerify(await accessToken(), jwks);
    await admin(t.app, 'POST', '/keys/rotate', {});
    expect(await raised(jwtVerify(await accessToken(), jwks))).toBe(
      'JWKSNoMatchingKey ERR_JWKS_NO_MATCHING_KEY',
    );
  });
});
