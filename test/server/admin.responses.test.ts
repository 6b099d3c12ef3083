import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi, type AdminApi } from '../../renderer/api/admin-client.js';
import { adminRouteRows } from '../../server/reference/generated-docs.js';
import {
  ADMIN_TOKEN,
  authorize,
  CHALLENGE,
  launchClient,
  ORIGIN,
  redeem,
  startSandbox,
  type TestSandbox,
  launchClients,
} from '../helpers/sandbox.js';

/** The workbench's fetch, answered by the app itself (no socket). */
function fetchVia(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const res = await app.inject({
      method: init?.method ?? 'GET',
      url: `${url.pathname}${url.search}`,
      headers: { host: '127.0.0.1:9710', ...headers },
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    const type = res.headers['content-type'];
    return new Response(res.statusCode === 204 ? null : res.body, {
      status: res.statusCode,
      headers: typeof type === 'string' ? { 'content-type': type } : {},
    });
  };
}

let t: TestSandbox;
let api: AdminApi;
beforeAll(async () => {
  t = await startSandbox({ clients: [...launchClients] });
  api = createAdminApi({ origin: ORIGIN, token: () => ADMIN_TOKEN, fetch: fetchVia(t.app) });
});
afterAll(async () => {
  await t.app.close();
});

describe('the admin API declares its answers (docs/admin-api.md#routes)', () => {
  it('gives every route a response schema, so the server sends exactly the documented fields', async () => {
    const rows = await adminRouteRows();
    // GET /events is a text/event-stream, written frame by frame (docs/admin-api.md#events).
    const json = rows.filter((r) => !(r.method === 'GET' && r.url === '/events'));
    expect(json.length).toBeGreaterThan(20);
    for (const row of json) expect(row.response, `${row.method} ${row.url}`).toMatch(/^`\d{3}`/);
  });

  it("answers the workbench's client with every field it reads, the PKCE comparison included", async () => {
    const [listed] = (await api.listClients()).filter((c) => c.clientId === 'conf-app');
    expect(listed).toMatchObject({ clientId: 'conf-app', warnings: [] });
    expect(await api.getConfig()).toMatchObject({ clients: expect.any(Array) as unknown });
    expect(await api.getClock()).toEqual({ now: expect.any(String) as unknown, offsetSeconds: 0 });
    expect(await api.getStorage()).toEqual({ dataDir: null });

    await redeem(t.app, (await authorize(t.app)).code ?? '');
    const page = await api.pageExchanges({ path: '/token' });
    const entry = page.exchanges.at(-1);
    expect(entry?.verdict.details?.pkce).toEqual({
      method: 'S256',
      computed: CHALLENGE,
      stored: CHALLENGE,
      matched: true,
      rule: 'RFC 7636 §4.6',
    });
    expect(entry?.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(await api.getExchange(entry?.seq ?? 0)).toEqual(entry);
    expect(page).toMatchObject({ latestSeq: entry?.seq, capacity: expect.any(Number) as unknown });

    const grants = await api.listGrants();
    const access = grants.find((g) => g.kind === 'access_token');
    expect(access).toMatchObject({
      clientId: 'conf-app',
      state: 'active',
      issuedAt: expect.any(String) as unknown,
    });
    expect(await api.getArtefactToken(access?.id ?? '')).toMatch(/^ey/);

    await api.armFailure({ id: 'token.slow', times: 2, delayMs: 10 });
    expect((await api.listFailures()).armed).toEqual([
      { id: 'token.slow', remaining: 2, delayMs: 10, fired: 0, armedAt: expect.any(String) as unknown },
    ]);
    await api.disarmAllFailures();

    const [patient] = await api.listLaunchChoices();
    const launch = await api.createLaunch({ clientId: launchClient.clientId, patient: patient?.id ?? '' });
    expect(launch).toMatchObject({
      url: expect.stringContaining('launch=') as unknown,
      context: { patient: patient?.id },
    });
  });
});
