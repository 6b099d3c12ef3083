import { describe, expect, it } from 'vitest';
import { selectLabOutcomes, selectLabTimeline } from '../../renderer/store/selectors.js';
import { createAppStore } from '../../renderer/store/store.js';
import { fakeApi, issuerView, memoryStorage } from './fake-api.js';

const ORIGIN = 'http://127.0.0.1:9710';

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string | undefined;
}

/**
 * A sandbox stand-in at the fetch level: the admin API registers clients and keeps an exchange log, the
 * discovery document is served and logged (as the real server does, once the response is written).
 */
function fakeSandbox() {
  const sent: Sent[] = [];
  let seq = 7;
  const log: { seq: number; path: string; status: number; verdict: unknown }[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    sent.push({
      method: init?.method ?? 'GET',
      url: url.href,
      authorization: headers.get('authorization') ?? undefined,
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    if (url.pathname === '/_sandbox/api/exchanges') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const path = url.searchParams.get('path');
      const found = log.filter((e) => e.seq > since && (path === null || e.path.startsWith(path)));
      return json(200, { exchanges: found, latestSeq: seq });
    }
    if (url.pathname.startsWith('/_sandbox/api/clients/')) return json(201, { clientId: 'flow-lab-backend' });
    if (url.pathname === '/fhir/.well-known/smart-configuration') {
      seq += 1;
      log.push({
        seq,
        path: url.pathname,
        status: 200,
        verdict: { outcome: 'accepted', summary: 'accepted: answered 200', reasons: [] },
      });
      return json(200, { authorization_endpoint: `${ORIGIN}/authorize`, token_endpoint: `${ORIGIN}/token` });
    }
    return json(404, { error: 'not_found' });
  };
  return { fetchImpl, sent };
}

function labStore() {
  const sandbox = fakeSandbox();
  const store = createAppStore({ api: fakeApi(), fetch: sandbox.fetchImpl }, memoryStorage());
  store.getState().signIn('admin-secret', false);
  return { store, sent: sandbox.sent };
}

/** Sends the step on screen and moves on to the next, `count` steps in all (the last is sent, not left). */
async function sendSteps(store: ReturnType<typeof labStore>['store'], count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    if (i > 0) await store.getState().labNext();
    await store.getState().sendLabStep();
  }
}

