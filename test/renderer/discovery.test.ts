import { describe, expect, it } from 'vitest';
import { fetchSmartConfiguration } from '../../renderer/api/oauth-client.js';

/** A fetch that answers every request with `body` as JSON, status 200. */
const answering =
  (body: unknown): typeof fetch =>
  async () =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('the workbench reading discovery (SMART App Launch 2.2 §Response)', () => {
  it('takes a document with both endpoints, keeping its other fields', async () => {
    const doc = {
      issuer: 'http://127.0.0.1:9710',
      authorization_endpoint: 'http://127.0.0.1:9710/authorize',
      token_endpoint: 'http://127.0.0.1:9710/token',
      capabilities: ['launch-ehr'],
    };
    expect(await fetchSmartConfiguration('http://127.0.0.1:9710', answering(doc))).toEqual(doc);
  });

  it('names the endpoints a 200 answer left out or gave as something other than a string', async () => {
    await expect(
      fetchSmartConfiguration('http://127.0.0.1:9710', answering({ issuer: 'x', token_endpoint: 7 })),
    ).rejects.toThrow('discovery answered without authorization_endpoint or token_endpoint');
    await expect(
      fetchSmartConfiguration(
        'http://127.0.0.1:9710',
        answering({ authorization_endpoint: 'http://127.0.0.1:9710/authorize' }),
      ),
    ).rejects.toThrow('discovery answered without token_endpoint');
  });
});
