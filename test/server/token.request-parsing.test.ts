import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { basic, sandboxTest, type TestSandbox } from '../helpers/sandbox.js';

const it = sandboxTest();

const auth = { authorization: basic('conf-app', 's3cret') };

async function post(t: TestSandbox, payload: string, headers: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: '/token', headers: { ...auth, ...headers }, payload });
}

function expectOAuth400(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) {
  expect(res.statusCode).toBe(400);
  expect(res.json()).toMatchObject({ error: 'invalid_request' });
  expect(Object.keys(res.json() as object).sort()).toEqual(['error', 'error_description']);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('strict request handling at the token endpoint (reliability P-series)', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('refuses a duplicated parameter (RFC 6749 §3.2)', async ({ t }) => {
    expectOAuth400(await post(t, 'grant_type=client_credentials&grant_type=client_credentials', form));
  });

  it('refuses JSON, text and multipart bodies and a missing content type (docs/endpoints.md#request-parsing)', async ({
    t,
  }) => {
    expectOAuth400(
      await post(t, '{"grant_type":"client_credentials"}', { 'content-type': 'application/json' }),
    );
    expectOAuth400(await post(t, 'grant_type=client_credentials', { 'content-type': 'text/plain' }));
    expectOAuth400(await post(t, '--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' }));
    expectOAuth400(await post(t, 'grant_type=client_credentials', {}));
  });

  it('refuses a body over 64 KiB in the OAuth shape (docs/endpoints.md#request-parsing)', async ({ t }) => {
    expectOAuth400(await post(t, `grant_type=client_credentials&x=${'a'.repeat(70_000)}`, form));
  });

  it('refuses malformed percent-encoding (docs/endpoints.md#request-parsing)', async ({ t }) => {
    expectOAuth400(await post(t, 'grant_type=client_credentials&scope=%FF%FE', form));
  });

  it('answers GET with invalid_request (RFC 6749 §3.2)', async ({ t }) => {
    const res = await t.app.inject({ method: 'GET', url: '/token' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('never answers 5xx or a Fastify-shaped error to any form body (property)', async ({ t }) => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (payload) => {
        const res = await post(t, payload, form);
        expect(res.statusCode).toBeLessThan(500);
        const body = res.json<Record<string, unknown>>();
        expect(body['statusCode']).toBeUndefined();
        if (res.statusCode !== 200) expect(typeof body['error']).toBe('string');
      }),
      { numRuns: 60 },
    );
  });

  it('keeps error_description to the characters RFC 6749 §5.2 allows', async ({ t }) => {
    const res = await post(t, 'grant_type=%22quoted%5C%0A', form);
    const description = res.json<{ error_description: string }>().error_description;
    expect(description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
  });
});
