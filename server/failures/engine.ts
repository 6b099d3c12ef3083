import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
} from 'jose';
import { toSeconds } from '../clock.js';
import type { TokenResponse } from '../grants/grant.js';
import type { Sandbox } from '../sandbox.js';
import { usesScheme } from '../oauth/authorization.js';
import type { FiredFailure } from './board.js';
import {
  DEFAULT_SLOW_MS,
  failureMode,
  type FailureEndpoint,
  type InjectionContext,
  type ResponseShape,
} from './catalog.js';
import type { FailureId } from './ids.js';

/**
 * The one place failure modes are applied. An endpoint calls `fireFailure` at the point of its pipeline where
 * a failure may strike, then `interrupt` (errors, delays, hangs) and, for a token response, `reshapeTokenResponse`.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The failure mode that shaped this request, for the exchange log. */
    sandboxFailure?: FailureId;
  }
}

/** Decides whether an armed failure fires on this request, and marks the request if it does. */
export function fireFailure(
  sandbox: Sandbox,
  request: FastifyRequest,
  endpoint: FailureEndpoint,
  clientId: string | undefined,
): FiredFailure | undefined {
  const fired = sandbox.failures.take(endpoint, clientId);
  if (fired) request.sandboxFailure = fired.id;
  return fired;
}

/**
 * Applies what a fired failure does before the endpoint answers: waits `delayMs`, then throws the injected
 * OAuthError (for the endpoint's normal error path to word it), or holds the request without answering.
 * Resolves `'hung'` when the request must be left unanswered, else `'proceed'`.
 */
export async function interrupt(
  sandbox: Sandbox,
  request: FastifyRequest,
  reply: FastifyReply,
  fired: FiredFailure | undefined,
  known: Pick<InjectionContext, 'clientId' | 'grantType'> = {},
): Promise<'proceed' | 'hung'> {
  if (fired === undefined) return 'proceed';
  const mode = failureMode(fired.id);
  const delay = fired.delayMs ?? (mode.effect.kind === 'delay' ? DEFAULT_SLOW_MS : 0);
  if (delay > 0) await wait(sandbox, delay);
  switch (mode.effect.kind) {
    case 'error':
      throw mode.effect.error({ ...known, usedBasic: usesScheme(request.headers.authorization, 'basic') });
    case 'hang':
      await holdUntilGone(sandbox, reply, mode.effect.closeAfterMs);
      return 'hung';
    case 'delay':
    case 'respond':
    case 'cache':
      return 'proceed';
  }
}

/** A timer that ends early when the server closes, so `close()` never waits on an injected delay. */
async function wait(sandbox: Sandbox, ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: sandbox.closing });
  } catch {
    // Aborted because the server is closing: answer at once.
  }
}

/**
 * `token.hang`: no answer and no busy loop. The request waits on its connection's `close` event; when the
 * server closes first, the connection is destroyed, so nothing leaks and `close()` does not wait for it.
 * With `closeAfterMs` (`jwks.hang`) the connection is also destroyed, unanswered, once that time has passed.
 */
function holdUntilGone(sandbox: Sandbox, reply: FastifyReply, closeAfterMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const res = reply.raw;
    const bound = closeAfterMs === undefined ? undefined : setTimeout(() => drop(), closeAfterMs);
    bound?.unref();
    const gone = () => {
      clearTimeout(bound);
      sandbox.closing.removeEventListener('abort', drop);
      resolve();
    };
    const drop = () => {
      res.destroy();
      gone();
    };
    if (sandbox.closing.aborted || res.destroyed) {
      drop();
      return;
    }
    res.once('close', gone);
    sandbox.closing.addEventListener('abort', drop, { once: true });
  });
}

/** The token response body, or raw text for `token.malformed_json`. */
export type ShapedTokenResponse = TokenResponse | Partial<TokenResponse> | { readonly raw: string };

/** Spoils a successful token response the way a response-shaping failure says. */
export async function reshapeTokenResponse(
  sandbox: Sandbox,
  fired: FiredFailure | undefined,
  body: TokenResponse,
): Promise<ShapedTokenResponse> {
  if (fired === undefined) return body;
  const effect = failureMode(fired.id).effect;
  if (effect.kind !== 'respond') return body;
  return shapes[effect.shape](sandbox, body);
}

const shapes: Readonly<
  Record<ResponseShape, (sandbox: Sandbox, body: TokenResponse) => Promise<ShapedTokenResponse>>
> = {
  malformed_json: async (_sandbox, body) => {
    const text = JSON.stringify(body);
    return { raw: text.slice(0, Math.floor(text.length / 2)) };
  },
  missing_access_token: async (_sandbox, body) => {
    const rest: Partial<TokenResponse> = { ...body };
    delete rest.access_token;
    return rest;
  },
  expired_token: async (sandbox, body) => {
    const key = await sandbox.signingKey();
    const now = toSeconds(sandbox.clock.now());
    const access_token = await resign(body.access_token, key.privateKey, (claims) => {
      const lifetime =
        typeof claims['exp'] === 'number' && typeof claims['iat'] === 'number'
          ? claims['exp'] - claims['iat']
          : body.expires_in;
      return { ...claims, iat: now - 1 - lifetime, exp: now - 1 };
    });
    return { ...body, access_token, expires_in: 0 };
  },
  bad_signature: async (sandbox, body) => {
    // A fresh key of the same algorithm, never published: the header still names the real kid.
    const { privateKey } = await generateKeyPair(sandbox.settings.tokens.signingAlg, { modulusLength: 2048 });
    const shaped: TokenResponse = { ...body, access_token: await resign(body.access_token, privateKey) };
    if (body.id_token !== undefined) shaped.id_token = await resign(body.id_token, privateKey);
    return shaped;
  },
  unknown_kid: async (sandbox, body) => {
    // A fresh key never published, named by its own thumbprint: a client looking the kid up in the JWKS
    // finds nothing, even after refetching it (RFC 7515 §4.1.4).
    const { privateKey, publicKey } = await generateKeyPair(sandbox.settings.tokens.signingAlg, {
      modulusLength: 2048,
      extractable: true,
    });
    const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    const shaped: TokenResponse = {
      ...body,
      access_token: await resign(body.access_token, privateKey, undefined, kid),
    };
    if (body.id_token !== undefined)
      shaped.id_token = await resign(body.id_token, privateKey, undefined, kid);
    return shaped;
  },
};

async function resign(
  token: string,
  key: CryptoKey,
  change: (claims: Record<string, unknown>) => Record<string, unknown> = (c) => c,
  kid?: string,
): Promise<string> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token) as Record<string, unknown>;
  const alg = header.alg ?? 'RS256';
  return new SignJWT(change(claims))
    .setProtectedHeader({ ...header, alg, ...(kid === undefined ? {} : { kid }) })
    .sign(key);
}
