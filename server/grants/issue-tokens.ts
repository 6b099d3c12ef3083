import type { LaunchContext, GrantRecord, RefreshRecord } from '../store/artefacts.js';
import { mintAccessToken, mintIdToken } from '../tokens/mint.js';
import { joinScope } from '../oauth/scopes.js';
import { fhirUserUrl } from '../fhir/user-claims.js';
import { claimsAbout, customClaims } from '../people/token-claims.js';
import { issuesRefreshTokens } from '../profiles/serves.js';
import type { GrantContext, TokenResponse } from './grant.js';

export interface IssueInput {
  readonly grant: GrantRecord | undefined;
  readonly scope: readonly string[];
  readonly sub: string;
  readonly context: LaunchContext;
  readonly nonce: string | undefined;
  readonly authTime: number;
  /** The refresh token to return: a new one, the unrotated one, or none. */
  readonly refresh: RefreshRecord | 'issue' | undefined;
}

/**
 * Whether an authorization_code exchange returns a refresh token: never to a client not allowed the
 * refresh_token grant; otherwise as the profile says (SMART App Launch: when offline_access or online_access
 * was granted).
 */
export function wantsRefreshToken(ctx: GrantContext, scope: readonly string[]): boolean {
  const rule = ctx.profile.refreshTokens;
  if (!ctx.client.grantTypes.includes('refresh_token')) return false;
  if (!issuesRefreshTokens(ctx.profile)) {
    // Said where it happens: a refresh token this profile could not redeem is not issued at all.
    const asked = rule.offlineScopes.filter((s) => scope.includes(s));
    if (asked.length > 0) {
      ctx.notes.push({
        text: `no refresh token despite ${asked.join(' ')}: the ${ctx.profile.name} profile serves only ${ctx.profile.grantTypes.join(', ')}, so it issues none it could not redeem`,
        rule: ctx.profile.title,
      });
    }
    return false;
  }
  switch (rule.onAuthorizationCode) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'offline-scope':
      return rule.offlineScopes.some((s) => scope.includes(s));
  }
}

/**
 * A token for the client itself (RFC 6749 §4.4: client_credentials, or a direct issue with no user scope): its
 * sub is the client, with no grant, launch context, nonce or refresh token.
 */
export function issueClientToken(ctx: GrantContext, scope: readonly string[]): Promise<TokenResponse> {
  return issueTokens(ctx, {
    grant: undefined,
    scope,
    sub: ctx.client.clientId,
    context: {},
    nonce: undefined,
    authTime: Math.floor(ctx.sandbox.clock.now() / 1000),
    refresh: undefined,
  });
}

/** Mints the access token (and id_token, refresh token, launch context) every grant type answers with. */
export async function issueTokens(ctx: GrantContext, input: IssueInput): Promise<TokenResponse> {
  const { sandbox, client } = ctx;
  const key = await sandbox.signingKey();
  const urls = sandbox.urls;
  const now = sandbox.clock.now();
  const scope = joinScope(input.scope);
  const lifetime = client.accessTokenLifetime;
  // A user's grant is about the persona whose sub it carries; client_credentials is about no one.
  const persona =
    input.grant === undefined ? undefined : sandbox.personas.bySub(input.sub, input.context.fhirUser);
  // Precedence (docs/config.md "personas and claims"): queued > persona > client > the sandbox's own.
  const custom = {
    ...customClaims(client, persona),
    ...sandbox.queuedClaims.take(client.clientId),
  };
  const access = await mintAccessToken(
    key,
    {
      issuer: urls.issuer,
      audience: urls.fhirBase,
      clientId: client.clientId,
      sub: input.sub,
      scope,
      context: input.context,
      customClaims: custom,
      nowMs: now,
      lifetimeSeconds: lifetime,
    },
    sandbox.signingPool,
  );
  sandbox.store.recordAccessToken(input.grant, access.jti, client.clientId, access.exp * 1000);
  sandbox.issued.keepToken(access.jti, access.token);
  const body: TokenResponse = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: lifetime,
    scope,
  };

  // An id_token describes a user; client_credentials has none (OIDC Core §2).
  if (input.scope.includes('openid') && input.grant !== undefined) {
    const fhirUser =
      input.scope.includes('fhirUser') && input.context.fhirUser !== undefined
        ? fhirUserUrl(urls.fhirBase, input.context.fhirUser)
        : undefined;
    const id = await mintIdToken(
      key,
      {
        issuer: urls.issuer,
        clientId: client.clientId,
        sub: input.sub,
        nonce: input.nonce,
        authTime: input.authTime,
        accessToken: access.token,
        fhirUser,
        userClaims: { ...claimsAbout(sandbox, persona, input.context.fhirUser, input.scope), ...custom },
        nowMs: now,
        lifetimeSeconds: lifetime,
      },
      sandbox.signingPool,
    );
    sandbox.events.emit('token.issued', {
      kind: 'id_token',
      clientId: client.clientId,
      grantId: input.grant.id,
      id: id.jti,
      expiresAt: id.exp * 1000,
    });
    sandbox.issued.keepToken(id.jti, id.token);
    body.id_token = id.token;
  }

  if (input.refresh === 'issue' && input.grant) {
    body.refresh_token = sandbox.store.issueRefreshToken(
      input.grant,
      client.refreshTokenLifetime * 1000,
    ).token;
  } else if (input.refresh !== undefined && input.refresh !== 'issue') {
    body.refresh_token = input.refresh.token;
  }

  const c = input.context;
  if (c.patient !== undefined) body.patient = c.patient;
  if (c.encounter !== undefined) body.encounter = c.encounter;
  if (c.fhirContext !== undefined) body.fhirContext = c.fhirContext;
  if (c.needPatientBanner !== undefined) body.need_patient_banner = c.needPatientBanner;
  if (c.smartStyleUrl !== undefined) body.smart_style_url = c.smartStyleUrl;
  if (c.intent !== undefined) body.intent = c.intent;
  if (c.tenant !== undefined) body.tenant = c.tenant;
  return body;
}
