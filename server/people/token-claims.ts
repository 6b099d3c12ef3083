import type { RegisteredClient } from '../config/defaults.js';
import type { PersonaConfig } from '../config/schema.js';
import type { FhirData } from '../fhir/data.js';
import { userClaims } from '../fhir/user-claims.js';
import { standardClaims } from './personas.js';

/**
 * The sandbox's own claims about the signed-in user for the granted scopes (OpenID Connect Core §5.4): the
 * persona's, or for a user that is no persona (an EHR launch naming another fhirUser) what its FHIR resource says.
 */
export function claimsAbout(
  sources: { readonly fhir: FhirData },
  persona: PersonaConfig | undefined,
  fhirUser: string | undefined,
  scope: readonly string[],
): Record<string, unknown> {
  return persona === undefined ? userClaims(sources.fhir, fhirUser, scope) : standardClaims(persona, scope);
}

/** The client's custom claims with the persona's over them (queued claims go over both, taken per token). */
export function customClaims(
  client: RegisteredClient | undefined,
  persona: PersonaConfig | undefined,
): Record<string, unknown> {
  return { ...client?.claims, ...persona?.claims };
}
