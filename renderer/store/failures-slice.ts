import type { FailureArm, FailureBoard, FailureId } from '../api/types.js';
import { failed, messageOf, OK } from './errors.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface FailuresSlice {
  readonly failures: Remote<FailureBoard>;
  readonly loadFailures: () => Promise<void>;
  readonly armFailure: (arm: FailureArm) => Promise<ActionResult>;
  readonly disarmFailure: (id: FailureId) => Promise<ActionResult>;
  readonly disarmAllFailures: () => Promise<ActionResult>;
}

export const createFailuresSlice: SliceCreator<FailuresSlice> = (deps) => (set, get) => {
  async function act(run: () => Promise<void>): Promise<ActionResult> {
    try {
      await run();
      await get().loadFailures();
      return OK;
    } catch (err) {
      return failed(err);
    }
  }
  return {
    failures: { status: 'idle' },
    loadFailures: async () => {
      if (get().failures.status !== 'ready') set({ failures: { status: 'loading' } });
      try {
        set({ failures: { status: 'ready', data: await deps.api.listFailures() } });
      } catch (err) {
        set({ failures: { status: 'error', message: messageOf(err) } });
      }
    },
    armFailure: (arm) => act(() => deps.api.armFailure(arm)),
    disarmFailure: (id) => act(() => deps.api.disarmFailure(id)),
    disarmAllFailures: () => act(() => deps.api.disarmAllFailures()),
  };
};
