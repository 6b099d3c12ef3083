import { decodeJwt } from 'jose';
import { describe, expect } from 'vitest';
import { EventBus } from '../../server/events.js';
import { DEFAULTS } from '../../server/config/defaults.js';
import type { Exchange } from '../../server/exchanges/exchange.js';
import { ExchangeLog, MAX_DIGESTS_PER_EXCHANGE } from '../../server/exchanges/exchange-log.js';
import { tokensIn } from '../../server/exchanges/mask.js';
import type { Inspection } from '../../server/tokens/inspection.js';
import {
  admin,
  authorize,
  clientCredentials,
  fhirGet,
  introspect,
  redeem,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

async function linked(t: TestSandbox, token: string): Promise<number[]> {
  const res = await admin(t.app, 'POST', '/inspect', { token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Inspection>().exchanges;
}

interface Flow {
  readonly code: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
  /** Issued at /token in an exchange of its own, and never used. */
  readonly otherToken: string;
}

/**
 * seq 1 GET /authorize (the code in Location), seq 2 POST /token (code in, tokens out), seq 3 the FHIR base
 * (the access token as bearer), seq 4 another client_credentials token, seq 5 introspection of the first.
 */
async function flow(t: TestSandbox): Promise<Flow> {
  const { code } = await authorize(t.app);
  if (code === undefined) throw new Error('no code');
  const tokens = (await redeem(t.app, code)).json<Record<string, string>>();
  const accessToken = tokens['access_token'] ?? '';
  const patient = String(decodeJwt(accessToken)['patient']);
  expect((await fhirGet(t.app, `Patient/${patient}`, accessToken)).statusCode).toBe(200);
  const otherToken = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
  const introspection = await introspect(t.app, accessToken);
  expect(introspection.json()).toMatchObject({ active: true });
  return {
    code,
    accessToken,
    refreshToken: tokens['refresh_token'] ?? '',
    idToken: tokens['id_token'] ?? '',
    otherToken,
  };
}

describe('POST /inspect links to the exchanges the token appeared in', () => {
  it('finds a token issued at /token, then used at the FHIR base and introspection, in exactly those', async ({
    t,
  }) => {
    const f = await flow(t);
    // Newest first. Every JWT starts `eyJhbGci`, yet seq 4's token is not taken for this one.
    expect(await linked(t, f.accessToken)).toEqual([5, 3, 2]);
    expect(await linked(t, f.code)).toEqual([2, 1]);
    expect(await linked(t, f.refreshToken)).toEqual([2]);
    expect(await linked(t, f.idToken)).toEqual([2]);
    expect(await linked(t, f.otherToken)).toEqual([4]);
  });

  it('gives none for a token never seen, and forgets with the log', async ({ t }) => {
    const f = await flow(t);
    expect(await linked(t, 'c29tZS1vdGhlci1zZXJ2ZXJzLXRva2Vu')).toEqual([]);
    expect((await admin(t.app, 'DELETE', '/exchanges')).statusCode).toBe(204);
    expect(await linked(t, f.accessToken)).toEqual([]);
  });

  it('answers the newest 50 at most', async ({ t }) => {
    const token = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    for (let i = 0; i < 55; i++) await fhirGet(t.app, 'metadata', token);
    const seqs = await linked(t, token);
    expect(seqs).toHaveLength(50);
    expect(seqs[0]).toBe(56);
    expect(seqs.at(-1)).toBe(7);
  });

  it('keeps the digests out of GET /exchanges, /exchanges/:seq, the HAR export and the event stream', async ({
    t,
  }) => {
    const streamed: string[] = [];
    t.app.sandbox.events.on('exchange.recorded', (summary) => streamed.push(JSON.stringify(summary)));
    const f = await flow(t);
    const digests = [f.code, f.accessToken, f.refreshToken, f.idToken, f.otherToken].map((token) =>
      t.app.sandbox.exchanges.digestOf(token),
    );
    const page = await admin(t.app, 'GET', '/exchanges');
    const seqs = page.json<{ exchanges: Exchange[] }>().exchanges.map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    const ones = await Promise.all(seqs.map((seq) => admin(t.app, 'GET', `/exchanges/${seq}`)));
    const har = await admin(t.app, 'GET', '/exchanges/har');
    const texts = [page.body, ...ones.map((r) => r.body), har.body, ...streamed];
    expect(streamed).toHaveLength(5);
    for (const digest of digests) {
      for (const text of texts) expect(text).not.toContain(digest);
    }
  });
});

describe('the token index in the exchange log', () => {
  const exchange = (seq: number) => ({ seq }) as Exchange;

  it('counts each digest in the byte budget (exchangeLog.maxBytes), and indexes a bounded number', () => {
    const log = new ExchangeLog(10, new EventBus(), 1_000_000);
    log.record(exchange, 100);
    expect(log.bytes).toBe(100);
    log.record(exchange, 100, ['a', 'b', 'a']);
    expect(log.bytes).toBe(100 + 100 + 2 * 48);
    const many = Array.from({ length: 40 }, (_, i) => `token-${i}`);
    log.record(exchange, 100, many);
    expect(log.exchangesWith(`token-${MAX_DIGESTS_PER_EXCHANGE - 1}`, 50)).toEqual([3]);
    expect(log.exchangesWith(`token-${MAX_DIGESTS_PER_EXCHANGE}`, 50)).toEqual([]);
    expect(log.exchangesWith('a', 50)).toEqual([2]);
  });

  it('indexes tokens, codes and assertions, never a client secret, a password or Basic credentials', () => {
    const found = tokensIn({
      url: '/authorize?code=from-query&client_secret=q-secret',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic Y29uZi1hcHA6czNjcmV0',
        location: 'http://127.0.0.1:5555/cb?code=from-location&state=s',
      },
      body: 'code=from-form&client_secret=s3cret&password=hunter2&client_assertion=eyJ.a.b&x_secret_token=nope',
    });
    expect(found).toEqual(['from-query', 'from-location', 'from-form', 'eyJ.a.b']);
    expect(
      tokensIn({
        headers: { 'content-type': 'application/json', authorization: 'DPoP dpop-bound' },
        body: '{"access_token":"at","nested":{"refresh_token":"rt","client_secret":"cs"}}',
      }),
    ).toEqual(['dpop-bound', 'at', 'rt']);
  });

  it('derives digests from a key of its own: another sandbox’s digest of the same token differs', () => {
    const one = new ExchangeLog(10, new EventBus(), DEFAULTS.exchangeLog.maxBytes);
    const two = new ExchangeLog(10, new EventBus(), DEFAULTS.exchangeLog.maxBytes);
    expect(one.digestOf('eyJhbGci.same.token')).toMatch(/^[\w-]{22}$/);
    expect(one.digestOf('eyJhbGci.same.token')).not.toBe(two.digestOf('eyJhbGci.same.token'));
  });
});
