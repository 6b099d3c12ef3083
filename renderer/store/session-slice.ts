import type { SliceCreator } from './types.js';

/** Whether this tab holds an admin token. */
export type Session =
  | { readonly status: 'signed-out'; readonly reason?: string }
  | { readonly status: 'signed-in'; readonly token: string; readonly remembered: boolean };

export interface SessionSlice {
  readonly session: Session;
  readonly signIn: (token: string, remembered: boolean) => void;
  readonly signOut: (reason?: string) => void;
}

export const createSessionSlice: SliceCreator<SessionSlice> = () => (set) => ({
  session: { status: 'signed-out' },
  signIn: (token, remembered) => {
    set({ session: { status: 'signed-in', token, remembered } });
  },
  signOut: (reason) => {
    set({ session: reason === undefined ? { status: 'signed-out' } : { status: 'signed-out', reason } });
  },
});
