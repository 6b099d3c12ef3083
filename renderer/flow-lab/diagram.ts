import type { FlowDefinition, Participant } from './flows.js';

/** The sequence diagram's lanes, left to right. */
export const LANES: readonly { readonly id: Participant; readonly label: string }[] = [
  { id: 'app', label: 'App' },
  { id: 'browser', label: 'Browser' },
  { id: 'as', label: 'Authorization server' },
  { id: 'fhir', label: 'FHIR server' },
];

export type ArrowStatus = 'pending' | 'current' | 'accepted' | 'rejected' | 'local';

export interface DiagramArrow {
  readonly index: number;
  readonly title: string;
  readonly from: number;
  readonly to: number;
  /** A step the app does by itself (no request): drawn as a loop on its lane. */
  readonly self: boolean;
  readonly status: ArrowStatus;
  /** Spoken by screen readers: "Step 4 of 6, Browser to Authorization server: Authorize — accepted". */
  readonly label: string;
}

export interface DiagramModel {
  readonly lanes: typeof LANES;
  readonly arrows: readonly DiagramArrow[];
}

/** What the walk knows of each step: undefined when not walked yet. */
export type StepOutcome = 'accepted' | 'rejected' | 'local' | undefined;

const laneIndex = (p: Participant) => LANES.findIndex((l) => l.id === p);

/** The diagram of a flow: one arrow per step, the current one marked, walked ones with their outcome. */
export function diagramModel(
  flow: FlowDefinition,
  outcomes: readonly StepOutcome[],
  current: number,
): DiagramModel {
  const arrows = flow.steps.map((step, index): DiagramArrow => {
    const [fromId, toId] = step.arrow;
    const from = laneIndex(fromId);
    const to = laneIndex(toId);
    const outcome = outcomes[index];
    const status: ArrowStatus = index === current ? 'current' : (outcome ?? 'pending');
    const said = outcome === undefined ? 'not sent yet' : outcome === 'local' ? 'done by the app' : outcome;
    return {
      index,
      title: step.title,
      from,
      to,
      self: from === to,
      status,
      label: `Step ${index + 1} of ${flow.steps.length}, ${LANES[from]?.label ?? fromId} to ${LANES[to]?.label ?? toId}: ${step.title} — ${said}${index === current ? ' (current step)' : ''}`,
    };
  });
  return { lanes: LANES, arrows };
}
