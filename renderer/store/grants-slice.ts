import type { GrantFamily } from '../api/types.js';
import { failed, messageOf, OK } from './errors.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface GrantsSlice {
  readonly grants: Remote<readonly GrantFamily[]>;
  readonly loadGrants: () => Promise<void>;
  readonly revokeGrant: (id: string) => Promise<ActionResult>;
  readonly expireArtefact: (id: string) => Promise<ActionResult>;
}

export const createGrantsSlice: SliceCreator<GrantsSlice> = (deps) => (set, get) => ({
  grants: { status: 'idle' },
  loadGrants: async () => {
    if (get().grants.status !== 'ready') set({ grants: { status: 'loading' } });
    try {
      set({ grants: { status: 'ready', data: await deps.api.listGrants() } });
    } catch (err) {
      set({ grants: { status: 'error', message: messageOf(err) } });
    }
  },
  revokeGrant: async (id) => {
    try {
      await deps.api.revokeGrant(id);
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
});
