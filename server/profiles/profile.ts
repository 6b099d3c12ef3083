import {
  PROFILE_NAMES,
  type AuthMethod,
  type GrantType,
  type ProfileConfig,
  type SandboxConfig,
} from '../config/schema.js';
import type { ErrorShape } from '../oauth/errors.js';
import { iehrProfile } from './iehr.js';
import { medirecordsProfile } from './medirecords.js';
import { smartProfile } from './smart.js';
import type { TokenField } from './token-fields.js';

export { TOKEN_FIELDS, type TokenField } from './token-fields.js';

/** A constant value a profile adds to every token response (a vendor's extra field). */
export type ExtraValue = string | number | boolean;

/**
 * When the authorization endpoint demands PKCE: `required` for every client (SMART App Launch 2.2),
 * `client` as each client's `requirePkce` says (on by default, always for public clients), `when-sent` only
 * for a client whose config sets `requirePkce: true` (a vendor document that calls PKCE conditional). In
 * every case a code issued with a challenge needs its verifier.
 */
export type PkcePolicy = 'required' | 'client' | 'when-sent';

/**
 * A vendor profile is data: the paths, grants and rules of one vendor's endpoints, read by the same pipeline.
 * Nothing outside `server/profiles/` tests a profile's name; every difference between vendors is a field here.
 */
export interface Profile {
  readonly name: string;
  readonly title: string;
  /** Where the token endpoint answers; the other profiles' paths answer 404. */
  readonly tokenPath: string;
  readonly authorizePath: string;
  /** Grants the token endpoint serves; anything else is `unsupported_grant_type`. */
  readonly grantTypes: readonly GrantType[];
  /** Client authentication methods accepted; a client registered with another one is `invalid_client`. */
  readonly authMethods: readonly AuthMethod[];
  readonly pkce: PkcePolicy;
  /** SMART App Launch 2.2: `aud` is required at /authorize whenever SMART scopes are asked. */
  readonly requireAud: boolean;
  /**
   * Whether browser apps may call the token endpoint (CORS). SMART App Launch 2.2 asks for it; a vendor whose
   * document says apps call it "directly, not through the user's browser" answers without CORS headers.
   */
  readonly tokenCors: boolean;
  /**
   * Where the token endpoint reads its parameters. `body` is RFC 6749 §3.2 (form body only; credentials in
   * the URL refused). `query-or-body` also takes them from the URL, for a document that calls a POST's
   * parameters "query parameters"; the body, when there is one, must still be form-urlencoded.
   */
  readonly parameterLocation: 'body' | 'query-or-body';
  /**
   * Parameters checked before the client is authenticated, so their absence is the documented
   * `invalid_request`. `client_id` is satisfied by a Basic Authorization header as well.
   */
  readonly requiredParams: {
    readonly always: readonly string[];
    readonly byGrant: Readonly<Partial<Record<GrantType, readonly string[]>>>;
  };
  readonly refreshTokens: {
    /**
     * When an authorization_code exchange returns a refresh token (always only for a client allowed the
     * refresh_token grant): `offline-scope` when one of `offlineScopes` was granted, `always`, or `never`.
     */
    readonly onAuthorizationCode: 'offline-scope' | 'always' | 'never';
    readonly offlineScopes: readonly string[];
    /**
     * A refresh_token exchange either `rotate`s (as the client's `refreshTokenRotation` says, returning the
     * token in use when rotation is off) or returns `none`: no refresh_token field, the one in use stays valid.
     */
    readonly onRefresh: 'rotate' | 'none';
  };
  readonly scope: {
    /** `scope` on a refresh: `narrow` (RFC 6749 §6) or `ignore`. */
    readonly onRefresh: 'narrow' | 'ignore';
    /** A client_credentials scope the client may not have: `refuse` (invalid_scope) or `ignore` it. */
    readonly unknownOnClientCredentials: 'refuse' | 'ignore';
    /**
     * A `patient/` or `user/` clinical scope on client_credentials: `refuse` it (SMART Backend Services grants
     * only `system/` scopes: there is no patient or user in context) or `grant` it like any other enabled scope.
     */
    readonly patientUserOnClientCredentials: 'refuse' | 'grant';
  };
  readonly tokenResponse: {
    /** The fields this vendor answers with; any other the pipeline produced is left out. */
    readonly fields: readonly TokenField[];
    /** Constant fields added to every successful token response. */
    readonly extra: Readonly<Record<string, ExtraValue>>;
  };
  /** How an error leaves the token endpoint. */
  readonly errors: ErrorShape;
  /** What discovery says beyond the endpoints, grants and auth methods it takes from the fields above. */
  readonly discovery: {
    /** `scopes_supported`: the scopes a client of this vendor asks for. */
    readonly scopesSupported: readonly string[];
  };
}

