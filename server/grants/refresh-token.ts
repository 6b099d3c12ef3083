import { clockTime } from '../clock.js';
import { InvalidGrant, InvalidScope } from '../oauth/errors.js';
import { requireParam } from '../oauth/form.js';
import { splitScope } from '../oauth/scopes.js';
import type { GrantHandler } from './grant.js';
import { issueTokens } from './issue-tokens.js';
import { notIssuedHere } from '../tokens/verify.js';

/** RFC 6749 §6 with RFC 9700 §4.14.2: rotation, and reuse of a rotated token revokes the whole grant. */
export const refreshTokenGrant: GrantHandler = async (ctx) => {
  const { sandbox, client, params, notes } = ctx;
  const token = requireParam(params, 'refresh_token', 'RFC 6749 §6');
  const store = sandbox.store;

  // Everything from the lookup to the rotation is synchronous: two concurrent refreshes cannot both rotate.
  const found = store.lookupRefreshToken(token, client.clientId);
  switch (found.status) {
    case 'unknown':
      throw new InvalidGrant(
        await notIssuedHere(sandbox, token, 'the refresh token is not one this server issued'),
        {
          rule: 'RFC 6749 §6',
          reason: 'refresh_invalid',
        },
      );
    case 'wrong_client':
      throw new InvalidGrant('the refresh token was issued to another client', {
        rule: 'RFC 6749 §6',
        reason: 'refresh_invalid',
      });
    case 'expired':
      throw new InvalidGrant(`the refresh token expired at ${clockTime(found.record.expiresAt)}`, {
        rule: 'RFC 6749 §6',
        reason: 'refresh_invalid',
      });
    case 'revoked': {
      const why = found.grant?.revokeReason;
      throw new InvalidGrant(`the refresh token has been revoked${why === undefined ? '' : ` (${why})`}`, {
        rule: 'RFC 7009 §2',
        reason: 'refresh_revoked',
      });
    }
    case 'rotated': {
      const when = clockTime(found.record.rotatedAt ?? 0);
      if (client.refreshTokenReuseDetection) {
        store.revokeGrant(found.grant.id, 'a rotated refresh token was reused');
        throw new InvalidGrant(
          `this refresh token was already used at ${when} and replaced; reuse revoked the whole grant`,
          { rule: 'RFC 9700 §4.14.2', reason: 'refresh_revoked' },
        );
      }
      throw new InvalidGrant(`this refresh token was already used at ${when} and replaced`, {
        rule: 'RFC 9700 §4.14.2',
        reason: 'refresh_invalid',
      });
    }
    case 'ok':
      break;
  }
  const { record, grant } = found;

  let scope = record.scope;
  // A profile whose vendor reads `scope` only for client_credentials ignores it here.
  const asked = ctx.profile.scope.onRefresh === 'narrow' ? params.get('scope') : undefined;
  if (asked !== undefined) {
    const tokens = splitScope(asked);
    if (tokens === undefined)
      throw new InvalidScope('scope is not a space-separated list of scope tokens', {
        rule: 'RFC 6749 §3.3',
      });
    const wider = tokens.filter((t) => !record.scope.includes(t));
    if (wider.length > 0) {
      throw new InvalidScope(`a refresh cannot widen the grant; not granted originally: ${wider.join(' ')}`, {
        rule: 'RFC 6749 §6',
      });
    }
    scope = tokens;
  }

  // `none`: the vendor answers a refresh without a refresh_token, so the one in use stays valid.
  const rotate = ctx.profile.refreshTokens.onRefresh === 'rotate' && client.refreshTokenRotation;
  const next = rotate ? store.rotateRefreshToken(record, grant, client.refreshTokenLifetime * 1000) : record;
  notes.push(
    rotate
      ? { text: 'refresh token accepted and rotated; the old one is now spent', rule: 'RFC 9700 §4.14.2' }
      : { text: 'refresh token accepted and kept (not rotated)', rule: 'RFC 6749 §6' },
  );
  return issueTokens(ctx, {
    grant,
    scope,
    sub: grant.sub,
    context: grant.context,
    // OIDC Core §12.2: a refreshed id_token carries no nonce.
    nonce: undefined,
    authTime: grant.authTime,
    refresh: ctx.profile.refreshTokens.onRefresh === 'rotate' ? next : undefined,
  });
};
