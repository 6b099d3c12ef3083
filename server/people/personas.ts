import type { PersonaConfig } from '../config/schema.js';
import type { FhirData } from '../fhir/data.js';
import { userClaims } from '../fhir/user-claims.js';

/**
 * The people who sign in at the authorization endpoint (docs/config.md "personas"). Without a `personas`
 * list the shipped defaults stand in: one persona per Practitioner and Patient of the FHIR data, whose `sub`
 * and `fhirUser` are the resource's reference, as users were before personas existed.
 */

/** The resource types a `fhirUser` may name (SMART App Launch 2.2 §fhirUser). */
export const PERSONA_TYPES = ['Practitioner', 'Patient', 'RelatedPerson', 'Person'] as const;

/** The persona's stable subject: its own `sub`, else its `fhirUser`. */
export function personaSub(persona: PersonaConfig): string {
  return persona.sub ?? persona.fhirUser;
}

/** Why `fhirUser` cannot name a person (relative `Type/id` of PERSONA_TYPES, or an absolute URL), if it cannot. */
export function fhirUserProblem(fhirUser: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(fhirUser)) return undefined;
  const [type, id, ...rest] = fhirUser.split('/');
  if (rest.length === 0 && id !== undefined && /^[A-Za-z0-9.-]{1,64}$/.test(id)) {
    if ((PERSONA_TYPES as readonly string[]).includes(type ?? '')) return undefined;
  }
  return `expected ${PERSONA_TYPES.map((t) => `${t}/<id>`).join(', ')} or an absolute URL (SMART App Launch 2.2 §fhirUser), got ${JSON.stringify(fhirUser.slice(0, 80))}`;
}

/** The shipped personas: each Practitioner and Patient of the FHIR data, named and mailed as its resource says. */
export function fixturePersonas(fhir: FhirData): PersonaConfig[] {
  return [...fhir.list('Practitioner'), ...fhir.list('Patient')].map((r) => {
    const fhirUser = `${r.resourceType}/${r.id}`;
    const c = userClaims(fhir, fhirUser, ['profile', 'email']);
    return {
      id: r.id,
      fhirUser,
      name: c['name'] ?? fhirUser,
      ...(c['given_name'] === undefined ? {} : { givenName: c['given_name'] }),
      ...(c['family_name'] === undefined ? {} : { familyName: c['family_name'] }),
      ...(c['email'] === undefined ? {} : { email: c['email'], emailVerified: true }),
    };
  });
}

/**
 * OpenID Connect Core §5.4: the standard claims the granted scopes release about a persona (`profile`: name,
 * given_name, family_name; `email`: email, email_verified). `sub` and `fhirUser` are set by the caller.
 */
export function standardClaims(persona: PersonaConfig, scope: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scope.includes('profile')) {
    claims['name'] = persona.name;
    if (persona.givenName !== undefined) claims['given_name'] = persona.givenName;
    if (persona.familyName !== undefined) claims['family_name'] = persona.familyName;
  }
  if (scope.includes('email') && persona.email !== undefined) {
    claims['email'] = persona.email;
    claims['email_verified'] = persona.emailVerified ?? false;
  }
  return claims;
}

/**
 * The personas in force, by id: the config's list, or the shipped defaults while nobody has defined one. The
 * defaults follow the FHIR data (a load, create, update or delete at run time adds, renames or removes theirs);
 * a list someone defined is theirs and stays as they left it.
 */
export class PersonaRegistry {
  readonly #personas = new Map<string, PersonaConfig>();
  /** The list was given (config) or changed (admin API), so an export writes it; else the defaults stand. */
  #defined = false;
  /** The FHIR data's revision the defaults were derived at; -1: not derived yet. */
  #derivedAt = -1;

  constructor(private readonly fhir: FhirData) {}

  /** The map in force, the defaults derived again first when the FHIR data changed since. */
  #current(): Map<string, PersonaConfig> {
    if (!this.#defined && this.#derivedAt !== this.fhir.revision) {
      this.#personas.clear();
      for (const p of fixturePersonas(this.fhir)) this.#personas.set(p.id, p);
      this.#derivedAt = this.fhir.revision;
    }
    return this.#personas;
  }

  list(): PersonaConfig[] {
    return [...this.#current().values()];
  }

  get(id: string): PersonaConfig | undefined {
    return this.#current().get(id);
  }

  /**
   * The persona a code, grant or access token is about: the one whose stable subject is `sub` and who is the
   * token's `fhirUser`. Both must match: a user who is no persona (an EHR launch naming another fhirUser) has
   * that fhirUser as its sub, which a persona's own `sub` may equal; that user must not take the persona's claims.
   */
  bySub(sub: string, fhirUser: string | undefined): PersonaConfig | undefined {
    return this.list().find((p) => personaSub(p) === sub && p.fhirUser === fhirUser);
  }

  /** The first persona that is `fhirUser` (a relative reference or the same absolute URL). */
  byFhirUser(fhirUser: string): PersonaConfig | undefined {
    return this.list().find((p) => p.fhirUser === fhirUser);
  }

  /** Adds or replaces a validated persona; from then on the list is the user's, defaults included. */
  put(persona: PersonaConfig): void {
    this.#current().set(persona.id, persona);
    this.#defined = true;
  }

  delete(id: string): boolean {
    const deleted = this.#current().delete(id);
    this.#defined = true;
    return deleted;
  }

  /** The config's list, or the shipped defaults when it has none. */
  replaceAll(personas: readonly PersonaConfig[] | undefined): void {
    this.#personas.clear();
    for (const p of personas ?? []) this.#personas.set(p.id, p);
    this.#defined = personas !== undefined;
    this.#derivedAt = -1;
  }

  /** What an export writes under `personas`: undefined while the shipped defaults stand unchanged. */
  toConfig(): PersonaConfig[] | undefined {
    return this.#defined ? this.list() : undefined;
  }
}
