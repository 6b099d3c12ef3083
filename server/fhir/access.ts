import type { ScopeCheck } from '../exchanges/exchange.js';
import { parseClinicalScope, type ClinicalScope, type Interaction } from '../oauth/scopes.js';
import type { AccessTokenClaims } from '../tokens/verify.js';
import { isResourceType, type FhirResource, type ResourceType } from './data.js';
import { meetsCriterion, patientOf, type Criterion } from './search.js';

/**
 * What an access token lets its bearer see at the FHIR base (SMART App Launch 2.2 §scopes):
 * `patient/` scopes reach the launch patient's compartment only, `user/` scopes what the user may see
 * (a practitioner everything, a patient user their own compartment), `system/` scopes everything.
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
}

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

export function accessOf(claims: AccessTokenClaims): FhirAccess {
  const tokens = claims.scope.split(' ').filter((s) => s !== '');
  return {
    tokens,
    scopes: tokens.flatMap((token) => {
      const parsed = parseClinicalScope(token);
      return parsed === undefined ? [] : [{ ...parsed, token }];
    }),
    patient: claims.patient,
    fhirUser: claims.fhirUser,
  };
}

/**
 * The patient a `fhirUser` is, if it is one: `Patient/<id>`, or an absolute URL ending so (SMART App Launch 2.2
 * §fhirUser allows both). Read from the reference's tail, so a patient user named by URL is confined to their
 * compartment as one named relatively is, rather than reaching everything as a practitioner does.
 */
function patientUser(fhirUser: string | undefined): string | undefined {
  return fhirUser === undefined ? undefined : /(?:^|\/)Patient\/([^/]+)$/.exec(fhirUser)?.[1];
}

type Compartment =
  | { readonly kind: 'all' }
  | { readonly kind: 'patient'; readonly id: string }
  | { readonly kind: 'none'; readonly reason: string };

function compartment(scope: ClinicalScope, access: FhirAccess): Compartment {
  switch (scope.context) {
    case 'system':
      return { kind: 'all' };
    case 'user': {
      const patient = patientUser(access.fhirUser);
      return patient === undefined ? { kind: 'all' } : { kind: 'patient', id: patient };
    }
    case 'patient':
      return access.patient === undefined
        ? {
            kind: 'none',
            reason: 'patient/ scopes need a patient in the launch context, and this token has none',
          }
        : { kind: 'patient', id: access.patient };
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
  const c = compartment(scope, access);
  if (c.kind === 'none' || (c.kind === 'patient' && patientOf(r) !== c.id)) return false;
  const type = r.resourceType;
  // A v2 query can only be checked on the types search knows; elsewhere it allows nothing (fail closed).
  const criteria = restriction(scope);
  if (criteria.length > 0 && !isResourceType(type)) return false;
  return criteria.every((criterion) => meetsCriterion(type as ResourceType, r, criterion));
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
): Decision {
  const ref = `${resource.resourceType}/${resource.id}`;
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
  const patientScoped = candidates.find((s) => s.context === 'patient');
  if (patientScoped && access.patient === undefined) {
    return refused('patient/ scopes need a patient in the launch context, and this token has none');
  }
  if (patientScoped && access.patient !== undefined) {
    const owner = patientOf(resource);
    if (owner !== access.patient) {
      const whose = owner === undefined ? 'belongs to no patient' : `belongs to Patient/${owner}`;
      return refused(
        `${ref} ${previous === undefined ? '' : 'as sent '}${whose}: outside the compartment of the token's patient ${access.patient} (${patientScoped.token})`,
      );
    }
    if (previous !== undefined && patientOf(previous) !== access.patient) {
      const owner = patientOf(previous);
      return refused(
        `the current version of ${ref} ${owner === undefined ? 'belongs to no patient' : `belongs to Patient/${owner}`}: outside the compartment of the token's patient ${access.patient} (${patientScoped.token})`,
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
  /** The one patient every applicable scope confines the search to, if they do (a `patient/` token's). */
  readonly compartment: string | undefined;
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
    if (c.kind === 'patient' && named.some((p) => p !== c.id)) {
      reasons.push(`the search names a patient outside the token's patient ${c.id}`);
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

/** The patient all these compartments are, when each is one patient's and they agree; else undefined. */
function confinedTo(compartments: readonly ReturnType<typeof compartment>[]): string | undefined {
  const ids = new Set(compartments.map((c) => (c.kind === 'patient' ? c.id : undefined)));
  const [only] = ids;
  return ids.size === 1 ? only : undefined;
}
