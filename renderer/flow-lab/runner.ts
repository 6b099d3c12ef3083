import type { FlowContext, FlowState, StepDefinition } from './flows.js';
import { applyEdits, parseJson, type Transport, type WireRequest, type WireResponse } from './wire.js';

/** One step as it was walked: what was sent (after a person's edits) and what came back. */
export interface WalkedStep {
  readonly step: StepDefinition;
  readonly request: WireRequest | undefined;
  readonly response: WireResponse | undefined;
  readonly edits: Readonly<Record<string, string>>;
  readonly before: FlowState;
  readonly after: FlowState;
  readonly durationMs: number;
}

/** Runs one step: builds its request, applies the edits, sends it, and learns from the answer. */
export async function runStep(
  step: StepDefinition,
  state: FlowState,
  ctx: FlowContext,
  transport: Transport,
  edits: Readonly<Record<string, string>> = {},
): Promise<WalkedStep> {
  const started = performance.now();
  if (step.kind === 'local') {
    const after = await step.compute(state, ctx);
    return {
      step,
      request: undefined,
      response: undefined,
      edits: {},
      before: state,
      after,
      durationMs: performance.now() - started,
    };
  }
  const request = applyEdits(await step.build(state, ctx), edits);
  const response = await transport(request);
  return {
    step,
    request,
    response,
    edits,
    before: state,
    after: step.absorb(state, response),
    durationMs: performance.now() - started,
  };
}

export interface Verdict {
  readonly ok: boolean;
  /** What the server said, in its own words. */
  readonly text: string;
}

/** The server's verdict on an exchange: its error and description, or what it granted. */
export function verdictOf(response: WireResponse): Verdict {
  if (response.redirectedTo !== undefined) {
    const target = new URL(response.redirectedTo);
    const error = target.searchParams.get('error');
    if (error !== null) {
      return { ok: false, text: `${error}: ${target.searchParams.get('error_description') ?? ''}`.trim() };
    }
    return {
      ok: true,
      text: `redirected back with a code (${target.searchParams.get('code')?.slice(0, 8) ?? '?'}…)`,
    };
  }
  const body = parseJson(response.body);
  const error = body?.['error'];
  if (typeof error === 'string') {
    const description = body?.['error_description'];
    return { ok: false, text: typeof description === 'string' ? `${error}: ${description}` : error };
  }
  if (response.status >= 400) return { ok: false, text: `HTTP ${response.status}` };
  const scope = body?.['scope'];
  return { ok: true, text: typeof scope === 'string' ? `granted: ${scope}` : `HTTP ${response.status}` };
}
