import { createContext, useContext, useEffect } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from './store.js';
import type { AppState, StoreDeps } from './types.js';

export interface AppContextValue {
  readonly store: AppStore;
  readonly deps: StoreDeps;
}

export const AppContext = createContext<AppContextValue | null>(null);

function useAppContext(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error('the workbench components need <AppContext.Provider>');
  return value;
}

/** Reads one slice of state through a selector; the component re-renders only when that value changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppContext().store, selector);
}

/** The API and fetch the store was built with, for the few calls that are not store actions ("Try it"). */
export function useDeps(): StoreDeps {
  return useAppContext().deps;
}

/**
 * Runs a slice's load action when the component mounts: each visit to a view reads the server's list again
 * (clients, personas, issuers come and go at run time through the admin API).
 */
export function useLoad(pick: (state: AppState) => () => Promise<void>): void {
  const load = useApp(pick);
  useEffect(() => {
    void load();
  }, [load]);
}
