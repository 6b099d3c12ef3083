// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyList, KeyView } from '../../server/admin/shapes.js';
import { SettingsView } from '../../renderer/views/settings-view.js';
import { fakeApi, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

const CURRENT: KeyView = {
  kid: 'kid-new',
  alg: 'RS256',
  state: 'current',
  createdAt: '2026-01-01T10:00:00.000Z',
};
const PUBLISHED: KeyView = {
  kid: 'kid-old',
  alg: 'RS256',
  state: 'published',
  createdAt: '2026-01-01T09:00:00.000Z',
  publishedUntil: '2026-01-01T11:00:00.000Z',
};

/** The Settings view over a fake server holding `keys`, recording what the card asks of it. */
async function renderKeys(keys: KeyView[]) {
  const calls: string[] = [];
  let list: KeyList = { keys, maxKeys: 20, defaultGraceSeconds: 3600 };
  const api = fakeApi({
    listKeys: async () => list,
    rotateKeys: async (graceSeconds) => {
      calls.push(`rotate ${String(graceSeconds)}`);
      return { added: [], replaced: [] };
    },
    retireKey: async (kid) => {
      calls.push(`retire ${kid}`);
      const retired: KeyView = { ...PUBLISHED, state: 'retired', retiredAt: '2026-01-01T10:30:00.000Z' };
      list = { ...list, keys: list.keys.map((k) => (k.kid === kid ? retired : k)) };
      return retired;
    },
  });
  const store = testStore(api);
  await store.getState().loadServer();
  renderInApp(createElement(SettingsView), api, store);
  return calls;
}

function rowOf(table: HTMLElement, state: string): HTMLElement {
  const row = table.querySelector<HTMLElement>(`tr[data-state="${state}"]`);
  if (row === null) throw new Error(`no ${state} row`);
  return row;
}

describe('Settings: signing keys (README "Key rollover")', () => {
  it('lists each key with its state, and offers Retire now only for a published key', async () => {
    await renderKeys([PUBLISHED, CURRENT]);
    const table = screen.getByRole('table', { name: 'Signing keys' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['published', 'current']);
    expect(within(rowOf(table, 'published')).getByRole('button', { name: 'Retire now' })).toBeTruthy();
    expect(within(rowOf(table, 'current')).queryByRole('button')).toBeNull();
  });

  it('rotates with the grace period typed, and retires a key, showing its new state', async () => {
    const calls = await renderKeys([PUBLISHED, CURRENT]);
    fireEvent.change(screen.getByLabelText('Grace period (seconds)'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rotate' }));
    await waitFor(() => expect(calls).toEqual(['rotate 0']));
    fireEvent.click(screen.getByRole('button', { name: 'Retire now' }));
    await waitFor(() => expect(calls).toEqual(['rotate 0', 'retire kid-old']));
    await waitFor(() => expect(screen.getByText('retired')).toBeTruthy());
  });

  it('refuses a grace period that is not a whole number of seconds, and sends nothing', async () => {
    const calls = await renderKeys([CURRENT]);
    fireEvent.change(screen.getByLabelText('Grace period (seconds)'), { target: { value: '1h' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rotate' }));
    expect(await screen.findByText(/the grace period is a whole number of seconds/)).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it("rotates with the server's default grace when the key list came only after the view opened", async () => {
    // GET /keys failed on the first load (the card says the server does not list its keys); a later reload
    // of the server view brings the list, and the field must not stay without the server's default.
    const calls: string[] = [];
    let fail = true;
    const api = fakeApi({
      listKeys: async () => {
        if (fail) throw new Error('unavailable');
        return { keys: [CURRENT], maxKeys: 20, defaultGraceSeconds: 3600 };
      },
      rotateKeys: async (graceSeconds) => {
        calls.push(`rotate ${String(graceSeconds)}`);
        return { added: [], replaced: [] };
      },
    });
    const store = testStore(api);
    await store.getState().loadServer();
    renderInApp(createElement(SettingsView), api, store);
    fail = false;
    await store.getState().loadServer();
    await screen.findByRole('table', { name: 'Signing keys' });
    fireEvent.click(screen.getByRole('button', { name: 'Rotate' }));
    // No graceSeconds sent: POST /keys/rotate applies the server's default (docs/admin-api.md).
    await waitFor(() => expect(calls).toEqual(['rotate undefined']));
    expect(screen.queryByText(/the grace period is a whole number of seconds/)).toBeNull();
  });
});
