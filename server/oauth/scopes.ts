/**
 * Scope strings (RFC 6749 §3.3) and SMART App Launch clinical scopes, v1 (`patient/*.read`) and v2
 * (`patient/Observation.rs?category=laboratory`). Pure functions: the grant logic and the FHIR base share them.
 */

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export type ScopeContext = 'patient' | 'user' | 'system';
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

export interface ClinicalScope {
  readonly context: ScopeContext;
  /** A FHIR resource type, or `*`. */
  readonly resource: string;
  readonly interactions: ReadonlySet<Interaction>;
  /** The v2 `?param=value` restriction, kept verbatim. */
  readonly query: string | undefined;
}

const V1_PERMISSIONS: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };
const CLINICAL = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.([a-z*]+)(\?.+)?$/;
const V2_ORDER = 'cruds';

/** The words of a space-delimited scope (RFC 6749 §3.3), as a granted token's scope claim holds them. */
export function scopeWords(scope: string): string[] {
  return scope.split(' ').filter((t) => t !== '');
}

/** Splits a scope parameter into tokens; returns undefined when a token breaks the RFC 6749 §3.3 grammar. */
export function splitScope(scope: string): string[] | undefined {
  const tokens = scopeWords(scope);
  return tokens.every((t) => SCOPE_TOKEN.test(t)) ? [...new Set(tokens)] : undefined;
}

/**
 * Parses a SMART clinical scope, or returns undefined when the token is not one. Interactions must be
 * in the v2 order (`cruds`); an out-of-order string is not a scope, so it can never widen access.
 */
export function parseClinicalScope(token: string): ClinicalScope | undefined {
  const m = CLINICAL.exec(token);
  if (!m) return undefined;
  const [, context, resource, perm, query] = m;
  if (context === undefined || resource === undefined || perm === undefined) return undefined;
  // An own property only: `constructor` (all lower case, so it fits the grammar) must not find Object's.
  const v1 = Object.hasOwn(V1_PERMISSIONS, perm) ? V1_PERMISSIONS[perm] : undefined;
  if (v1 !== undefined && query !== undefined) return undefined;
  const letters = v1 ?? perm;
  let last = -1;
  for (const ch of letters) {
    const at = V2_ORDER.indexOf(ch);
    if (at <= last) return undefined;
    last = at;
  }
  return {
    context: context as ScopeContext,
    resource,
    interactions: new Set(letters as Iterable<Interaction>),
    query,
  };
}

/** Whether `allowed` grants at least everything `requested` asks for. */
export function scopeCovers(allowed: string, requested: string): boolean {
  if (allowed === requested) return true;
  const a = parseClinicalScope(allowed);
  const r = parseClinicalScope(requested);
  if (!a || !r) return false;
  if (a.context !== r.context) return false;
  if (a.resource !== '*' && a.resource !== r.resource) return false;
  if (a.query !== undefined && a.query !== r.query) return false;
  for (const i of r.interactions) if (!a.interactions.has(i)) return false;
  return true;
}

export interface ScopeDecision {
  readonly granted: readonly string[];
  /** Requested tokens that no allowed scope covers. */
  readonly refused: readonly string[];
}

/** Grants each requested token that some allowed scope covers; the rest are refused. */
export function decideScope(requested: readonly string[], allowed: readonly string[]): ScopeDecision {
  const granted: string[] = [];
  const refused: string[] = [];
  for (const token of requested) {
    (allowed.some((a) => scopeCovers(a, token)) ? granted : refused).push(token);
  }
  return { granted, refused };
}

export function joinScope(tokens: readonly string[]): string {
  return tokens.join(' ');
}