describe('flow lab slice', () => {
  it('walks against the issuer chosen in the header (README "Many issuers")', async () => {
    const sandbox = fakeSandbox();
    const api = fakeApi({
      listIssuers: async () => [issuerView('default'), issuerView('medirecords', 'medirecords')],
    });
    const store = createAppStore({ api, fetch: sandbox.fetchImpl }, memoryStorage());
    store.getState().signIn('admin-secret', false);
    await store.getState().loadIssuers();
    store.getState().chooseIssuer('medirecords');
    await store.getState().chooseFlow('backend-services');
    await store.getState().sendLabStep();
    await store.getState().labNext();
    // The walk registers its client with MediRecords' own admin API, not the default issuer's.
    expect(store.getState().flowLab.draft?.url).toBe(
      `${ORIGIN}/_sandbox/api/issuers/medirecords/clients/flow-lab-backend`,
    );
  });

  it('walks a step the app does alone, then builds the next request with the admin token', async () => {
    const { store, sent } = labStore();
    await store.getState().chooseFlow('backend-services');
    expect(store.getState().flowLab.draft).toBeUndefined();
    await store.getState().sendLabStep();
    const lab = store.getState().flowLab;
    expect(lab.steps).toHaveLength(1);
    expect(lab.steps[0]?.walked.after.backendKey?.publicJwk.kty).toBe('EC');
    expect(sent).toEqual([]);

    await store.getState().labNext();
    const next = store.getState().flowLab;
    expect(next.cursor).toBe(1);
    expect(next.draft?.method).toBe('PUT');
    expect(next.draft?.url).toBe(`${ORIGIN}/_sandbox/api/clients/flow-lab-backend`);
    expect(next.draft?.headers).toEqual({ Authorization: 'Bearer admin-secret' });
  });

  it('sends an admin call without looking for it in the exchange log, which does not record it', async () => {
    const { store, sent } = labStore();
    await store.getState().chooseFlow('backend-services');
    await sendSteps(store, 2);
    expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual([
      'PUT /_sandbox/api/clients/flow-lab-backend',
    ]);
    expect(store.getState().flowLab.steps[1]?.server).toBeUndefined();
    expect(selectLabOutcomes(store.getState())).toEqual(['local', 'accepted']);
  });

  it("reads the server's verdict of a logged request from the exchange log, newer than before it was sent", async () => {
    const { store, sent } = labStore();
    await store.getState().chooseFlow('backend-services');
    await sendSteps(store, 3);
    expect(
      sent.slice(1).map((s) => `${s.method} ${new URL(s.url).pathname}${new URL(s.url).search}`),
    ).toEqual([
      'GET /_sandbox/api/exchanges?limit=1',
      'GET /fhir/.well-known/smart-configuration',
      'GET /_sandbox/api/exchanges?since=7&path=%2Ffhir%2F.well-known%2Fsmart-configuration',
    ]);
    expect(sent.at(-1)?.authorization).toBe('Bearer admin-secret');
    expect(store.getState().flowLab.steps[2]?.server).toEqual({
      seq: 8,
      path: '/fhir/.well-known/smart-configuration',
      status: 200,
      verdict: { outcome: 'accepted', summary: 'accepted: answered 200', reasons: [] },
    });
    expect(store.getState().flowLab.steps[2]?.walked.after.endpoints?.token).toBe(`${ORIGIN}/token`);
  });

  it('goes Back to a walked step, and re-walking from it discards the later steps', async () => {
    const { store } = labStore();
    await store.getState().chooseFlow('backend-services');
    await sendSteps(store, 2);
    store.getState().labBack();
    expect(store.getState().flowLab.cursor).toBe(0);
    expect(store.getState().flowLab.steps).toHaveLength(2);
    store.getState().labBack();
    expect(store.getState().flowLab.cursor).toBe(0);

    await store.getState().labGoTo(1);
    await store.getState().rewalkFromCursor();
    const lab = store.getState().flowLab;
    expect(lab.steps).toHaveLength(1);
    expect(lab.cursor).toBe(1);
    expect(lab.draft?.method).toBe('PUT');
  });

  it('prefills the edit fields from the request and sends only what was changed', async () => {
    const { store } = labStore();
    await store.getState().chooseFlow('code-pkce-public');
    const register = store.getState().flowLab;
    expect(register.edits).toEqual({});
    // Register, discover, make the PKCE material: then the authorize step's draft is built.
    await sendSteps(store, 3);
    await store.getState().labNext();
    const authorize = store.getState().flowLab;
    expect(Object.keys(authorize.edits)).toEqual([
      'redirect_uri',
      'scope',
      'code_challenge',
      'code_challenge_method',
      'state',
    ]);
    expect(authorize.edits['redirect_uri']).toBe(`${ORIGIN}/_sandbox/callback`);
    expect(authorize.edits['code_challenge']).toBe(authorize.steps[2]?.walked.after.pkce?.challenge);
    store.getState().setLabEdit('redirect_uri', 'https://elsewhere.example/cb');
    expect(store.getState().flowLab.edits['redirect_uri']).toBe('https://elsewhere.example/cb');
  });

  it('keeps a choice of presentation mode across a change of flow, and starts the new flow afresh', async () => {
    const { store } = labStore();
    await store.getState().chooseFlow('backend-services');
    await store.getState().sendLabStep();
    store.getState().setPresenting(true);
    await store.getState().chooseFlow('client-credentials');
    const lab = store.getState().flowLab;
    expect(lab.presenting).toBe(true);
    expect(lab.steps).toEqual([]);
    expect(lab.cursor).toBe(0);
    expect(selectLabTimeline(store.getState())).toEqual({ tokens: [], events: [], revoked: false });
  });
});
