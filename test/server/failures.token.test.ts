import http from 'node:http';
import { describe, expect } from 'vitest';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  admin,
  armFailure,
  authorize,
  basic,
  clientCredentials,
  form,
  introspect,
  listenLocally,
  postForm,
  redeem,
  sharedSandboxTest,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';
import { FAILURE_CATALOG } from '../../server/failures/catalog.js';
import { FAILURE_IDS, type FailureId } from '../../server/failures/ids.js';
import { buildServer } from '../../server/app.js';
import { parseConfig } from '../../server/config/validate.js';

const it = sharedSandboxTest(['/failures']);

describe('the failure catalog (docs/failures.md)', () => {
  it('declares every contract id exactly once', () => {
    expect([...FAILURE_CATALOG.keys()].sort()).toEqual([...FAILURE_IDS].sort());
  });

  it('lists the armed failures and every available one', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 2, clientId: 'conf-app' });
    const res = await admin(t.app, 'GET', '/failures');
    const body = res.json<{ armed: Record<string, unknown>[]; available: { id: string }[] }>();
    expect(body.armed).toEqual([
      expect.objectContaining({ id: 'token.server_error', remaining: 2, clientId: 'conf-app', fired: 0 }),
    ]);
    expect(body.available.map((a) => a.id).sort()).toEqual([...FAILURE_IDS].sort());
  });

  it('refuses an unknown id, a probability above 1 and an unknown field, naming the field', async ({ t }) => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'token.nope' }, 'id'],
      [{ id: 'token.server_error', probability: 1.5 }, 'probability'],
      [{ id: 'token.server_error', times: 0 }, 'times'],
      [{ id: 'token.server_error', count: 1 }, 'count'],
      [{ times: 1 }, 'id'],
    ];
    for (const [body, field] of cases) {
      const res = await admin(t.app, 'POST', '/failures', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', field });
    }
  });

  it('removes one armed failure with DELETE /failures/:id, and 404s when it is not armed', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error' });
    expect((await admin(t.app, 'DELETE', '/failures/token.server_error')).statusCode).toBe(204);
    expect((await admin(t.app, 'DELETE', '/failures/token.server_error')).statusCode).toBe(404);
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
  });
});

interface ErrorCase {
  readonly id: FailureId;
  readonly status: number;
  readonly error: string;
  readonly headers?: Record<string, string>;
}
const TOKEN_ERRORS: ErrorCase[] = [
  { id: 'token.invalid_request', status: 400, error: 'invalid_request' },
  {
    id: 'token.invalid_client',
    status: 401,
    error: 'invalid_client',
    headers: { 'www-authenticate': 'Basic realm="token-sandbox"' },
  },
  { id: 'token.invalid_grant', status: 400, error: 'invalid_grant' },
  { id: 'token.unauthorized_client', status: 400, error: 'unauthorized_client' },
  { id: 'token.unsupported_grant_type', status: 400, error: 'unsupported_grant_type' },
  { id: 'token.invalid_scope', status: 400, error: 'invalid_scope' },
  { id: 'token.server_error', status: 500, error: 'server_error' },
  {
    id: 'token.temporarily_unavailable',
    status: 503,
    error: 'temporarily_unavailable',
    headers: { 'retry-after': '5' },
  },
  { id: 'token.redirect_uri_mismatch', status: 400, error: 'invalid_grant' },
  { id: 'token.missing_code_verifier', status: 400, error: 'invalid_grant' },
  { id: 'token.code_verifier_failed', status: 400, error: 'invalid_grant' },
  { id: 'token.code_consumed', status: 400, error: 'invalid_grant' },
  { id: 'token.refresh_revoked', status: 400, error: 'invalid_grant' },
];

