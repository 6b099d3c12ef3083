import { render, type RenderResult } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import type { AdminApi } from '../../renderer/api/admin-client.js';
import { AppContext } from '../../renderer/store/react.js';
import type { AppStore } from '../../renderer/store/store.js';
import { testStore } from './fake-api.js';

/**
 * Mounts `view` in the app's context over `api` (and `store`, a fresh one by default), with no network: how
 * a view test puts a view on screen. Kept apart from fake-api.ts so store tests need no DOM library.
 */
export function renderInApp(
  view: ReactElement,
  api: AdminApi,
  store: AppStore = testStore(api),
): RenderResult {
  return render(
    createElement(
      AppContext.Provider,
      { value: { store, deps: { api, fetch: () => Promise.reject(new Error('no network')) } } },
      view,
    ),
  );
}
