import type { IssuerView } from '../api/types.js';
import { flowById, INITIAL_STATE, type FlowContext, type FlowId, type FlowState } from '../flow-lab/flows.js';
import { runStep, type WalkedStep } from '../flow-lab/runner.js';
import { fetchTransport } from '../flow-lab/wire.js';
import { messageOf } from './errors.js';
import { flowContextOf, issuerList } from './issuers-slice.js';
import type { SliceCreator } from './types.js';

/** One issuer as `GET /_sandbox/api/issuers` lists it. */

/** The flows a comparison walks: the user-facing code flows every vendor profile serves, and refresh. */
export const COMPARE_FLOWS = [
  'code-pkce-public',
  'code-pkce-confidential',
  'refresh-rotation',
] as const satisfies readonly FlowId[];
export type CompareFlowId = (typeof COMPARE_FLOWS)[number];

/** One side of a compared step: what that issuer made of it, or why it could not be sent there. */
export type CompareSide =
  { readonly ok: true; readonly walked: WalkedStep } | { readonly ok: false; readonly message: string };

export interface ComparedStep {
  readonly left: CompareSide;
  readonly right: CompareSide;
}

export interface FlowCompareState {
  /** Whether the Flow Lab shows the comparison instead of the single walk (which is kept meanwhile). */
  readonly open: boolean;
  /** The two issuers compared, by name, as chosen; `comparedPair` gives the pair in force. */
  readonly left: string | undefined;
  readonly right: string | undefined;
  readonly flowId: CompareFlowId;
  /** The steps walked against both, in order; the next to send is at index `steps.length`. */
  readonly steps: readonly ComparedStep[];
  readonly cursor: number;
  readonly busy: boolean;
}

export interface FlowCompareSlice {
  readonly flowCompare: FlowCompareState;
  readonly setCompareOpen: (open: boolean) => void;
  /** Chooses the pair and the flow; the walk starts again. */
  readonly chooseComparison: (choice: {
    readonly left: string;
    readonly right: string;
    readonly flowId: CompareFlowId;
  }) => void;
  /** Sends the next step to both issuers at once. */
  readonly compareSend: () => Promise<void>;
  readonly compareGoTo: (index: number) => void;
  /** Moves to the next step; on a step not sent yet, sends it to both first (presentation mode's →). */
  readonly compareNext: () => Promise<void>;
  readonly compareBack: () => void;
}

export const INITIAL_FLOW_COMPARE: FlowCompareState = {
  open: false,
  left: undefined,
  right: undefined,
  flowId: 'code-pkce-public',
  steps: [],
  cursor: 0,
  busy: false,
};

/**
 * The two issuers compared: the chosen ones while the sandbox still has them, else the first two of the issuers
 * the header's switcher lists (one list of issuers for the whole workbench: issuers-slice.ts).
 */
export function comparedPair(
  issuers: readonly IssuerView[],
  c: Pick<FlowCompareState, 'left' | 'right'>,
): { readonly left: IssuerView | undefined; readonly right: IssuerView | undefined } {
  const named = (n: string | undefined) => issuers.find((i) => i.name === n);
  const left = named(c.left) ?? issuers[0];
  const right = named(c.right) ?? issuers.find((i) => i !== left);
  return { left, right };
}

/** What one side has learnt so far: the `after` of its last step that reached its issuer. */
function stateOf(steps: readonly ComparedStep[], pick: 'left' | 'right'): FlowState {
  for (let i = steps.length - 1; i >= 0; i -= 1) {
    const side = steps[i]?.[pick];
    if (side?.ok === true) return side.walked.after;
  }
  return INITIAL_STATE;
}

export const createFlowCompareSlice: SliceCreator<FlowCompareSlice> = (deps) => (set, get) => {
  const transport = fetchTransport(deps.fetch);
  const patch = (p: Partial<FlowCompareState>) => set({ flowCompare: { ...get().flowCompare, ...p } });

  /** The walk's context for one issuer: its own admin API (its Flow Lab client) and its own FHIR base. */
  function contextFor(issuer: IssuerView | undefined): FlowContext | undefined {
    return issuer === undefined ? undefined : flowContextOf(deps.api.origin, get().session, issuer);
  }

  return {
    flowCompare: INITIAL_FLOW_COMPARE,
    setCompareOpen: (open) => {
      patch({ open });
    },
    chooseComparison: ({ left, right, flowId }) => {
      if (get().flowCompare.busy) return;
      patch({ left, right, flowId, steps: [], cursor: 0 });
    },
    compareSend: async () => {
      const c = get().flowCompare;
      const step = flowById(c.flowId).steps[c.steps.length];
      if (c.busy || step === undefined || c.cursor !== c.steps.length) return;
      const pair = comparedPair(issuerList(get()), c);
      const sideOf = async (pick: 'left' | 'right'): Promise<CompareSide> => {
        const issuer = pair[pick];
        const name = issuer?.name;
        const ctx = contextFor(issuer);
        if (ctx === undefined) return { ok: false, message: `no issuer ${name ?? '(none chosen)'}` };
        try {
          return { ok: true, walked: await runStep(step, stateOf(c.steps, pick), ctx, transport) };
        } catch (err) {
          return { ok: false, message: `the step could not be sent to ${name ?? ''}: ${messageOf(err)}` };
        }
      };
      patch({ busy: true });
      // Both at once: the two issuers are independent, and a trainer steps them together.
      const [left, right] = await Promise.all([sideOf('left'), sideOf('right')]);
      const now = get().flowCompare;
      // Another pair or flow chosen meanwhile: this answer belongs to a walk that no longer exists.
      if (now.steps !== c.steps || now.flowId !== c.flowId || now.left !== c.left || now.right !== c.right) {
        patch({ busy: false });
        return;
      }
      patch({ steps: [...c.steps, { left, right }], busy: false });
    },
    compareGoTo: (index) => {
      const c = get().flowCompare;
      if (c.busy || index < 0 || index > c.steps.length) return;
      if (index >= flowById(c.flowId).steps.length) return;
      patch({ cursor: index });
    },
    compareNext: async () => {
      const c = get().flowCompare;
      if (c.busy) return;
      if (c.cursor === c.steps.length) await get().compareSend();
      else get().compareGoTo(c.cursor + 1);
    },
    compareBack: () => {
      get().compareGoTo(get().flowCompare.cursor - 1);
    },
  };
};
