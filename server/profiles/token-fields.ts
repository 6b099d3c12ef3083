/** The fields a token response may carry: RFC 6749 §5.1 plus the SMART App Launch context fields. */
export const TOKEN_FIELDS = [
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
  'patient',
  'encounter',
  'fhirContext',
  'need_patient_banner',
  'smart_style_url',
  'intent',
  'tenant',
] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];
