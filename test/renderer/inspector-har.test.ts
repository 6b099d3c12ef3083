import { describe, expect, it } from 'vitest';
import type { Har } from '../../server/exchanges/har.js';
import { glossaryFor } from '../../renderer/flow-lab/glossary.js';
import { harFileName, harQueryFor, keepOnly } from '../../renderer/lib/har-export.js';
import { PERSIST_KEY } from '../../renderer/store/store.js';
import { DEFAULT_FILTERS } from '../../renderer/store/ui-slice.js';
import { fakeApi, memoryStorage, refreshInspection, testStore } from './fake-api.js';

const verdict = refreshInspection({
  state: 'rotated',
  summary: 'refresh token rotated at 12:00:01',
  rule: 'RFC 9700 §4.14.2',
});

describe('inspector: opening a token from Codes & tokens', () => {
  it('puts it in the box, shows the inspector with the server’s verdict, and never persists the token', async () => {
    const storage = memoryStorage();
    const asked: string[] = [];
    const store = testStore(
      fakeApi({
        inspectToken: async (token) => {
          asked.push(token);
          return verdict;
        },
      }),
      storage,
    );
    await store.getState().openInInspector('refresh-value-1');
    expect(asked).toEqual(['refresh-value-1']);
    expect(store.getState().view).toBe('inspector');
    expect(store.getState().inspection).toEqual({ status: 'ready', data: verdict });
    expect(storage.map.get(PERSIST_KEY)).not.toContain('refresh-value-1');
  });

  it('sends the user to the token’s grant in Codes & tokens', () => {
    const store = testStore();
    store.getState().showGrant('grant-1');
    expect(store.getState()).toMatchObject({ view: 'tokens', focusedGrantId: 'grant-1' });
  });

  it('explains claims and JOSE header members from the one glossary, with their section', () => {
    expect(glossaryFor('claim', 'exp')?.rule).toBe('RFC 7519 §4.1.4');
    expect(glossaryFor('claim', 'fhirUser')?.rule).toMatch(/SMART/);
    expect(glossaryFor('jose-header', 'typ')?.rule).toBe('RFC 9068 §2.1');
    expect(glossaryFor('claim', 'toString')).toBeUndefined();
  });
});

describe('HAR export from Activity', () => {
  it('asks the server for the filters it shares with Activity, and the ticked seqs for a selection', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      clientId: 'conf-app',
      injected: 'injected' as const,
      status: '4xx' as const,
    };
    expect(harQueryFor('all', filters, [3])).toEqual({});
    expect(harQueryFor('filtered', filters, [3])).toEqual({ clientId: 'conf-app', failure: '*' });
    expect(harQueryFor('selected', filters, [3, 5])).toEqual({ seq: [3, 5] });
  });

  it('keeps only the rows on screen, and names the file like the admin API does', () => {
    const entry = (seq: number) => ({ _seq: seq }) as Har['log']['entries'][number];
    const har: Har = {
      log: {
        version: '1.2',
        creator: { name: 'token-sandbox', version: '1' },
        entries: [entry(1), entry(2)],
        comment: '',
      },
    };
    expect(keepOnly(har, new Set([2])).log.entries.map((e) => e._seq)).toEqual([2]);
    expect(harFileName(new Date(Date.UTC(2026, 11, 6, 22, 15, 0, 123)))).toBe(
      'token-sandbox-20261206T221500Z.har',
    );
  });
});
