import type { ScopeCheck } from '../exchanges/exchange.js';
import { parseClinicalScope, scopeWords, type ClinicalScope, type Interaction } from '../oauth/scopes.js';
import type { AccessTokenClaims } from '../tokens/verify.js';
import { isResourceType, type FhirData, type FhirResource, type ResourceType } from './data.js';
import { referenceParts } from './reference.js';
import { meetsCriterion, patientOf, type Criterion } from './search.js';

/**
 * What an access token lets its bearer see at the FHIR base (SMART App Launch 2.2 §scopes):
 * `patient/` scopes reach the launch patient's compartment only, `user/` scopes what the user may see
 * (a practitioner everything, a patient user their own compartment, a RelatedPerson their patient's, a Person
 * the compartments of the patients it links to), `system/` scopes everything.
 * v2 interactions `r` (read) and `s` (search) are told apart, and a v2 query (`?category=laboratory`)
 * narrows a scope to the resources that match it.
 */
/** A granted clinical scope, parsed, with the token it was written as. */
export type GrantedScope = ClinicalScope & { readonly token: string };

export interface FhirAccess {
  readonly scopes: readonly GrantedScope[];
  readonly tokens: readonly string[];
  readonly patient: string | undefined;
  readonly fhirUser: string | undefined;
  /** What `user/` scopes reach for this token's user, resolved from the FHIR data when the request began. */
  readonly user: Compartment;
}

/**
 * The patients a scope confines its bearer to: all of them, the compartments of some (named in `whose` for
 * refusals), or none (with the reason).
 */
export type Compartment =
  | { readonly kind: 'all' }
  | { readonly kind: 'patients'; readonly ids: readonly string[]; readonly whose: string }
  | { readonly kind: 'none'; readonly reason: string };

/** The FHIR data a user's compartment is read from. */
export type UserData = Pick<FhirData, 'get'>;

/** Where every scope decision's citation points. */
export const SCOPES_RULE = 'SMART App Launch 2.2 §scopes';

/**
 * A scope decision; `check` is the same decision as data for the exchange log's verdict (which scope allowed
 * it, which were considered), so no reader has to parse `reason`.
 */
export type Decision<T = object> =
  | ({ readonly allowed: true; readonly check: ScopeCheck } & T)
  | { readonly allowed: false; readonly reason: string; readonly check: ScopeCheck };

function check(
  interaction: Interaction,
  target: string,
  considered: readonly GrantedScope[],
  allowedBy: string | undefined,
): ScopeCheck {
  return {
    interaction,
    target,
    allowed: allowedBy !== undefined,
    ...(allowedBy === undefined ? {} : { scope: allowedBy }),
    considered: considered.map((s) => s.token),
    rule: SCOPES_RULE,
  };
}

/** What a token may reach at the FHIR base; `data` is read now for whom its user is related to. */
export function accessOf(claims: AccessTokenClaims, data: UserData): FhirAccess {
  const tokens = scopeWords(claims.scope);
  return {
    tokens,
    scopes: tokens.flatMap((token) => {
      const parsed = parseClinicalScope(token);
      return parsed === undefined ? [] : [{ ...parsed, token }];
    }),
    patient: claims.patient,
    fhirUser: claims.fhirUser,
    user: userCompartment(claims.fhirUser, data),
  };
}

/** The patient a reference names (relative or absolute, FHIR R4 references.html#literal), if it names one. */
function patientReference(value: unknown): string | undefined {
  const reference = (value as { reference?: unknown } | null | undefined)?.reference;
  const parts = typeof reference === 'string' ? referenceParts(reference) : undefined;
  return parts?.type === 'Patient' ? parts.id : undefined;
}

/**
 * SMART App Launch 2.2 §scopes: `user/` scopes reach what the user may see. `fhirUser` may be relative or an
 * absolute URL (§fhirUser); it is read from its tail, so a user named by URL is confined as one named relatively
 * is. A Patient user reaches their own compartment; a RelatedPerson (a parent, a carer) the compartment of the
 * patient it is related to (`RelatedPerson.patient`); a Person those of the patients its `link[].target` names,
 * directly or through a RelatedPerson. A user whose resource is missing or related to no patient reaches
 * nothing (fail closed). Practitioners, PractitionerRoles and tokens without a user reach everything.
 */
