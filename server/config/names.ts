/**
 * The names the command line checks before it loads anything else (server/cli-args.ts): kept free of imports
 * so that answering `--help` or a mistyped flag never loads the config schema. The schema and the validator
 * re-export them; this is their one definition.
 */

/** The built-in profiles; a config may describe more in `profiles`. */
export const PROFILE_NAMES = ['smart', 'medirecords', 'iehr'] as const;

/** An issuer's name: its path is `/i/NAME`; `default` names the issuer at the root paths. */
export const ISSUER_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$';

/** The name of the issuer at the root paths (sandbox.ts DEFAULT_ISSUER), reserved in `issuers`. */
export const DEFAULT_ISSUER_NAME = 'default';