describe('token endpoint error failures: armed once, they fire once, then the endpoint answers again', () => {
  it.for(TOKEN_ERRORS)('$id → $status $error', async ({ id, status, error, headers = {} }, { t }) => {
    await armFailure(t.app, { id, times: 1 });
    const failed = await clientCredentials(t.app);
    expect(failed.statusCode).toBe(status);
    expect(failed.headers['cache-control']).toBe('no-store');
    expect(failed.json()).toMatchObject({ error });
    // The body imitates the genuine error; the verdict header is where the injection shows.
    expect(failed.body).not.toContain('injected');
    expect(failed.headers['x-sandbox-verdict']).toContain(`injected by failure mode ${id}`);
    for (const [name, value] of Object.entries(headers)) expect(failed.headers[name]).toBe(value);
    const next = await clientCredentials(t.app);
    expect(next.statusCode, next.body).toBe(200);
    expect((await admin(t.app, 'GET', '/failures')).json<{ armed: unknown[] }>().armed).toEqual([]);
  });

  it('words the seed cases as the named failures say', async ({ t }) => {
    const expected: Partial<Record<FailureId, string>> = {
      'token.redirect_uri_mismatch': 'redirect_uri does not match',
      'token.missing_code_verifier': 'code_verifier is missing',
      'token.code_verifier_failed': 'PKCE verification failed',
      'token.code_consumed': 'already used',
      'token.refresh_revoked': 'refresh token has been revoked',
    };
    for (const [id, text] of Object.entries(expected)) {
      await armFailure(t.app, { id, times: 1 });
      const res = await clientCredentials(t.app);
      expect(res.json<{ error_description: string }>().error_description).toContain(text);
    }
  });

  it('leaves the code unspent: after an injected failure the same code is redeemed', async ({ t }) => {
    await armFailure(t.app, { id: 'token.code_consumed', times: 1 });
    const { code } = await authorize(t.app);
    expect((await redeem(t.app, code ?? '')).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await redeem(t.app, code ?? '')).statusCode).toBe(200);
  });

  it('fires on exactly the next `times` requests, then disarms itself', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await clientCredentials(t.app)).statusCode);
    expect(statuses).toEqual([500, 500, 500, 200, 200]);
  });

  it('fires exactly `times` times among concurrent requests', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 4 });
    const results = await Promise.all(Array.from({ length: 10 }, () => clientCredentials(t.app)));
    expect(results.filter((r) => r.statusCode === 500)).toHaveLength(4);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(6);
  });

  it('stays armed without `times` until removed', async ({ t }) => {
    await armFailure(t.app, { id: 'token.invalid_grant' });
    for (let i = 0; i < 3; i++) expect((await clientCredentials(t.app)).statusCode).toBe(400);
    await admin(t.app, 'DELETE', '/failures/token.invalid_grant');
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
  });

  it('with clientId, fails only that client and leaves the others alone', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 1, clientId: 'post-app' });
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
    const post = () =>
      postForm(t.app, '/token', {
        grant_type: 'client_credentials',
        scope: 'system/*.rs',
        client_id: 'post-app',
        client_secret: 's3cret',
      });
    expect((await post()).statusCode).toBe(500);
    expect((await post()).statusCode).toBe(200);
  });

  it('applies only after client authentication: a wrong secret is still invalid_client, and does not spend it', async ({
    t,
  }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 1 });
    const wrong = await clientCredentials(t.app, 'conf-app', 'wrong');
    expect(wrong.statusCode).toBe(401);
    expect((await clientCredentials(t.app)).statusCode).toBe(500);
  });
});

describe('probability', () => {
  it('fires when the random source falls under it, and counts only firings against `times`', async () => {
    const rolls = [0.9, 0.1, 0.7, 0.2, 0.05];
    const s = await startSandbox({}, { random: () => rolls.shift() ?? 1 });
    try {
      expect(
        (await admin(s.app, 'POST', '/failures', { id: 'token.server_error', probability: 0.5, times: 2 }))
          .statusCode,
      ).toBe(201);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await clientCredentials(s.app)).statusCode);
      // 0.9 no, 0.1 fires, 0.7 no, 0.2 fires (times used up), then never again.
      expect(statuses).toEqual([200, 500, 200, 500, 200]);
    } finally {
      await s.app.close();
    }
  });
});

