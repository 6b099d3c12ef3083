import { describe, expect } from 'vitest';
import { admin, sandboxTest, type TestSandbox } from '../helpers/sandbox.js';

/**
 * docs/admin-api.md#guard: an admin token is any 8 or more printable characters without spaces (docs/cli.md
 * `--admin-token`), `,` and `;` included. Whatever it holds, a request that presents it is never kept in the
 * exchange log, not even shortened: the log's check must find the token where the guard reads it.
 */

const ODD_TOKEN = 'odd;admin,token-42';
const it = sandboxTest({}, { adminToken: ODD_TOKEN });

async function logText(t: TestSandbox): Promise<string> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/_sandbox/api/exchanges?limit=1000',
    headers: { host: '127.0.0.1:9710', authorization: `Bearer ${ODD_TOKEN}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
}

describe('an admin token with , or ; in it (docs/admin-api.md#guard)', () => {
  it('opens the admin API as a bearer token', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/config', undefined, { authorization: `Bearer ${ODD_TOKEN}` });
    expect(res.statusCode, res.body).toBe(200);
  });

  it.for(['Bearer', 'bearer', 'DPoP'])(
    'is kept out of the log when presented under %s at another path',
    async (scheme, { t }) => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/fhir/Patient',
        headers: { authorization: `${scheme} ${ODD_TOKEN}` },
      });
      expect(res.statusCode).toBe(401);
      expect(await logText(t)).not.toContain(ODD_TOKEN.slice(0, 5));
    },
  );
});
