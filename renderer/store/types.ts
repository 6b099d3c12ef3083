import type { StateCreator } from 'zustand';
import type { AdminApi } from '../api/admin-client.js';
import type { ClientsSlice } from './clients-slice.js';
import type { ExchangesSlice } from './exchanges-slice.js';
import type { FailuresSlice } from './failures-slice.js';
import type { FlowCompareSlice } from './flow-compare-slice.js';
import type { FlowLabSlice } from './flow-lab-slice.js';
import type { GrantsSlice } from './grants-slice.js';
import type { InspectorSlice } from './inspector-slice.js';
import type { IssuersSlice } from './issuers-slice.js';
import type { PersonasSlice } from './personas-slice.js';
import type { ServerSlice } from './server-slice.js';
import type { SessionSlice } from './session-slice.js';
import type { UiSlice } from './ui-slice.js';

/** Data fetched from the server: never a loading flag beside stale data that could disagree with it. */
export type Remote<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly data: T }
  | { readonly status: 'error'; readonly message: string };

/** An action's outcome, for the form or button that started it. */
export type ActionResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly message: string;
      readonly field?: string;
      readonly issues: readonly { readonly path: string; readonly message: string }[];
    };

/** The whole workbench state: one store made of typed slices. */
export type AppState = SessionSlice &
  ServerSlice &
  ClientsSlice &
  ExchangesSlice &
  GrantsSlice &
  PersonasSlice &
  FailuresSlice &
  UiSlice &
  FlowLabSlice &
  FlowCompareSlice &
  InspectorSlice &
  IssuersSlice;

/** What the slices need from outside, injected so tests can hand in fakes. */
export interface StoreDeps {
  readonly api: AdminApi;
  readonly fetch: typeof fetch;
  /** Where this tab keeps the chosen issuer across a reload (sessionStorage); nowhere when absent. */
  readonly tabStorage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

/** A slice creator under the root middleware (persist). */
export type SliceCreator<T> = (
  deps: StoreDeps,
) => StateCreator<AppState, [['zustand/persist', unknown]], [], T>;
