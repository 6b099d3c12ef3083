import * as crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  admin,
  basic,
  postForm,
  startSandbox,
  type TestSandbox,
  clientCredentials,
} from '../helpers/sandbox.js';

// The real timingSafeEqual, watched: which buffers the server compares secrets with.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof crypto>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox();
});
afterAll(async () => {
  await t.app.close();
});
beforeEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('the admin token travels only in the Authorization header', () => {
  it('refuses the token as ?token= on the event stream too', async () => {
    const res = await admin(t.app, 'GET', `/events?token=${ADMIN_TOKEN}`, undefined, {
      authorization: undefined,
    });
    expect(res.statusCode).toBe(401);
  });
});

describe("secret comparisons do not reveal the secret's length", () => {
  it.each(['x', 's3cre', 's3cret-and-more'])(
    'compares a wrong client_secret of another length (%s) in full, over equal-length digests',
    async (secret) => {
      const res = await postForm(
        t.app,
        '/token',
        { grant_type: 'client_credentials', scope: 'system/*.rs' },
        { authorization: basic('conf-app', secret) },
      );
      expect(res.statusCode).toBe(401);
      const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
      expect(calls.length).toBeGreaterThan(0);
      for (const [a, b] of calls) expect((a as Buffer).length).toBe((b as Buffer).length);
    },
  );

  it('still accepts the right secret', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret');
    expect(res.statusCode).toBe(200);
  });
});