function userCompartment(fhirUser: string | undefined, data: UserData): Compartment {
  const user = fhirUser === undefined ? undefined : referenceParts(fhirUser);
  if (user === undefined) return { kind: 'all' };
  const name = `${user.type}/${user.id}`;
  const nothing = (why: string): Compartment => ({
    kind: 'none',
    reason: `user ${name} ${why}, so user/ scopes reach nothing`,
  });
  const reached = (ids: readonly string[]): Compartment => ({
    kind: 'patients',
    ids,
    whose: `the patient${ids.length === 1 ? '' : 's'} of user ${name} (${ids.map((id) => `Patient/${id}`).join(', ')})`,
  });
  switch (user.type) {
    case 'Patient':
      return { kind: 'patients', ids: [user.id], whose: `user ${name}` };
    case 'RelatedPerson': {
      const related = data.get('RelatedPerson', user.id);
      if (related === undefined) return nothing("is not in the sandbox's FHIR data");
      const patient = patientReference(related['patient']);
      return patient === undefined
        ? nothing('names no Patient in RelatedPerson.patient')
        : reached([patient]);
    }
    case 'Person': {
      const person = data.get('Person', user.id);
      if (person === undefined) return nothing("is not in the sandbox's FHIR data");
      const links: unknown[] = Array.isArray(person['link']) ? (person['link'] as unknown[]) : [];
      const ids = new Set(
        links.flatMap((link) => {
          const target = (link as { target?: unknown } | null)?.target;
          const direct = patientReference(target);
          if (direct !== undefined) return [direct];
          // A link to a RelatedPerson counts through the patient that RelatedPerson is related to.
          const reference = (target as { reference?: unknown } | null | undefined)?.reference;
          const parts = typeof reference === 'string' ? referenceParts(reference) : undefined;
          if (parts?.type !== 'RelatedPerson') return [];
          const via = patientReference(data.get('RelatedPerson', parts.id)?.['patient']);
          return via === undefined ? [] : [via];
        }),
      );
      return ids.size === 0 ? nothing('links to no Patient in Person.link.target') : reached([...ids]);
    }
    default:
      return { kind: 'all' };
  }
}

function compartment(scope: ClinicalScope, access: FhirAccess): Compartment {
  switch (scope.context) {
    case 'system':
      return { kind: 'all' };
    case 'user':
      return access.user;
    case 'patient':
      return access.patient === undefined
        ? {
            kind: 'none',
            reason: 'patient/ scopes need a patient in the launch context, and this token has none',
          }
        : { kind: 'patients', ids: [access.patient], whose: `the token's patient ${access.patient}` };
  }
}

/** The v2 query of a scope (`?category=laboratory&status=final`) as search criteria. */
function restriction(scope: ClinicalScope): Criterion[] {
  if (scope.query === undefined) return [];
  return [...new URLSearchParams(scope.query.slice(1))].map(([name, value]) => ({
    name,
    values: value.split(','),
  }));
}

function coversType(scope: ClinicalScope, type: string, interaction: Interaction): boolean {
  return scope.interactions.has(interaction) && (scope.resource === '*' || scope.resource === type);
}

function allowsResource(scope: ClinicalScope, access: FhirAccess, r: FhirResource, i: Interaction): boolean {
  if (!coversType(scope, r.resourceType, i)) return false;
  if (!inCompartment(compartment(scope, access), r)) return false;
  const type = r.resourceType;
  // A v2 query can only be checked on the types search knows; elsewhere it allows nothing (fail closed).
  const criteria = restriction(scope);
  if (criteria.length > 0 && !isResourceType(type)) return false;
  return criteria.every((criterion) => meetsCriterion(type as ResourceType, r, criterion));
}

function inCompartment(c: Compartment, r: FhirResource): boolean {
  if (c.kind === 'all') return true;
  const owner = patientOf(r);
  return c.kind === 'patients' && owner !== undefined && c.ids.includes(owner);
}

function granted(access: FhirAccess): string {
  return access.tokens.join(' ') || '(none)';
}

/** SMART App Launch 2.2 §scopes: may this token read this resource? */
export function authorizeRead(access: FhirAccess, resource: FhirResource): Decision {
  const ref = `${resource.resourceType}/${resource.id}`;
  // The `fhirUser` scope lets an app read the resource that describes its signed-in user.
  if (access.tokens.includes('fhirUser') && access.fhirUser === ref) {
    return { allowed: true, check: { ...check('r', ref, [], 'fhirUser'), considered: ['fhirUser'] } };
  }
  return decide(access, 'r', resource, undefined);
}

