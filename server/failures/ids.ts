/** Every failure mode id of the public contract (docs/failures.md), grouped by the endpoint it shapes. */
export const FAILURE_IDS = [
  'token.invalid_request',
  'token.invalid_client',
  'token.invalid_grant',
  'token.unauthorized_client',
  'token.unsupported_grant_type',
  'token.invalid_scope',
  'token.server_error',
  'token.temporarily_unavailable',
  'token.redirect_uri_mismatch',
  'token.missing_code_verifier',
  'token.code_verifier_failed',
  'token.code_consumed',
  'token.refresh_revoked',
  'token.slow',
  'token.hang',
  'token.malformed_json',
  'token.missing_access_token',
  'token.expired_token',
  'token.bad_signature',
  'authorize.access_denied',
  'authorize.invalid_scope',
  'authorize.server_error',
  'fhir.invalid_token',
  'fhir.insufficient_scope',
] as const;

export type FailureId = (typeof FAILURE_IDS)[number];
