import type { FhirData } from './data.js';

/**
 * OpenID Connect Core §5.4: the standard claims a scope asks for, read from the signed-in user's FHIR
 * resource (`fhirUser`). Discovery's `claims_supported` lists these for the scopes it advertises, and the
 * id_token carries them whenever the scope was granted and the resource has the data.
 */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
};

interface HumanName {
  readonly text?: string;
  readonly family?: string;
  readonly given?: readonly string[];
}
interface ContactPoint {
  readonly system?: string;
  readonly value?: string;
}

/**
 * The absolute URL of the user's FHIR resource (SMART App Launch 2.2 §fhirUser): a relative `Practitioner/prac-1`
 * under this server's FHIR base, an absolute URL (a config may give one) as it is, never prefixed twice.
 */
export function fhirUserUrl(fhirBase: string, fhirUser: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(fhirUser) ? fhirUser : `${fhirBase}/${fhirUser}`;
}

/** The claims of `scope` for the user `fhirUser` ("Practitioner/prac-1" or its absolute URL), from the FHIR fixtures. */
export function userClaims(
  fhir: FhirData,
  fhirUser: string | undefined,
  scope: readonly string[],
): Record<string, string> {
  const [id, type] = fhirUser?.split('/').reverse() ?? [];
  const resource = type === undefined || id === undefined ? undefined : fhir.get(type, id);
  if (resource === undefined) return {};
  const claims: Record<string, string> = {};
  if (scope.includes('profile')) {
    const name = (resource['name'] as readonly HumanName[] | undefined)?.[0];
    const given = name?.given?.join(' ');
    const full = name?.text ?? [given, name?.family].filter((p) => p !== undefined && p !== '').join(' ');
    if (full !== '') claims['name'] = full;
    if (given !== undefined && given !== '') claims['given_name'] = given;
    if (name?.family !== undefined) claims['family_name'] = name.family;
  }
  if (scope.includes('email')) {
    const email = (resource['telecom'] as readonly ContactPoint[] | undefined)?.find(
      (t) => t.system === 'email',
    );
    if (email?.value !== undefined) claims['email'] = email.value;
  }
  return claims;
}
