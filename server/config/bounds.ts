// Pure data, no imports: the config schema builds its TypeBox types from these, and the workbench's forms import
// them too (eslint.config.js lists the server modules the renderer may import), so a field's bound has one home
// and the form refuses exactly what the server would.

/** A token lifetime in seconds (a client's override or the server default): a year at most. */
export const LIFETIME_SECONDS = { minimum: 1, maximum: 31_536_000 } as const;

/** The authorization code's lifetime in seconds: RFC 6749 §4.1.2 asks for a short one (ten minutes at most). */
export const CODE_LIFETIME_SECONDS = { minimum: 1, maximum: 600 } as const;

/** A client id: printable ASCII without spaces (RFC 6749 Appendix A.1, VSCHAR), 255 characters at most. */
export const CLIENT_ID = { minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' } as const;

/** An armed failure's delay in milliseconds: ten minutes at most, so a hung request still ends. */
export const FAILURE_DELAY_MS = { minimum: 0, maximum: 600_000 } as const;
