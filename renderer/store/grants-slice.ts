import type { Artefact } from '../api/types.js';
import { loadRemote, writeThenReload } from './remote.js';
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
  loadGrants: () =>
    loadRemote(
      get().grants,
      (grants) => set({ grants }),
      () => deps.api.listGrants(),
    ),
  revokeArtefact: (id) =>
    writeThenReload(
      () => deps.api.revokeArtefact(id),
      () => get().loadGrants(),
    ),
  expireArtefact: (id) =>
    writeThenReload(
      () => deps.api.expireArtefact(id),
      () => get().loadGrants(),
    ),
  holdToken: (jti, token) => {
    set({ heldTokens: { ...get().heldTokens, [jti]: token } });
  },
});