describe('response-shaping failures: the grant succeeds, the answer is spoiled', () => {
  async function jwks(t: TestSandbox): Promise<ReturnType<typeof createLocalJWKSet>> {
    return createLocalJWKSet((await t.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>());
  }

  it('token.malformed_json answers 200 application/json with a body that does not parse', async ({ t }) => {
    await armFailure(t.app, { id: 'token.malformed_json', times: 1 });
    const res = await clientCredentials(t.app);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.startsWith('{"access_token":')).toBe(true);
    expect(() => JSON.parse(res.body) as unknown).toThrow(SyntaxError);
    expect((await clientCredentials(t.app)).json()).toHaveProperty('access_token');
  });

  it('token.missing_access_token answers 200 without access_token', async ({ t }) => {
    await armFailure(t.app, { id: 'token.missing_access_token', times: 1 });
    const res = await clientCredentials(t.app);
    expect(res.statusCode).toBe(200);
    expect(res.json()).not.toHaveProperty('access_token');
    expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('token.expired_token answers expires_in 0 with a JWT already expired by the server clock', async ({
    t,
  }) => {
    await armFailure(t.app, { id: 'token.expired_token', times: 1 });
    const res = await clientCredentials(t.app);
    const body = res.json<{ access_token: string; expires_in: number }>();
    expect(body.expires_in).toBe(0);
    const claims = decodeJwt(body.access_token);
    expect(claims.exp).toBeLessThanOrEqual(Math.floor(t.clock.now() / 1000));
    await expect(
      jwtVerify(body.access_token, await jwks(t), { currentDate: new Date(t.clock.now()) }),
    ).rejects.toThrow(/exp/);
    const introspection = await introspect(t.app, body.access_token);
    expect(introspection.json()).toEqual({ active: false });
  });

  it('token.bad_signature signs the tokens with a key not in the JWKS, under the real kid', async ({ t }) => {
    const good = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    await armFailure(t.app, { id: 'token.bad_signature', times: 1 });
    const res = await clientCredentials(t.app);
    expect(res.statusCode).toBe(200);
    const bad = res.json<{ access_token: string }>().access_token;
    expect(decodeProtectedHeader(bad).kid).toBe(decodeProtectedHeader(good).kid);
    await expect(jwtVerify(bad, await jwks(t), { currentDate: new Date(t.clock.now()) })).rejects.toThrow(
      /signature verification failed/,
    );
  });

  it('token.bad_signature also spoils the id_token of a code flow', async ({ t }) => {
    await armFailure(t.app, { id: 'token.bad_signature', times: 1 });
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '');
    const body = res.json<{ id_token: string }>();
    await expect(
      jwtVerify(body.id_token, await jwks(t), { currentDate: new Date(t.clock.now()) }),
    ).rejects.toThrow(/signature verification failed/);
  });

  it('token.slow answers normally after delayMs', async ({ t }) => {
    await armFailure(t.app, { id: 'token.slow', times: 1, delayMs: 150 });
    const started = performance.now();
    const res = await clientCredentials(t.app);
    expect(res.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('delayMs also delays an injected error', async ({ t }) => {
    await armFailure(t.app, { id: 'token.server_error', times: 1, delayMs: 120 });
    const started = performance.now();
    expect((await clientCredentials(t.app)).statusCode).toBe(500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe('token.hang over a real socket', () => {
  function tokenRequest(port: number, timeoutMs: number): Promise<string> {
    return new Promise((resolve) => {
      const body = form({ grant_type: 'client_credentials', scope: 'system/*.rs' });
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/token',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic('conf-app', 's3cret'),
            'content-length': Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          resolve(`answered ${res.statusCode ?? 0}`);
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('gave up');
      });
      req.on('error', (err) => {
        resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      });
      req.end(body);
    });
  }

  /** A server, not yet listening, with one client_credentials client and the hang armed as `hang` says. */
  async function hangingServer(hang: { readonly id: 'token.hang'; readonly times?: number }) {
    return buildServer({
      config: parseConfig({
        clients: [
          {
            clientId: 'conf-app',
            clientSecret: 's3cret',
            grantTypes: ['client_credentials'],
            scope: 'system/*.rs',
          },
        ],
        failures: [hang],
      }),
    });
  }

  async function until(predicate: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('condition not reached in 2 s');
  }

  it('answers nothing until the client gives up, then holds no socket; the next request is answered', async () => {
    const app = await hangingServer({ id: 'token.hang', times: 1 });
    try {
      const port = await listenLocally(app);
      app.sandbox.origin = `http://127.0.0.1:${port}`;
      expect(await tokenRequest(port, 300)).toBe('gave up');
      const connections = () =>
        new Promise<number>((resolve) => {
          app.server.getConnections((_err, n) => {
            resolve(n);
          });
        });
      await until(async () => (await connections()) === 0);
      expect(await tokenRequest(port, 5000)).toBe('answered 200');
      const [hung, answered] = app.sandbox.exchanges.query();
      expect(hung).toMatchObject({ status: 0, failure: 'token.hang', verdict: { outcome: 'unanswered' } });
      expect(answered).toMatchObject({ status: 200, verdict: { outcome: 'accepted' } });
    } finally {
      await app.close();
    }
  });

  it('lets close() finish at once while a request hangs, dropping its connection', async () => {
    const app = await hangingServer({ id: 'token.hang' });
    const port = await listenLocally(app);
    const pending = tokenRequest(port, 30_000);
    await until(async () => app.sandbox.failures.list()[0]?.fired === 1);
    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await pending).toMatch(/^error (ECONNRESET|socket hang up)/);
  });
});

describe('config failures (docs/config.md#failures) arm at start', () => {
  it('arms what the config lists', async () => {
    const s = await startSandbox({ failures: [{ id: 'token.server_error', times: 1 }] });
    try {
      expect((await clientCredentials(s.app)).statusCode).toBe(500);
      expect((await clientCredentials(s.app)).statusCode).toBe(200);
    } finally {
      await s.app.close();
    }
  });
});