/** The built-in profiles' names; config-defined profiles may not reuse them. */
export { PROFILE_NAMES as BUILT_IN_PROFILE_NAMES } from '../config/schema.js';
export type BuiltInProfileName = (typeof PROFILE_NAMES)[number];
export { smartProfile, medirecordsProfile, iehrProfile };

/**
 * Paths a profile may not claim, because other endpoints already answer there (or will: the admin API, the
 * FHIR base, discovery).
 */
export function reservedPathProblem(path: string): string | undefined {
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path) || path.includes('//')) {
    return 'expected an absolute path such as /oauth2/token (no query, fragment or empty segment)';
  }
  if (path === '/' || ['/introspect', '/revoke', '/userinfo'].includes(path)) {
    return `${path} is already an endpoint of the sandbox`;
  }
  const reserved = ['/_sandbox', '/.well-known', '/fhir'].find((p) => path === p || path.startsWith(`${p}/`));
  return reserved === undefined ? undefined : `paths under ${reserved} belong to the sandbox`;
}

/** The built-in profiles by name. */
export const BUILT_IN_PROFILES: Readonly<Record<BuiltInProfileName, Profile>> = {
  smart: smartProfile,
  medirecords: medirecordsProfile,
  iehr: iehrProfile,
};

function isBuiltIn(name: string): name is BuiltInProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** Every profile name a config can choose: the built-ins, then the ones it describes. */
export function profileNames(config: SandboxConfig = {}): string[] {
  return [...PROFILE_NAMES, ...(config.profiles ?? []).map((p) => p.name)];
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A config-described profile: its base (`extends`, default `smart`) with the fields it sets. */
export function profileFromConfig(entry: ProfileConfig): Profile {
  const base = BUILT_IN_PROFILES[entry.extends ?? 'smart'];
  const errors = entry.errors;
  return {
    ...base,
    ...defined({
      title: entry.title,
      tokenPath: entry.tokenPath,
      authorizePath: entry.authorizePath,
      grantTypes: entry.grantTypes,
      authMethods: entry.authMethods,
      pkce: entry.pkce,
      requireAud: entry.requireAud,
      parameterLocation: entry.parameterLocation,
    }),
    name: entry.name,
    title: entry.title ?? `${entry.name} (custom, from ${base.name})`,
    requiredParams: { ...base.requiredParams, ...defined(entry.requiredParams) },
    refreshTokens: { ...base.refreshTokens, ...defined(entry.refreshTokens) },
    scope: { ...base.scope, ...defined(entry.scope) },
    tokenResponse: {
      fields: entry.tokenResponse?.fields ?? base.tokenResponse.fields,
      extra: { ...base.tokenResponse.extra, ...entry.tokenResponse?.extra },
    },
    errors: {
      fields: errors?.fields ?? base.errors.fields,
      status: { ...base.errors.status, ...defined(errors?.status) },
      descriptionByReason: { ...base.errors.descriptionByReason, ...defined(errors?.descriptionByReason) },
      descriptionByCode: { ...base.errors.descriptionByCode, ...defined(errors?.descriptionByCode) },
    },
    discovery: { ...base.discovery, ...defined(entry.discovery) },
  };
}

/**
 * The profile a name chooses: a built-in, or one the config describes. The config is validated first
 * (`parseConfig` checks the name), so an unknown name here is a programming error.
 */
export function profileNamed(name: string | undefined, config: SandboxConfig = {}): Profile {
  const wanted = name ?? 'smart';
  if (isBuiltIn(wanted)) return BUILT_IN_PROFILES[wanted];
  const entry = config.profiles?.find((p) => p.name === wanted);
  if (entry === undefined) throw new Error(`profile ${wanted} is neither built in nor in the config`);
  return profileFromConfig(entry);
}

/** The profile a config chooses with its `profile` field (default `smart`). */
export function resolveProfile(config: SandboxConfig): Profile {
  return profileNamed(config.profile, config);
}
