import type { ArmedFailure, FailureEndpoint } from '../admin/shapes.js';
import type { FailureArm } from '../config/schema.js';
import type { EventBus } from '../events.js';
import { failureMode } from './catalog.js';
import type { FailureId } from './ids.js';

export type { ArmedFailure, FailureArm };

/** A failure that fired on this request. */
export interface FiredFailure {
  readonly id: FailureId;
  readonly delayMs: number | undefined;
}

interface Slot {
  arm: FailureArm;
  remaining: number | undefined;
  fired: number;
  armedAt: number;
}

/**
 * The armed failures of one server. Arming an id again replaces its earlier arming. Deciding whether a failure
 * fires and counting it down happen in one synchronous step, so of N concurrent requests exactly `times` fire.
 */
export class FailureBoard {
  readonly #slots = new Map<FailureId, Slot>();

  constructor(
    private readonly events: EventBus,
    private readonly now: () => number,
    /** Uniform in [0, 1); injectable so tests of `probability` are deterministic. */
    private readonly random: () => number,
  ) {}

  arm(arm: FailureArm): ArmedFailure {
    if (this.#slots.delete(arm.id)) this.events.emit('failure.disarmed', { id: arm.id, reason: 'replaced' });
    const slot: Slot = { arm, remaining: arm.times, fired: 0, armedAt: this.now() };
    this.#slots.set(arm.id, slot);
    const view = toView(slot);
    this.events.emit('failure.armed', { failure: view });
    return view;
  }

  list(): ArmedFailure[] {
    return [...this.#slots.values()].map(toView);
  }

  disarm(id: FailureId): boolean {
    const had = this.#slots.delete(id);
    if (had) this.events.emit('failure.disarmed', { id, reason: 'removed' });
    return had;
  }

  clear(): number {
    const ids = [...this.#slots.keys()];
    for (const id of ids) this.disarm(id);
    return ids.length;
  }

  /** Replaces every armed failure (config import). */
  replaceAll(arms: readonly FailureArm[]): void {
    this.clear();
    for (const arm of arms) this.arm(arm);
  }

  /** The armed failures as config entries, with what is left of `times` (config export). */
  toConfig(): FailureArm[] {
    return [...this.#slots.values()].map(({ arm, remaining }) => ({
      ...arm,
      ...(remaining === undefined ? {} : { times: remaining }),
    }));
  }

  /**
   * The failure that shapes this request, if one fires: the first armed one for this endpoint whose client
   * scope matches and whose dice say yes. It is counted, and disarmed when its `times` run out.
   */
  take(endpoint: FailureEndpoint, clientId: string | undefined): FiredFailure | undefined {
    for (const [id, slot] of this.#slots) {
      if (failureMode(id).endpoint !== endpoint) continue;
      if (slot.arm.clientId !== undefined && slot.arm.clientId !== clientId) continue;
      if (slot.arm.probability !== undefined && !(this.random() < slot.arm.probability)) continue;
      slot.fired += 1;
      if (slot.remaining !== undefined) {
        slot.remaining -= 1;
        if (slot.remaining <= 0) this.#slots.delete(id);
      }
      this.events.emit('failure.fired', { id, clientId, remaining: slot.remaining });
      if (slot.remaining === 0) this.events.emit('failure.disarmed', { id, reason: 'used up' });
      return { id, delayMs: slot.arm.delayMs };
    }
    return undefined;
  }
}

function toView(slot: Slot): ArmedFailure {
  const { arm } = slot;
  return {
    id: arm.id,
    ...(slot.remaining === undefined ? {} : { remaining: slot.remaining }),
    ...(arm.probability === undefined ? {} : { probability: arm.probability }),
    ...(arm.clientId === undefined ? {} : { clientId: arm.clientId }),
    ...(arm.delayMs === undefined ? {} : { delayMs: arm.delayMs }),
    fired: slot.fired,
    armedAt: new Date(slot.armedAt).toISOString(),
  };
}
