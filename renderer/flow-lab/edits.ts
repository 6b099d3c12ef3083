import { INITIAL_STATE, type FlowState } from './flows.js';
import type { WalkedStep } from './runner.js';
import type { WireRequest } from './wire.js';

/** The state the walk had reached after its last walked step. */
export function stateAfter(steps: readonly { readonly walked: WalkedStep }[]): FlowState {
  return steps.at(-1)?.walked.after ?? INITIAL_STATE;
}

/** The value a request carries for a parameter: a form field, else a query parameter. */
export function requestValue(request: WireRequest, name: string): string | undefined {
  if (request.form !== undefined) return request.form[name];
  return new URL(request.url).searchParams.get(name) ?? undefined;
}

/** The edits that change the request: fields whose value differs from what the step would send. */
export function effectiveEdits(
  draft: WireRequest | undefined,
  edits: Readonly<Record<string, string>>,
): Record<string, string> {
  if (draft === undefined) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(edits)) {
    const original = requestValue(draft, name);
    if (value !== (original ?? '')) out[name] = value;
  }
  return out;
}
