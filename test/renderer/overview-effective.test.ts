// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { OverviewView } from '../../renderer/views/overview-view.js';
import { FAKE_EFFECTIVE_CONFIG, fakeApi, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

describe('Overview: the values in force come from GET /config/effective (README "Workbench")', () => {
  it('names the profile in force when the config document leaves it out', async () => {
    const api = fakeApi({
      getConfig: async () => ({}),
      getEffectiveConfig: async () => ({ ...FAKE_EFFECTIVE_CONFIG, profile: 'medirecords' }),
    });
    const store = testStore(api);
    await store.getState().loadServer();
    renderInApp(createElement(OverviewView), api, store);
    const line = await screen.findByText(/Apps find every endpoint through/);
    expect(line.textContent).toContain('Profile medirecords.');
  });
});
