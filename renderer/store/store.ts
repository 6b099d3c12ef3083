import { createStore, type StoreApi } from 'zustand/vanilla';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import { createClientsSlice } from './clients-slice.js';
import { createExchangesSlice } from './exchanges-slice.js';
import { createFailuresSlice } from './failures-slice.js';
import { createFlowCompareSlice } from './flow-compare-slice.js';
import { createFlowLabSlice } from './flow-lab-slice.js';
import { createGrantsSlice } from './grants-slice.js';
import { createInspectorSlice } from './inspector-slice.js';
import { createIssuersSlice } from './issuers-slice.js';
import { createPersonasSlice } from './personas-slice.js';
import { createServerSlice } from './server-slice.js';
import { createSessionSlice } from './session-slice.js';
import type { AppState, StoreDeps } from './types.js';
import {
  VIEW_IDS,
  DEFAULT_FILTERS,
  type ActivityFilters,
  type ThemeChoice,
  type ViewId,
} from './ui-slice.js';
import { createUiSlice } from './ui-slice.js';

export type AppStore = StoreApi<AppState>;

/** What survives a reload: where the user was and how they like to look at it. Never server data or tokens. */
export interface PersistedUi {
  readonly view: ViewId;
  readonly theme: ThemeChoice;
  readonly activityFilters: ActivityFilters;
}

export const PERSIST_KEY = 'token-sandbox.ui';

/** Accepts only well-formed persisted values, so an old or hand-edited entry can never break the page. */
export function restorePersisted(saved: unknown): Partial<PersistedUi> {
  if (typeof saved !== 'object' || saved === null) return {};
  const s = saved as Record<string, unknown>;
  const out: { -readonly [K in keyof PersistedUi]?: PersistedUi[K] } = {};
  if (typeof s['view'] === 'string' && (VIEW_IDS as readonly string[]).includes(s['view'])) {
    out.view = s['view'] as ViewId;
  }
  if (s['theme'] === 'system' || s['theme'] === 'light' || s['theme'] === 'dark') out.theme = s['theme'];
  const f = s['activityFilters'];
  if (typeof f === 'object' && f !== null) {
    const merged = { ...DEFAULT_FILTERS, ...(f as Partial<ActivityFilters>) };
    if (Object.values(merged).every((v) => typeof v === 'string')) out.activityFilters = merged;
  }
  return out;
}

/**
 * The workbench store: one zustand store made of typed slices, with the middleware (persist) at the root
 * only. Every call makes a fresh store, so tests never share state.
 */
export function createAppStore(deps: StoreDeps, storage?: StateStorage): AppStore {
  return createStore<AppState>()(
    persist(
      (...a) => ({
        ...createSessionSlice(deps)(...a),
        ...createServerSlice(deps)(...a),
        ...createClientsSlice(deps)(...a),
        ...createExchangesSlice(deps)(...a),
        ...createGrantsSlice(deps)(...a),
        ...createPersonasSlice(deps)(...a),
        ...createFailuresSlice(deps)(...a),
        ...createUiSlice(deps)(...a),
        ...createFlowLabSlice(deps)(...a),
        ...createFlowCompareSlice(deps)(...a),
        ...createInspectorSlice(deps)(...a),
        ...createIssuersSlice(deps)(...a),
      }),
      {
        name: PERSIST_KEY,
        version: 1,
        storage: createJSONStorage(() => storage ?? localStorage),
        partialize: (state): PersistedUi => ({
          view: state.view,
          theme: state.theme,
          activityFilters: state.activityFilters,
        }),
        merge: (saved, current) => ({ ...current, ...restorePersisted(saved) }),
      },
    ),
  );
}
