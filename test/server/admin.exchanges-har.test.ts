import { describe, expect } from 'vitest';
import { har as validateHar } from 'har-validator';
import type { Har } from '../../server/exchanges/har.js';
import {
  admin,
  authorize,
  fullCodeFlow,
  ORIGIN,
  postForm,
  REDIRECT,
  sandboxTest,
  VERIFIER,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

/** The secrets a flow handed out: none of them may appear in an export, in whole. */
interface Secrets {
  readonly values: readonly string[];
}

/**
 * A code flow by a client_secret_post client (its secret in the body), a refresh, a request with a body
 * longer than the log keeps, and a token request shaped by an injected failure.
 */
async function busyLog(t: TestSandbox): Promise<Secrets> {
  const { code } = await authorize(t.app, { client_id: 'post-app' });
  const tokens = (
    await postForm(t.app, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      client_id: 'post-app',
      client_secret: 's3cret',
    })
  ).json<Record<string, string>>();
  const refreshed = (
    await postForm(t.app, '/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens['refresh_token'],
      client_id: 'post-app',
      client_secret: 's3cret',
    })
  ).json<Record<string, string>>();
  await postForm(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: 'post-app',
    client_secret: 's3cret',
    padding: 'x'.repeat(6000),
  });
  expect((await admin(t.app, 'POST', '/failures', { id: 'token.invalid_grant', times: 1 })).statusCode).toBe(
    201,
  );
  await fullCodeFlow(t.app).catch(() => undefined);
  return {
    values: [
      code ?? '',
      's3cret',
      ...[tokens, refreshed].flatMap((r) => [
        r['access_token'] ?? '',
        r['refresh_token'] ?? '',
        r['id_token'] ?? '',
      ]),
    ],
  };
}

async function exportHar(
  t: TestSandbox,
  query = '',
): Promise<{ har: Har; text: string; disposition: string }> {
  const res = await admin(t.app, 'GET', `/exchanges/har${query}`);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return { har: res.json<Har>(), text: res.body, disposition: String(res.headers['content-disposition']) };
}

describe('GET /exchanges/har: the exchange log as HAR 1.2, secrets masked as the log masks them', () => {
  it('is a valid HAR 1.2 file (har-validator), with no client_secret, token or code in it', async ({ t }) => {
    const secrets = await busyLog(t);
    const { har, text, disposition } = await exportHar(t);
    await expect(validateHar(har)).resolves.toEqual(har);
    expect(disposition).toMatch(/^attachment; filename="token-sandbox-\d{8}T\d{6}Z\.har"$/);
    expect(har.log.entries.length).toBe(6);
    for (const secret of secrets.values) {
      expect(secret.length).toBeGreaterThan(5);
      expect(text).not.toContain(secret);
    }
    const token = har.log.entries.find((e) => e.request.postData?.text.includes('client_secret') === true);
    expect(token?.request.url).toBe(`${ORIGIN}/token`);
    expect(token?.request.postData?.text).toContain('client_secret=••••••');
  });

  it('carries each verdict and injected failure in comment and _verdict/_failure, and flags cut bodies', async ({
    t,
  }) => {
    await busyLog(t);
    const { har } = await exportHar(t);
    const injected = har.log.entries.find((e) => e._failure !== undefined);
    expect(injected?._failure).toBe('token.invalid_grant');
    expect(injected?.comment).toContain('injected by failure mode token.invalid_grant');
    expect(injected?._verdict.outcome).toBe('rejected');
    expect(injected?.comment).toContain(injected?._verdict.summary);
    const cut = har.log.entries.find((e) => e.request.postData?.comment !== undefined);
    expect(cut?.request.postData?.comment).toMatch(
      /the request body was cut when logged: 4096 of \d+ characters kept/,
    );
    expect(cut?.comment).toContain('the request body was cut');
  });

  it('exports the same filters as GET /exchanges, or a selection of seqs', async ({ t }) => {
    await busyLog(t);
    const filtered = (await exportHar(t, '?path=/token&clientId=post-app')).har;
    expect(filtered.log.entries.length).toBe(3);
    expect(filtered.log.entries.every((e) => e.request.url === `${ORIGIN}/token`)).toBe(true);
    const failed = (await exportHar(t, '?failure=*')).har;
    expect(failed.log.entries.map((e) => e._failure)).toEqual(['token.invalid_grant']);
    const picked = (await exportHar(t, '?seq=1,3,99999')).har;
    expect(picked.log.entries.map((e) => e._seq)).toEqual([1, 3]);
    expect(picked.log.comment).toContain('no longer in the log: 99999');
    await expect(validateHar(picked)).resolves.toEqual(picked);
  });

  it('refuses a malformed selection, naming the field', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/exchanges/har?seq=1;2');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'seq' });
  });
});
