import type { FailureArm, FailureBoard, FailureId } from '../api/types.js';
import { loadRemote, writeThenReload } from './remote.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface FailuresSlice {
  readonly failures: Remote<FailureBoard>;
  readonly loadFailures: () => Promise<void>;
  readonly armFailure: (arm: FailureArm) => Promise<ActionResult>;
  readonly disarmFailure: (id: FailureId) => Promise<ActionResult>;
  readonly disarmAllFailures: () => Promise<ActionResult>;
}

export const createFailuresSlice: SliceCreator<FailuresSlice> = (deps) => (set, get) => {
  const act = (run: () => Promise<void>): Promise<ActionResult> =>
    writeThenReload(run, () => get().loadFailures());
  return {
    failures: { status: 'idle' },
    loadFailures: () =>
      loadRemote(
        get().failures,
        (failures) => set({ failures }),
        () => deps.api.listFailures(),
      ),
    armFailure: (arm) => act(() => deps.api.armFailure(arm)),
    disarmFailure: (id) => act(() => deps.api.disarmFailure(id)),
    disarmAllFailures: () => act(() => deps.api.disarmAllFailures()),
  };
};
