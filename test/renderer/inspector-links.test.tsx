// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Inspection } from '../../server/tokens/inspection.js';
import { InspectorView } from '../../renderer/views/inspector-view.js';
import { exchange, fakeApi, refreshInspection, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

const ACTIVE = refreshInspection(
  { state: 'active', summary: 'active: the server accepts it now', rule: 'RFC 7662 §2.2' },
  { clientId: 'conf-app', exchanges: [7, 3] },
);

/** The inspector over a fake server whose verdict is `inspection`, after inspecting a pasted token. */
async function inspected(inspection: Inspection) {
  const opened: number[] = [];
  const api = fakeApi({
    inspectToken: async () => inspection,
    getExchange: async (seq) => {
      opened.push(seq);
      return { ...exchange(seq), query: {}, request: { headers: {} }, response: { headers: {} } };
    },
  });
  const store = testStore(api);
  await store.getState().openInInspector('refresh-value-1');
  renderInApp(<InspectorView />, api, store);
  return { store, opened };
}

describe('the token inspector links to the exchanges the token appeared in', () => {
  it('lists each exchange newest first; one opens it in Activity with its detail', async () => {
    const { store, opened } = await inspected(ACTIVE);
    const nav = screen.getByRole('navigation', { name: 'Exchanges this token appeared in' });
    const links = within(nav).getAllByRole('button');
    expect(links.map((b) => b.textContent)).toEqual(['#7', '#3']);
    fireEvent.click(within(nav).getByRole('button', { name: 'Open exchange 3 in Activity' }));
    await waitFor(() => expect(store.getState().exchangeDetail.status).toBe('ready'));
    expect(opened).toEqual([3]);
    expect(store.getState()).toMatchObject({ view: 'activity', selectedSeq: 3 });
  });

  it('says so when the token appears in no exchange the log keeps', async () => {
    await inspected({ ...ACTIVE, exchanges: [] });
    const nav = screen.getByRole('navigation', { name: 'Exchanges this token appeared in' });
    expect(within(nav).queryAllByRole('button')).toEqual([]);
    expect(nav.textContent).toContain('None in the exchange log');
  });
});
