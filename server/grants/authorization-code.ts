import { clockTime } from '../clock.js';
import { InvalidGrant, InvalidRequest, OAuthError } from '../oauth/errors.js';
import type { CodeRecord } from '../store/artefacts.js';
import { requireParam } from '../oauth/form.js';
import { isWellFormedPkceValue, verifyS256 } from '../oauth/pkce.js';
import type { GrantContext, GrantHandler } from './grant.js';
import { issueTokens, wantsRefreshToken } from './issue-tokens.js';
import { notIssuedHere } from '../tokens/verify.js';

/** RFC 6749 §4.1.3 with RFC 7636 §4.6: exchange a code, once, for tokens. */
export const authorizationCodeGrant: GrantHandler = async (ctx) => {
  const { sandbox, params, notes } = ctx;
  const code = requireParam(params, 'code', 'RFC 6749 §4.1.3');

  // Check and consume in one synchronous step, before any await: of many concurrent redemptions, one wins.
  const taken = sandbox.store.takeCode(code);
  switch (taken.status) {
    case 'unknown':
      throw new InvalidGrant(
        await notIssuedHere(
          sandbox,
          code,
          'the authorization code is not one this server issued (or it was forgotten)',
        ),
        { rule: 'RFC 6749 §5.2', reason: 'code_invalid' },
      );
    case 'consumed': {
      const at = clockTime(taken.record.consumedAt ?? 0);
      const burnedBy = taken.record.burnedBy;
      if (burnedBy !== undefined) {
        // The earlier redemption failed, yet spent the code: say so, not "already used".
        throw new InvalidGrant(
          `this code was burned at ${at} by a failed redemption (${burnedBy}); a code is single use even when its redemption fails, so start a new authorization`,
          { rule: 'RFC 6749 §4.1.2', reason: 'code_consumed' },
        );
      }
      const revoked = taken.revokedGrant === undefined ? '' : '; every token issued from it is now revoked';
      throw new InvalidGrant(`this code was already used at ${at}${revoked}`, {
        rule: 'RFC 6749 §4.1.2',
        reason: 'code_consumed',
      });
    }
    case 'expired':
      throw new InvalidGrant(`the authorization code expired at ${clockTime(taken.record.expiresAt)}`, {
        rule: 'RFC 6749 §4.1.2',
        reason: 'code_invalid',
      });
    case 'ok':
      break;
  }
  const record = taken.record;
  try {
    checkRedemption(ctx, record);
  } catch (err) {
    if (err instanceof OAuthError) record.burnedBy = `${err.code}: ${err.description}`;
    throw err;
  }

  const grant = sandbox.store.createGrant({
    clientId: record.clientId,
    sub: record.sub,
    scope: record.scope,
    authTime: record.authTime,
    context: record.context,
    fromCode: record.code,
  });
  notes.push({ text: 'authorization code accepted and consumed (single use)', rule: 'RFC 6749 §4.1.2' });
  return issueTokens(ctx, {
    grant,
    scope: record.scope,
    sub: record.sub,
    context: record.context,
    nonce: record.nonce,
    authTime: record.authTime,
    refresh: wantsRefreshToken(ctx, record.scope) ? 'issue' : undefined,
  });
};

/** The checks a redemption must pass once the code is taken: client, redirect_uri, PKCE (RFC 7636 §4.6). */
function checkRedemption(ctx: GrantContext, record: CodeRecord): void {
  const { client, params, notes } = ctx;
  if (record.clientId !== client.clientId) {
    throw new InvalidGrant('the authorization code was issued to another client', {
      rule: 'RFC 6749 §4.1.3',
      reason: 'code_invalid',
    });
  }

  const redirectUri = params.get('redirect_uri');
  if (record.redirectUri !== undefined && redirectUri === undefined) {
    throw new InvalidRequest('redirect_uri is required: it was sent to the authorization endpoint', {
      rule: 'RFC 6749 §4.1.3',
      reason: 'missing_parameter',
    });
  }
  if (redirectUri !== undefined && redirectUri !== record.deliveredTo) {
    throw new InvalidGrant(
      `redirect_uri does not match the one the code was issued for (${record.deliveredTo})`,
      { rule: 'RFC 6749 §4.1.3', reason: 'redirect_uri_mismatch' },
    );
  }

  const verifier = params.get('code_verifier');
  if (record.codeChallenge !== undefined) {
    if (verifier === undefined) {
      throw new InvalidGrant('code_verifier is missing; the code was issued with a code_challenge', {
        rule: 'RFC 7636 §4.6',
        reason: 'missing_code_verifier',
      });
    }
    if (!isWellFormedPkceValue(verifier)) {
      throw new InvalidRequest('code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]', {
        rule: 'RFC 7636 §4.1',
        reason: 'code_verifier_failed',
      });
    }
    const pkce = verifyS256(verifier, record.codeChallenge);
    ctx.details.pkce = {
      method: 'S256',
      computed: pkce.computed,
      stored: record.codeChallenge,
      matched: pkce.matched,
      rule: 'RFC 7636 §4.6',
    };
    if (!pkce.matched) {
      throw new InvalidGrant(
        `PKCE verification failed: S256(code_verifier) is ${pkce.computed}, the stored code_challenge is ${record.codeChallenge}`,
        { rule: 'RFC 7636 §4.6', reason: 'code_verifier_failed' },
      );
    }
    // Both values, as the mismatch error gives them, for a person reading the log (the Flow Lab reads details).
    notes.push({
      text: `PKCE S256 challenge matched: S256(code_verifier) is ${pkce.computed}, the stored code_challenge is ${record.codeChallenge}`,
      rule: 'RFC 7636 §4.6',
    });
  } else if (verifier !== undefined) {
    // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade attempt.
    throw new InvalidGrant('code_verifier sent, but the code was issued without a code_challenge', {
      rule: 'RFC 9700 §4.8.2',
      reason: 'code_verifier_failed',
    });
  }
}
