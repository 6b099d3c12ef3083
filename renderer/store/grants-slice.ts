import type { Artefact } from '../api/types.js';
import { failed, messageOf, OK } from './errors.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface GrantsSlice {
  readonly grants: Remote<readonly Artefact[]>;
  /**
   * Tokens this page obtained itself ("Try it"), by jti: the server lists only their first characters, so
   * these are the ones the page can decode and introspect.
   */
  readonly heldTokens: Readonly<Record<string, string>>;
  readonly loadGrants: () => Promise<void>;
  readonly revokeArtefact: (id: string) => Promise<ActionResult>;
  readonly expireArtefact: (id: string) => Promise<ActionResult>;
  readonly holdToken: (jti: string, token: string) => void;
}

export const createGrantsSlice: SliceCreator<GrantsSlice> = (deps) => (set, get) => ({
  grants: { status: 'idle' },
  heldTokens: {},
  loadGrants: async () => {
    if (get().grants.status !== 'ready') set({ grants: { status: 'loading' } });
    try {
      set({ grants: { status: 'ready', data: await deps.api.listGrants() } });
    } catch (err) {
      set({ grants: { status: 'error', message: messageOf(err) } });
    }
  },
  revokeArtefact: async (id) => {
    try {
      await deps.api.revokeArtefact(id);
      await get().loadGrants();
      return OK;
    } catch (err) {
      return failed(err);
    }
  },
  expireArtefact: async (id) => {
    try {
      await deps.api.expireArtefact(id);
      await get().loadGrants();
      return OK;
    } catch (err) {
      return failed(err);
    }
  },
  holdToken: (jti, token) => {
    set({ heldTokens: { ...get().heldTokens, [jti]: token } });
  },
});
