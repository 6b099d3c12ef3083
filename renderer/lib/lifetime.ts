/** A number's bounds as the config schema states them (server/config/bounds.ts). */
export interface Bounds {
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * What is wrong with a lifetime typed into a form, in the words every form shows; `undefined` when it is empty
 * (the server default) or a whole number of seconds within the schema's bounds.
 */
export function lifetimeProblem(text: string, name: string, bounds: Bounds): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^\d+$/.test(t) && Number(t) >= bounds.minimum && Number(t) <= bounds.maximum) return undefined;
  return `${name} must be a whole number of seconds from ${bounds.minimum} to ${bounds.maximum}, or empty for the server default`;
}
