import { describe, expect } from 'vitest';
import fc from 'fast-check';
import type { Exchange } from '../../server/exchanges/exchange.js';
import { maskBody } from '../../server/exchanges/mask.js';
import { ADMIN_TOKEN, admin, type TestSandbox, sharedSandboxTest } from '../helpers/sandbox.js';

/**
 * Secrets never reach the exchange log, whatever the request looks like: masking fails closed when a body
 * cannot be parsed, and admin calls stay out of the log however their path is spelled.
 */

const it = sharedSandboxTest(['/exchanges']);

async function logged(t: TestSandbox): Promise<Exchange[]> {
  return (await admin(t.app, 'GET', '/exchanges?limit=1000')).json<{ exchanges: Exchange[] }>().exchanges;
}

/** Everything the log would show for its entries, as one string to search for leaks. */
async function logText(t: TestSandbox): Promise<string> {
  return JSON.stringify(await logged(t));
}

/** Posts a raw body to the token endpoint and answers what the log then shows. */
async function logOfTokenPost(t: TestSandbox, contentType: string, payload: string): Promise<string> {
  await t.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': contentType }, payload });
  return logText(t);
}

/** A raw token request body, what its log entries must still show, and the secrets they must not. */
interface MaskCase {
  readonly contentType: string;
  readonly payload: string;
  readonly shown?: readonly string[];
  readonly hidden: readonly string[];
}

const FORM = 'application/x-www-form-urlencoded';

describe('masking fails closed', () => {
  it.for<[name: string, MaskCase]>([
    [
      'hides a client_secret whose value is badly percent-encoded',
      {
        contentType: FORM,
        payload: 'grant_type=client_credentials&client_id=post-app&client_secret=CorrectHorse%',
        shown: ['client_secret='],
        hidden: ['CorrectHorse'],
      },
    ],
    [
      'hides a client_secret whose name is percent-encoded or whose pair is broken',
      {
        contentType: FORM,
        payload:
          'grant_type=client_credentials&client%5Fsecret=BatteryStaple&password=%E0%A4%A&code=%zzLongCodeValue',
        hidden: ['BatteryStaple', '%E0%A4%A', 'LongCodeValue'],
      },
    ],
    [
      'hides secrets in a malformed JSON body',
      {
        contentType: 'application/json',
        payload:
          '{"client_id":"post-app", "client_secret" : "CorrectHorse\\"Battery", "refresh_token":"abcdefghijklmnop",',
        hidden: ['CorrectHorse', 'Battery', 'ijklmnop'],
      },
    ],
    [
      'hides secrets in a body of any other content type',
      {
        contentType: 'text/plain',
        payload: 'grant_type=client_credentials&client_secret=CorrectHorse',
        hidden: ['CorrectHorse'],
      },
    ],
  ])('%s', async ([, { contentType, payload, shown = [], hidden }], { t }) => {
    const text = await logOfTokenPost(t, contentType, payload);
    for (const part of shown) expect(text).toContain(part);
    for (const secret of hidden) expect(text).not.toContain(secret);
  });
});

describe('masking fails closed for multipart, line-based bodies and headers', () => {
  it('hides a client_secret sent as a multipart part (curl -F), even when the body is cut', async ({ t }) => {
    const boundary = 'XyZ';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = `${part('grant_type', 'client_credentials')}${part('client_id', 'post-app')}${part('client_secret', 'CorrectHorseMultipart')}--${boundary}--\r\n`;
    for (const payload of [body, part('client_secret', `CorrectHorseMultipart${'x'.repeat(5000)}`)]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      expect(answer.statusCode).toBe(400);
    }
    const text = await logText(t);
    expect(text).toContain('client_secret');
    expect(text).not.toContain('CorrectHorse');
  });

  it('hides a secret written as a "name: value" line', async ({ t }) => {
    const text = await logOfTokenPost(
      t,
      'text/plain',
      'grant_type: client_credentials\nclient_secret: CorrectHorseLine\n  password:CorrectHorseIndented',
    );
    expect(text).toContain('grant_type: client_credentials');
    expect(text).not.toContain('CorrectHorse');
  });

  it('hides a header named like a secret', async ({ t }) => {
    await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-client-secret': 'CorrectHorseHeader',
      },
      payload: 'grant_type=client_credentials',
    });
    const text = await logText(t);
    expect(text).toContain('x-client-secret');
    expect(text).not.toContain('CorrectHorse');
  });
});

