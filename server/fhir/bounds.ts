/**
 * Bounds on FHIR data (README "Your FHIR data"): a write's body, and a file loaded through the admin API or the
 * workbench. How many resources are stored at once is the config's `limits.fhirResources`.
 */
export const FHIR_LIMITS = {
  /** The body of one FHIR create or update. */
  writeBodyBytes: 1024 * 1024,
  /** One file loaded at run time (its text, as the admin API receives it). */
  loadFileBytes: 32 * 1024 * 1024,
  /**
   * Deleted resources remembered (so a read answers 410 Gone); past it the oldest is forgotten and answers 404.
   * Without it, creating and deleting without end would grow memory and the data folder's fhir.json.
   */
  deletedKept: 10_000,
  /** One file named by `fhir.load` at start-up. */
  startupFileBytes: 256 * 1024 * 1024,
} as const;
