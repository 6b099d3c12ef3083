import type { Inspection } from '../../server/tokens/inspection.js';
import { messageOf } from './errors.js';
import type { Remote, SliceCreator } from './types.js';

export interface InspectorSlice {
  /** What is in the inspector's box: a pasted token, or one opened from Codes & tokens. Never persisted. */
  readonly inspectorInput: string;
  /** The server's verdict on the last token inspected (`POST /inspect`). */
  readonly inspection: Remote<Inspection>;
  /** The grant the inspector sent the user to in Codes & tokens, scrolled into view there. */
  readonly focusedGrantId: string | undefined;
  /** Exchanges picked in Activity for "Export selected", by seq. */
  readonly harSelection: readonly number[];
  readonly setInspectorInput: (text: string) => void;
  /** Asks the server about what is in the box. */
  readonly inspect: () => Promise<void>;
  /** Puts a token in the box, shows the inspector, and inspects it. */
  readonly openInInspector: (token: string) => Promise<void>;
  /** Opens Codes & tokens at a grant. */
  readonly showGrant: (grantId: string | undefined) => void;
  /** Opens Activity with one exchange's detail: a link from the inspector to where the token appeared. */
  readonly showExchange: (seq: number) => Promise<void>;
  readonly toggleHarSelection: (seq: number) => void;
  readonly clearHarSelection: () => void;
}

export const createInspectorSlice: SliceCreator<InspectorSlice> = (deps) => (set, get) => ({
  inspectorInput: '',
  inspection: { status: 'idle' },
  focusedGrantId: undefined,
  harSelection: [],
  setInspectorInput: (inspectorInput) => {
    set({ inspectorInput });
  },
  inspect: async () => {
    set({ inspection: { status: 'loading' } });
    try {
      set({ inspection: { status: 'ready', data: await deps.api.inspectToken(get().inspectorInput) } });
    } catch (err) {
      set({ inspection: { status: 'error', message: messageOf(err) } });
    }
  },
  openInInspector: async (token) => {
    set({ inspectorInput: token, view: 'inspector' });
    await get().inspect();
  },
  showGrant: (focusedGrantId) => {
    set({ focusedGrantId, view: 'tokens' });
  },
  showExchange: async (seq) => {
    set({ view: 'activity' });
    await get().selectExchange(seq);
  },
  toggleHarSelection: (seq) => {
    const current = get().harSelection;
    set({
      harSelection: current.includes(seq)
        ? current.filter((s) => s !== seq)
        : [...current, seq].sort((a, b) => a - b),
    });
  },
  clearHarSelection: () => {
    set({ harSelection: [] });
  },
});
