import type { SliceCreator } from './types.js';

export const VIEW_IDS = [
  'overview',
  'clients',
  'activity',
  'tokens',
  'failures',
  'launch',
  'flow-lab',
  'settings',
  'inspector',
  'personas',
] as const;
export type ViewId = (typeof VIEW_IDS)[number];

export type ThemeChoice = 'system' | 'light' | 'dark';

export type StatusFilter = 'all' | '2xx' | '3xx' | '4xx' | '5xx' | 'none';
export type InjectedFilter = 'all' | 'injected' | 'not-injected';

export interface ActivityFilters {
  /** A path such as `/token`, or `all`. */
  readonly endpoint: string;
  readonly clientId: string;
  readonly status: StatusFilter;
  readonly injected: InjectedFilter;
  /** An issuer's name, or `all` (README "Many issuers"). */
  readonly issuer: string;
}

export const DEFAULT_FILTERS: ActivityFilters = {
  endpoint: 'all',
  clientId: 'all',
  status: 'all',
  injected: 'all',
  issuer: 'all',
};

/** The Clients view's editor: one state at a time, so "editing" and "confirming delete" never overlap. */
export type ClientEditor =
  | { readonly mode: 'closed' }
  | { readonly mode: 'create' }
  | { readonly mode: 'edit'; readonly clientId: string }
  | { readonly mode: 'confirm-delete'; readonly clientId: string };

export interface UiSlice {
  readonly view: ViewId;
  readonly theme: ThemeChoice;
  readonly activityFilters: ActivityFilters;
  readonly clientEditor: ClientEditor;
  /** A short message for the status line (announced to screen readers). */
  readonly notice: string;
  readonly setView: (view: ViewId) => void;
  readonly setTheme: (theme: ThemeChoice) => void;
  readonly setActivityFilters: (patch: Partial<ActivityFilters>) => void;
  readonly resetActivityFilters: () => void;
  readonly setClientEditor: (editor: ClientEditor) => void;
  readonly announce: (notice: string) => void;
}

export const createUiSlice: SliceCreator<UiSlice> = () => (set, get) => ({
  view: 'overview',
  theme: 'system',
  activityFilters: DEFAULT_FILTERS,
  clientEditor: { mode: 'closed' },
  notice: '',
  setView: (view) => {
    set({ view });
  },
  setTheme: (theme) => {
    set({ theme });
  },
  setActivityFilters: (patch) => {
    set({ activityFilters: { ...get().activityFilters, ...patch } });
  },
  resetActivityFilters: () => {
    set({ activityFilters: DEFAULT_FILTERS });
  },
  setClientEditor: (clientEditor) => {
    set({ clientEditor });
  },
  announce: (notice) => {
    set({ notice });
  },
});