/**
 * Whether any granted scope could allow reading `type/id`, before the resource is known: an upstream read
 * that no scope could allow is refused without asking the upstream (README "A real FHIR server behind the sandbox").
 */
export function mayReadType(access: FhirAccess, type: string, id: string): boolean {
  if (access.tokens.includes('fhirUser') && access.fhirUser === `${type}/${id}`) return true;
  return access.scopes.some((s) => coversType(s, type, 'r') && compartment(s, access).kind !== 'none');
}

/**
 * Whether any granted scope could allow `interaction` on some resource of `type`, before the resource is known:
 * an upstream delete that no scope could allow is refused without asking the upstream for the current version
 * (README "A real FHIR server behind the sandbox").
 */
export function mayWriteType(access: FhirAccess, interaction: 'c' | 'u' | 'd', type: string): boolean {
  return access.scopes.some(
    (s) => coversType(s, type, interaction) && compartment(s, access).kind !== 'none',
  );
}

const VERBS: Readonly<Record<Interaction, string>> = {
  c: 'creating',
  r: 'reading',
  u: 'updating',
  d: 'deleting',
  s: 'searching',
};

/**
 * One scope must allow the interaction on the resource; for an update it must allow it on the current version
 * and on the new one alike, so a `patient/` token can neither take a resource out of its patient's compartment
 * nor overwrite one outside it.
 */
function decide(
  access: FhirAccess,
  interaction: Interaction,
  resource: FhirResource,
  previous: FhirResource | undefined,
  ref = `${resource.resourceType}/${resource.id}`,
): Decision {
  const verb = VERBS[interaction];
  const candidates = access.scopes.filter((s) => coversType(s, resource.resourceType, interaction));
  if (candidates.length === 0) {
    return {
      allowed: false,
      reason: `no granted scope allows ${verb} ${resource.resourceType} (granted: ${granted(access)})`,
      check: check(interaction, ref, [], undefined),
    };
  }
  const allowing = candidates.find(
    (s) =>
      allowsResource(s, access, resource, interaction) &&
      (previous === undefined || allowsResource(s, access, previous, interaction)),
  );
  if (allowing !== undefined) {
    return { allowed: true, check: check(interaction, ref, candidates, allowing.token) };
  }
  const refused = (reason: string): Decision => ({
    allowed: false,
    reason,
    check: check(interaction, ref, candidates, undefined),
  });
  // Say why the first confined scope refused: it reaches nothing, or the resource lies outside it.
  for (const scope of candidates) {
    const c = compartment(scope, access);
    if (c.kind === 'none') return refused(c.reason);
    if (c.kind === 'all') continue;
    const outside = (r: FhirResource) => {
      const owner = patientOf(r);
      return owner === undefined ? 'belongs to no patient' : `belongs to Patient/${owner}`;
    };
    if (!inCompartment(c, resource)) {
      return refused(
        `${ref} ${previous === undefined ? '' : 'as sent '}${outside(resource)}: outside the compartment of ${c.whose} (${scope.token})`,
      );
    }
    if (previous !== undefined && !inCompartment(c, previous)) {
      return refused(
        `the current version of ${ref} ${outside(previous)}: outside the compartment of ${c.whose} (${scope.token})`,
      );
    }
  }
  return refused(
    `no granted scope allows ${verb} ${ref} (considered: ${candidates.map((s) => s.token).join(' ')})`,
  );
}

/**
 * SMART App Launch 2.2 §scopes for the write interactions: `c` to create (v1 `write`), `u` to update, `d` to
 * delete. `previous` is the current version an update replaces, checked as well as the new one.
 */
export function authorizeWrite(
  access: FhirAccess,
  interaction: 'c' | 'u' | 'd',
  resource: FhirResource,
  previous?: FhirResource,
): Decision {
  return decide(access, interaction, resource, previous);
}

/**
 * A `PUT` body checked before the current version is known (behind `fhir.upstream`): it updates or creates
 * (FHIR R4 http.html#upsert), so it is allowed when a scope could allow either. Refused, the decision is the one
 * of the interaction some scope covers (a create-only scope's refusal names its compartment, as a local
 * create-on-update's does), or names both when no scope covers either.
 */
