// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminApi } from '../../renderer/api/admin-client.js';
import { ISSUER_KEY } from '../../renderer/store/issuers-slice.js';
import { selectVisibleExchanges } from '../../renderer/store/selectors.js';
import { createWorkbench } from '../../renderer/store/workbench.js';
import { ActivityView } from '../../renderer/views/activity-view.js';
import { exchange, fakeApi, issuerView, memoryStorage, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

const ISSUERS = [issuerView('default'), issuerView('medirecords', 'medirecords', '#d97706')];

/** A sandbox with two issuers behind a fake fetch: each admin prefix answers with its own clients. */
function sandbox(issuers = ISSUERS) {
  const asked: string[] = [];
  const clientsAt: Record<string, string> = {
    '/_sandbox/api/clients': 'root-app',
    '/_sandbox/api/issuers/medirecords/clients': 'mr-app',
  };
  const fetch = (async (input: string | URL | Request) => {
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    asked.push(path);
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
    if (path === '/_sandbox/api/issuers') return json({ issuers });
    const clientId = clientsAt[path];
    if (clientId !== undefined) return json({ clients: [{ clientId, warnings: [], effective: {} }] });
    return new Response('{"error":"not_found","message":"no such route"}', { status: 404 });
  }) as typeof globalThis.fetch;
  return { fetch, asked };
}

describe('the issuer switcher points every view at the chosen issuer (README "Many issuers")', () => {
  it("after a switch, the views read the issuer's own admin API, and the choice survives a reload", async () => {
    const { fetch, asked } = sandbox();
    const tab = memoryStorage();
    const { store } = createWorkbench({
      origin: 'http://127.0.0.1:9710',
      fetch,
      storage: memoryStorage(),
      tabStorage: tab,
    });
    store.getState().signIn('t', false);
    await store.getState().loadIssuers();
    await store.getState().loadClients();
    expect(store.getState().clients).toMatchObject({ status: 'ready', data: [{ clientId: 'root-app' }] });

    store.getState().chooseIssuer('medirecords');
    await store.getState().loadClients();
    expect(asked.at(-1)).toBe('/_sandbox/api/issuers/medirecords/clients');
    expect(store.getState().clients).toMatchObject({ status: 'ready', data: [{ clientId: 'mr-app' }] });

    // A reload of the tab: a new store over the same sessionStorage starts on medirecords.
    const reloaded = createWorkbench({
      origin: 'http://127.0.0.1:9710',
      fetch,
      storage: memoryStorage(),
      tabStorage: tab,
    });
    expect(reloaded.store.getState().issuerName).toBe('medirecords');
    await reloaded.store.getState().loadIssuers();
    expect(reloaded.api.eventsUrl).toBe('http://127.0.0.1:9710/_sandbox/api/issuers/medirecords/events');
  });

  it('falls back to the default issuer when the chosen one was removed', async () => {
    const { fetch } = sandbox([issuerView('default'), issuerView('iehr', 'iehr')]);
    const tab = memoryStorage();
    tab.setItem(ISSUER_KEY, 'medirecords');
    const { store, api } = createWorkbench({
      origin: 'http://127.0.0.1:9710',
      fetch,
      storage: memoryStorage(),
      tabStorage: tab,
    });
    await store.getState().loadIssuers();
    expect(store.getState().issuerName).toBe('default');
    expect(store.getState().notice).toContain('medirecords is gone');
    expect(api.admin).toBe('/_sandbox/api');
    expect(tab.getItem(ISSUER_KEY)).toBeNull();
  });
});

/** A fake admin API per issuer: the default's and medirecords' exchange logs, each numbered from 1. */
function twoIssuerApi(): AdminApi {
  const full = (seq: number, path: string, ms: number) => ({
    ...exchange(seq, { path, time: new Date(1_700_000_000_000 + ms).toISOString() }),
    query: {},
    request: { headers: {} },
    response: { headers: {} },
  });
  const mr = fakeApi({
    listExchanges: async () => [
      full(1, '/i/medirecords/oauth2/token', 20),
      full(2, '/i/medirecords/oauth2/token', 40),
    ],
    getExchange: async (seq) => full(seq, '/i/medirecords/oauth2/token', 20),
  });
  const root: AdminApi = fakeApi({
    listIssuers: async () => ISSUERS,
    forIssuer: (admin) => (admin === '/_sandbox/api' ? root : mr),
    listExchanges: async () => [full(1, '/token', 10), full(2, '/token', 30)],
  });
  return root;
}

describe('Activity lists every issuer, merged by time, with an Issuer column and filter', () => {
  it("merges both logs by time; the filter shows one issuer's; a row opens from its own issuer", async () => {
    const api = twoIssuerApi();
    const store = testStore(api);
    await store.getState().loadIssuers();
    await store.getState().loadExchanges();
    renderInApp(<ActivityView />, api, store);

    // The list is virtualized (no layout here): what it shows is selectVisibleExchanges.
    const rows = () => selectVisibleExchanges(store.getState()).map((e) => `${e.issuer ?? ''}#${e.seq}`);
    expect(rows()).toEqual(['default#1', 'medirecords#1', 'default#2', 'medirecords#2']);
    expect(screen.getByText('Issuer', { selector: '.exchange-header span' })).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Filter by issuer'), { target: { value: 'medirecords' } });
    expect(rows()).toEqual(['medirecords#1', 'medirecords#2']);

    await store.getState().selectExchange(1, 'medirecords');
    expect(store.getState()).toMatchObject({ selectedSeq: 1, selectedIssuer: 'medirecords' });
    const detail = store.getState().exchangeDetail;
    expect(detail.status === 'ready' && detail.data.path).toBe('/i/medirecords/oauth2/token');
  });

  it('renders while the issuers are still unknown (the first paint of every page load)', () => {
    // issuers is idle until GET /issuers answers; a selector handing React a new empty list on every read made
    // it re-render forever (React #185) and the workbench never painted.
    const api = fakeApi({ listExchanges: async () => [] });
    const store = testStore(api);
    expect(store.getState().issuers.status).toBe('idle');
    renderInApp(<ActivityView />, api, store);
    expect(screen.getByRole('form', { name: 'Filter exchanges' })).toBeTruthy();
  });

  it('with one issuer, no Issuer column and no issuer filter (unchanged)', async () => {
    const api = fakeApi({ listExchanges: async () => [] });
    const store = testStore(api);
    store.getState().appendExchanges([exchange(1)]);
    await store.getState().loadIssuers();
    renderInApp(<ActivityView />, api, store);
    expect(screen.queryByLabelText('Filter by issuer')).toBeNull();
    expect(screen.queryByText('Issuer', { selector: '.exchange-header span' })).toBeNull();
  });
});
