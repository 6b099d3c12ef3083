// Pure code, no imports: the workbench imports this module too (eslint.config.js lists the server modules
// the renderer may import), so the data folder and the Codes & tokens view agree on what changes issued artefacts.

/**
 * The domain events (server/events.ts) that change issued artefacts: the data folder schedules a
 * write after each, and the workbench reloads its Codes & tokens view.
 */
export const ARTEFACT_EVENTS = [
  'code.issued',
  'code.consumed',
  'token.issued',
  'refresh.rotated',
  'grant.revoked',
  'token.revoked',
  'token.expired',
] as const;