export function authorizePutBody(access: FhirAccess, resource: FhirResource): Decision {
  const asUpdate = decide(access, 'u', resource, undefined);
  if (asUpdate.allowed) return asUpdate;
  const asCreate = decide(access, 'c', resource, undefined);
  if (asCreate.allowed) return asCreate;
  if (asUpdate.check.considered.length > 0) return asUpdate;
  if (asCreate.check.considered.length > 0) return asCreate;
  return {
    allowed: false,
    reason: `no granted scope allows updating or creating ${resource.resourceType} (granted: ${granted(access)})`,
    check: asUpdate.check,
  };
}

/**
 * A create whose id the server assigns (FHIR R4 http.html#create): decided as `authorizeWrite(…, 'c', …)`, but
 * the verdict names the type alone, since the id the body carries while it is checked is not the one it gets.
 */
export function authorizeCreate(access: FhirAccess, resource: FhirResource): Decision {
  return decide(access, 'c', resource, undefined, resource.resourceType);
}

function sameTokenValue(a: string, b: string): boolean {
  if (a === b) return true;
  const code = (v: string) => v.slice(v.indexOf('|') + 1);
  return (!a.includes('|') || !b.includes('|')) && code(a) === code(b);
}

/** A search stays within a scope's query when it asks for the same parameters with no broader values. */
function searchWithinRestriction(scope: ClinicalScope, criteria: readonly Criterion[]): boolean {
  return restriction(scope).every((r) =>
    criteria.some(
      (c) =>
        c.name === r.name &&
        c.values.length > 0 &&
        c.values.every((v) => r.values.some((rv) => sameTokenValue(v, rv))),
    ),
  );
}

/** The patients a search names: `_id` on Patient, `patient` / `subject` elsewhere. */
function namedPatients(type: ResourceType, criteria: readonly Criterion[]): string[] {
  const names = type === 'Patient' ? ['_id'] : ['patient', 'subject'];
  return criteria
    .filter((c) => names.includes(c.name))
    .flatMap((c) => c.values.map((v) => (type === 'Patient' ? v : (v.split('/').pop() ?? v))));
}

/**
 * SMART App Launch 2.2 §scopes: may this token run this search, and which results may it see? A search
 * that names another patient than the token's, or that is broader than a v2 scope query allows, is refused;
 * the results are further limited to what the applicable scopes cover.
 */
export function authorizeSearch(
  access: FhirAccess,
  type: ResourceType,
  criteria: readonly Criterion[],
): Decision<{
  readonly visible: (r: FhirResource) => boolean;
  /**
   * The patients every result lies with, when each applicable scope confines the search to some (a `patient/`
   * token's patient, a `user/` token's related patients); undefined when one reaches everything.
   */
  readonly compartment: readonly string[] | undefined;
}> {
  const candidates = access.scopes.filter((s) => coversType(s, type, 's'));
  if (candidates.length === 0) {
    return {
      allowed: false,
      reason: `no granted scope allows searching ${type} (granted: ${granted(access)})`,
      check: check('s', type, [], undefined),
    };
  }
  const named = namedPatients(type, criteria);
  const reasons: string[] = [];
  const applicable = candidates.filter((s) => {
    const c = compartment(s, access);
    if (c.kind === 'none') {
      reasons.push(c.reason);
      return false;
    }
    if (c.kind === 'patients' && named.some((p) => !c.ids.includes(p))) {
      reasons.push(`the search names a patient outside ${c.whose}`);
      return false;
    }
    if (!searchWithinRestriction(s, criteria)) {
      reasons.push(`${s.token} allows only searches with ${s.query?.slice(1) ?? ''}`);
      return false;
    }
    return true;
  });
  if (applicable.length === 0) {
    return { allowed: false, reason: reasons.join('; '), check: check('s', type, candidates, undefined) };
  }
  return {
    allowed: true,
    check: check('s', type, candidates, applicable.map((s) => s.token).join(' ')),
    visible: (r) => applicable.some((s) => allowsResource(s, access, r, 's')),
    compartment: confinedTo(applicable.map((s) => compartment(s, access))),
  };
}

/** The patients of all these compartments together, when each is some patients'; else undefined. */
function confinedTo(compartments: readonly Compartment[]): readonly string[] | undefined {
  const ids = new Set<string>();
  for (const c of compartments) {
    if (c.kind !== 'patients') return undefined;
    for (const id of c.ids) ids.add(id);
  }
  return [...ids];
}
