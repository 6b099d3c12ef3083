import { describe, expect, it } from 'vitest';
import { createLiveRouter } from '../../renderer/store/live.js';
import { appendToLog, EMPTY_LOG } from '../../renderer/store/exchanges-slice.js';
import {
  artefactStateAt,
  exchangeMatches,
  selectCounts,
  selectExchangeEndpoints,
  selectFailureGroups,
  selectGrantFamilies,
  selectTryItClient,
  selectVisibleExchanges,
} from '../../renderer/store/selectors.js';
import { PERSIST_KEY, restorePersisted } from '../../renderer/store/store.js';
import { DEFAULT_FILTERS } from '../../renderer/store/ui-slice.js';
import { exchange, fakeApi, memoryStorage, testStore } from './fake-api.js';

describe('store: persistence across reloads', () => {
  it('keeps the view, theme and Activity filters, and never the token or server data', () => {
    const storage = memoryStorage();
    const store = testStore(fakeApi(), storage);
    store.getState().signIn('secret-token', false);
    store.getState().setView('activity');
    store.getState().setTheme('dark');
    store.getState().setActivityFilters({ status: '4xx' });
    store.getState().appendExchanges([exchange(1)]);
    const saved = storage.map.get(PERSIST_KEY) ?? '';
    expect(JSON.parse(saved)).toEqual({
      state: { view: 'activity', theme: 'dark', activityFilters: { ...DEFAULT_FILTERS, status: '4xx' } },
      version: 1,
    });
    expect(saved).not.toContain('secret-token');

    const reloaded = testStore(fakeApi(), storage);
    expect(reloaded.getState().view).toBe('activity');
    expect(reloaded.getState().theme).toBe('dark');
    expect(reloaded.getState().session.status).toBe('signed-out');
  });

  it('ignores a persisted entry that is malformed or names an unknown view', () => {
    expect(restorePersisted({ view: 'nowhere', theme: 'neon', activityFilters: { status: 4 } })).toEqual({});
    expect(restorePersisted('garbage')).toEqual({});
    expect(restorePersisted({ view: 'failures' })).toEqual({ view: 'failures' });
  });
});

describe('clients slice', () => {
  it('lists clients sorted by id and adds a created one', async () => {
    const api = fakeApi();
    api.clients.push({ clientId: 'zeta' });
    const store = testStore(api);
    await store.getState().loadClients();
    const result = await store.getState().saveClient({ clientId: 'alpha' }, 'create');
    expect(result).toEqual({ ok: true });
    const clients = store.getState().clients;
    expect(clients.status === 'ready' ? clients.data.map((c) => c.clientId) : []).toEqual(['alpha', 'zeta']);
  });

  it('hands the form the server’s own message and the field it names', async () => {
    const api = fakeApi();
    api.clients.push({ clientId: 'taken' });
    const store = testStore(api);
    const result = await store.getState().saveClient({ clientId: 'taken' }, 'create');
    expect(result).toEqual({
      ok: false,
      message: 'client taken already exists',
      field: 'clientId',
      issues: [{ path: 'clientId', message: '"taken" is already registered' }],
    });
  });

  it('removes a deleted client, and reports an unknown one in words', async () => {
    const api = fakeApi();
    api.clients.push({ clientId: 'a' });
    const store = testStore(api);
    await store.getState().loadClients();
    expect(await store.getState().deleteClient('a')).toEqual({ ok: true });
    expect(store.getState().clients).toEqual({ status: 'ready', data: [] });
    expect(await store.getState().deleteClient('a')).toMatchObject({ ok: false, message: 'no client a' });
  });

  it('shows an unreachable server as an error state, not an empty list', async () => {
    const store = testStore(
      fakeApi({ listClients: () => Promise.reject(new Error('cannot reach the sandbox')) }),
    );
    await store.getState().loadClients();
    expect(store.getState().clients).toEqual({ status: 'error', message: 'cannot reach the sandbox' });
  });
});

