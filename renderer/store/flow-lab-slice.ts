import { flowById, type FlowContext, type FlowId } from '../flow-lab/flows.js';
import { runStep, type WalkedStep } from '../flow-lab/runner.js';
import { isLogged, latestSeq, serverRecordOf, type ServerRecord } from '../flow-lab/server-side.js';
import { fetchTransport, type WireRequest } from '../flow-lab/wire.js';
import { effectiveEdits, requestValue, stateAfter } from '../flow-lab/edits.js';
import { messageOf } from './errors.js';
import { currentIssuer, flowContextOf } from './issuers-slice.js';
import type { SliceCreator } from './types.js';

/** A step as the Flow Lab walked it: what went over the wire, and the server's own record of it. */
export interface LabStep {
  readonly walked: WalkedStep;
  /** The exchange log's entry for the request, with the verdict and its rules; undefined for admin calls. */
  readonly server: ServerRecord | undefined;
}

export interface FlowLabState {
  readonly flowId: FlowId;
  /** The steps walked so far, in order; the next step to send is at index `steps.length`. */
  readonly steps: readonly LabStep[];
  /** The step on screen: a walked one (after Back) or the next one to send. */
  readonly cursor: number;
  /** The request the step on screen will send, built from what the walk has learnt, before edits. */
  readonly draft: WireRequest | undefined;
  /** The values in the step's edit fields, prefilled from the draft. */
  readonly edits: Readonly<Record<string, string>>;
  readonly busy: 'idle' | 'building' | 'sending';
  readonly error: string | undefined;
  /** Presentation mode: large type for a projector, arrow keys step. */
  readonly presenting: boolean;
}

export interface FlowLabSlice {
  readonly flowLab: FlowLabState;
  /** Starts a flow from its first step, discarding any walk. */
  readonly chooseFlow: (id: FlowId) => Promise<void>;
  readonly setLabEdit: (name: string, value: string) => void;
  /** Sends the step on screen with the edits (runs it, for a step the app does alone). */
  readonly sendLabStep: () => Promise<void>;
  readonly labBack: () => void;
  /** Shows a walked step, or the next one to send. */
  readonly labGoTo: (index: number) => Promise<void>;
  /** Moves to the next step; on a step not sent yet, sends it first. */
  readonly labNext: () => Promise<void>;
  /** Discards the walked steps from the one on screen on, so it can be edited and sent again. */
  readonly rewalkFromCursor: () => Promise<void>;
  readonly setPresenting: (presenting: boolean) => void;
}

export const INITIAL_FLOW_LAB: FlowLabState = {
  flowId: 'code-pkce-public',
  steps: [],
  cursor: 0,
  draft: undefined,
  edits: {},
  busy: 'idle',
  error: undefined,
  presenting: false,
};

export const createFlowLabSlice: SliceCreator<FlowLabSlice> = (deps) => (set, get) => {
  const transport = fetchTransport(deps.fetch);
  const patch = (p: Partial<FlowLabState>) => set({ flowLab: { ...get().flowLab, ...p } });

  function context(): FlowContext {
    // The walk talks to the issuer the header shows, as every view does (README "Many issuers").
    return flowContextOf(deps.api.origin, get().session, currentIssuer(get()));
  }

  /** Builds the request of the next step to send, and prefills its edit fields. */
  async function prepare(): Promise<void> {
    const lab = get().flowLab;
    const step = flowById(lab.flowId).steps[lab.cursor];
    if (lab.cursor < lab.steps.length || step === undefined || step.kind === 'local') {
      patch({ draft: undefined, edits: {} });
      return;
    }
    patch({ busy: 'building', error: undefined });
    try {
      const draft = await step.build(stateAfter(lab.steps), context());
      const edits = Object.fromEntries(step.editable.map((n) => [n, requestValue(draft, n) ?? '']));
      patch({ draft, edits, busy: 'idle' });
    } catch (err) {
      patch({ busy: 'idle', error: `the request could not be built: ${messageOf(err)}` });
    }
  }

  async function send(): Promise<void> {
    const lab = get().flowLab;
    const step = flowById(lab.flowId).steps[lab.cursor];
    if (step === undefined || lab.busy !== 'idle' || lab.cursor !== lab.steps.length) return;
    patch({ busy: 'sending', error: undefined });
    const ctx = context();
    try {
      const logged = lab.draft !== undefined && isLogged(lab.draft.url);
      const since = logged ? await latestSeq(deps.fetch, ctx) : 0;
      const walked = await runStep(
        step,
        stateAfter(lab.steps),
        ctx,
        transport,
        effectiveEdits(lab.draft, lab.edits),
      );
      const server =
        logged && walked.request !== undefined
          ? await serverRecordOf(deps.fetch, ctx, new URL(walked.request.url).pathname, since)
          : undefined;
      const now = get().flowLab;
      // A different flow chosen while this one was in flight: its answer belongs to nobody.
      if (now.flowId !== lab.flowId || now.steps !== lab.steps) return;
      patch({ steps: [...lab.steps, { walked, server }], busy: 'idle' });
    } catch (err) {
      patch({ busy: 'idle', error: `the step could not be sent: ${messageOf(err)}` });
    }
  }

  return {
    flowLab: INITIAL_FLOW_LAB,
    chooseFlow: async (flowId) => {
      set({ flowLab: { ...INITIAL_FLOW_LAB, flowId, presenting: get().flowLab.presenting } });
      await prepare();
    },
    setLabEdit: (name, value) => {
      patch({ edits: { ...get().flowLab.edits, [name]: value } });
    },
    sendLabStep: send,
    labBack: () => {
      const lab = get().flowLab;
      if (lab.cursor > 0 && lab.busy === 'idle') patch({ cursor: lab.cursor - 1, error: undefined });
    },
    labGoTo: async (index) => {
      const lab = get().flowLab;
      if (lab.busy !== 'idle' || index < 0 || index > lab.steps.length || index === lab.cursor) return;
      if (index >= flowById(lab.flowId).steps.length) return;
      patch({ cursor: index, error: undefined });
      if (index === lab.steps.length) await prepare();
    },
    labNext: async () => {
      const lab = get().flowLab;
      if (lab.busy !== 'idle') return;
      if (lab.cursor === lab.steps.length) {
        await send();
        return;
      }
      if (lab.cursor + 1 >= flowById(lab.flowId).steps.length) return;
      patch({ cursor: lab.cursor + 1, error: undefined });
      if (lab.cursor + 1 === lab.steps.length) await prepare();
    },
    rewalkFromCursor: async () => {
      const lab = get().flowLab;
      if (lab.busy !== 'idle') return;
      patch({ steps: lab.steps.slice(0, lab.cursor) });
      await prepare();
    },
    setPresenting: (presenting) => {
      patch({ presenting });
    },
  };
};