describe('admin calls are never logged, however spelled', () => {
  it.for([
    '/%5Fsandbox/api/config',
    '/%5fsandbox/api/config',
    '/_sandbox%2Fapi/config',
    '//_sandbox/api/config',
    '/_sandbox/api/../api/config',
    '/fhir/../_sandbox/api/config',
    '/_SANDBOX/api/config',
    '/_sandbox/api/config/',
    '/%2F_sandbox/api/config',
  ])('%s is not in the log, nor any part of the admin token', async (path, { t }) => {
    await t.app.inject({
      method: 'GET',
      url: path,
      headers: { host: '127.0.0.1:9710', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const text = await logText(t);
    expect(text).not.toContain(ADMIN_TOKEN.slice(0, 5));
    expect(text).not.toContain('"clients"');
  });

  it('keeps the admin token out of the log when it is presented at any path', async ({ t }) => {
    await t.app.inject({
      method: 'GET',
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await logText(t)).not.toContain(ADMIN_TOKEN.slice(0, 5));
  });

  it('keeps the admin token out of the log when it is sent as a query parameter, even twice', async ({
    t,
  }) => {
    await t.app.inject({ method: 'GET', url: `/nowhere?token=x&token=${ADMIN_TOKEN}` });
    expect(await logText(t)).not.toContain(ADMIN_TOKEN.slice(0, 5));
  });

  it.for<[string, string, Record<string, string>]>([
    ['under another scheme', '/fhir/Patient', { authorization: `DPoP ${ADMIN_TOKEN}` }],
    ['with trailing junk', '/fhir/Patient', { authorization: `Bearer ${ADMIN_TOKEN},x` }],
    ['as a Basic password', '/fhir/Patient', { authorization: `Basic ${btoa(`x:${ADMIN_TOKEN}`)}` }],
    ['in a header of its own', '/fhir/Patient', { 'x-admin-token': ADMIN_TOKEN }],
    ['as access_token', `/fhir/Patient?access_token=${ADMIN_TOKEN}`, {}],
    ['as Token', `/fhir/Patient?Token=${ADMIN_TOKEN}`, {}],
  ])('keeps the admin token out of the log when it is sent %s', async ([, url, headers], { t }) => {
    await t.app.inject({ method: 'GET', url, headers });
    expect(await logText(t)).not.toContain(ADMIN_TOKEN.slice(0, 5));
  });

  it('keeps the admin token out of the log when it arrives in the Referer of the start-up page', async ({
    t,
  }) => {
    await t.app.inject({
      method: 'GET',
      url: '/.well-known/smart-configuration',
      headers: { referer: `http://127.0.0.1:9710/?token=${ADMIN_TOKEN}` },
    });
    expect(await logText(t)).not.toContain(ADMIN_TOKEN.slice(0, 5));
  });
});

describe('masking fails closed for any body (property)', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/);
  const junk = fc.constantFrom('', '%', '%E0%A4%A', '"', ',', '}', '&x=%zz', '\\');
  const type = fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    undefined,
  );
  const name = fc.constantFrom(
    'client_secret',
    'client%5Fsecret',
    'clientSecret',
    'password',
    'Client_Secret',
  );

  it('never shows a secret-named value, whatever the body looks like', () => {
    fc.assert(
      fc.property(type, name, secret, junk, junk, (contentType, key, value, before, after) => {
        const jsonKey = decodeURIComponent(key);
        for (const body of [
          `grant_type=client_credentials&${before}&${key}=${value}${after}`,
          `{"client_id":"a",${before}"${jsonKey}" : "${value}${after}`,
          `{"${jsonKey}":"${value}"}`,
        ]) {
          expect(maskBody(contentType, body)).not.toContain(value);
        }
      }),
    );
  });
});