describe('exchange log', () => {
  it('appends in seq order, skips duplicates and replays, and stays bounded', () => {
    let log = appendToLog(EMPTY_LOG, [exchange(1), exchange(2)], 3);
    log = appendToLog(log, [exchange(2), exchange(3), exchange(4)], 3);
    expect(log.items.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(log.dropped).toBe(1);
    expect(appendToLog(log, [exchange(4)], 3)).toBe(log);
  });

  it('keeps the newest 50,000 of a larger burst', () => {
    const burst = Array.from({ length: 60_000 }, (_, i) => exchange(i + 1));
    const log = appendToLog(EMPTY_LOG, burst);
    expect(log.items.length).toBe(50_000);
    expect(log.items[0]?.seq).toBe(10_001);
    expect(log.dropped).toBe(10_000);
  });

  it('filters by endpoint, client, status family and injected-or-not', () => {
    const e = exchange(1, {
      path: '/token',
      clientId: 'app',
      status: 503,
      failure: 'token.temporarily_unavailable',
    });
    expect(exchangeMatches(e, DEFAULT_FILTERS)).toBe(true);
    expect(
      exchangeMatches(e, {
        ...DEFAULT_FILTERS,
        status: '5xx',
        injected: 'injected',
        clientId: 'app',
        endpoint: '/token',
      }),
    ).toBe(true);
    expect(exchangeMatches(e, { ...DEFAULT_FILTERS, status: '4xx' })).toBe(false);
    expect(exchangeMatches(e, { ...DEFAULT_FILTERS, injected: 'not-injected' })).toBe(false);
    expect(exchangeMatches(e, { ...DEFAULT_FILTERS, clientId: 'other' })).toBe(false);
    expect(exchangeMatches(exchange(2, { status: 0 }), { ...DEFAULT_FILTERS, status: 'none' })).toBe(true);
  });

  it('selectors return the same array while their inputs are unchanged', () => {
    const store = testStore();
    store
      .getState()
      .appendExchanges([exchange(1, { path: '/token' }), exchange(2, { path: '/authorize', status: 302 })]);
    const first = selectVisibleExchanges(store.getState());
    store.getState().announce('unrelated change');
    expect(selectVisibleExchanges(store.getState())).toBe(first);
    expect(selectExchangeEndpoints(store.getState())).toEqual(['/authorize', '/token']);
    store.getState().setActivityFilters({ status: '3xx' });
    expect(selectVisibleExchanges(store.getState()).map((e) => e.seq)).toEqual([2]);
  });

  it('the live router hands exchanges to the store once per frame, not once per event', () => {
    const store = testStore();
    const frames: (() => void)[] = [];
    const router = createLiveRouter(store, (cb) => {
      frames.push(cb);
      return () => undefined;
    });
    let updates = 0;
    store.subscribe((s, prev) => {
      if (s.exchanges !== prev.exchanges) updates++;
    });
    for (let i = 1; i <= 200; i++)
      router.route({ event: 'exchange.recorded', id: String(i), data: JSON.stringify(exchange(i)) });
    expect(frames.length).toBe(1);
    expect(store.getState().exchanges.items.length).toBe(0);
    frames[0]?.();
    expect(updates).toBe(1);
    expect(store.getState().exchanges.items.length).toBe(200);
  });
});

describe('selectors', () => {
  it('picks as "Try it" client the first one that may use client_credentials with a secret', async () => {
    const api = fakeApi();
    api.clients.push(
      { clientId: 'a-public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'] },
      {
        clientId: 'b-backend',
        clientSecret: 's',
        tokenEndpointAuthMethod: 'client_secret_basic',
        grantTypes: ['client_credentials'],
      },
    );
    const store = testStore(api);
    expect(selectTryItClient(store.getState())).toBeUndefined();
    await store.getState().loadClients();
    expect(selectTryItClient(store.getState())?.clientId).toBe('b-backend');
  });

  it('groups failure modes by endpoint, token first, with their armed state', async () => {
    const store = testStore(
      fakeApi({
        listFailures: async () => ({
          available: [
            {
              id: 'authorize.access_denied',
              endpoint: 'authorize',
              produces: 'redirect with error=access_denied',
            },
            { id: 'token.server_error', endpoint: 'token', produces: '500 server_error' },
          ],
          armed: [{ id: 'token.server_error', remaining: 1, fired: 0, armedAt: '2026-01-01T00:00:00Z' }],
        }),
      }),
    );
    await store.getState().loadFailures();
    const groups = selectFailureGroups(store.getState());
    expect(groups.map((g) => g.endpoint)).toEqual(['token', 'authorize']);
    expect(groups[0]?.rows[0]?.armed?.remaining).toBe(1);
    expect(groups[1]?.rows[0]?.armed).toBeUndefined();
    expect(selectCounts(store.getState()).armedFailures).toBe(1);
  });

  it('shows an active artefact whose expiry has passed as expired', () => {
    const a = { state: 'active' as const, expiresAt: '2026-01-01T00:00:10Z' };
    expect(artefactStateAt(a, Date.parse('2026-01-01T00:00:09Z'))).toBe('active');
    expect(artefactStateAt(a, Date.parse('2026-01-01T00:00:10Z'))).toBe('expired');
    expect(artefactStateAt({ ...a, state: 'revoked' }, 0)).toBe('revoked');
  });
});

describe('selectors used by components', () => {
  it('return the same value for the same state, so useSyncExternalStore never loops', () => {
    const store = testStore();
    const s = store.getState();
    expect(selectCounts(s)).toBe(selectCounts(s));
    expect(selectFailureGroups(s)).toBe(selectFailureGroups(s));
    expect(selectVisibleExchanges(s)).toBe(selectVisibleExchanges(s));
  });
});

describe('grant families', () => {
  it('groups the flat /grants list by grant; a lone token is its own family; one active member keeps it active', async () => {
    const t = (s: number) => new Date(1_700_000_000_000 + s * 1000).toISOString();
    const store = testStore(
      fakeApi({
        listGrants: async () => [
          {
            id: 'at2',
            kind: 'access_token',
            clientId: 'a',
            grantId: 'g1',
            preview: 'eyJ',
            state: 'active',
            issuedAt: t(3),
            expiresAt: t(99),
          },
          {
            id: 'r-1',
            kind: 'refresh_token',
            clientId: 'a',
            grantId: 'g1',
            preview: 'abc',
            state: 'revoked',
            issuedAt: t(2),
            expiresAt: t(99),
          },
          {
            id: 'c-1',
            kind: 'code',
            clientId: 'a',
            grantId: 'g1',
            preview: 'xyz',
            state: 'consumed',
            issuedAt: t(1),
            expiresAt: t(60),
          },
          {
            id: 'cc1',
            kind: 'access_token',
            clientId: 'svc',
            preview: 'eyJ',
            state: 'revoked',
            issuedAt: t(5),
            expiresAt: t(99),
          },
        ],
      }),
    );
    await store.getState().loadGrants();
    const families = selectGrantFamilies(store.getState());
    expect(families.map((f) => [f.id, f.state, f.artefacts.map((a) => a.id)])).toEqual([
      ['cc1', 'revoked', ['cc1']],
      ['g1', 'active', ['c-1', 'r-1', 'at2']],
    ]);
    expect(selectCounts(store.getState()).activeGrants).toBe(1);
  });
});
