// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityView } from '../../renderer/views/activity-view.js';
import { fakeApi, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

describe('the workbench before the issuer list is known (README "Many issuers")', () => {
  it('renders a view that reads the issuers while the list is still loading', () => {
    const api = fakeApi({ listExchanges: async () => [] });
    const store = testStore(api);
    expect(store.getState().issuers.status).toBe('idle');
    // A selector that answers a new empty list on every call makes React re-render without end (error #185).
    renderInApp(<ActivityView />, api, store);
    expect(screen.queryByLabelText('Issuer')).toBeNull();
  });
});
