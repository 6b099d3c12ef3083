import type { FastifyReply } from 'fastify';
import type { Rejection } from '../exchanges/exchange.js';
import type { OAuthError } from '../oauth/errors.js';
import type { Sandbox } from '../sandbox.js';
import { escapeHtml, sendPage } from './html.js';

// How the authorization endpoint answers once it has decided: back to the client by redirect, or a page when
// the client cannot be trusted. The authorize pipeline (authorize.ts) and the consent decision (consent.ts)
// both answer this way.

/** The client's redirect target with the response parameters appended (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export function redirectTo(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

/** RFC 6749 §4.1.2.1: an error about a request whose redirect target is trusted goes back to the client. */
export function redirectError(
  sandbox: Sandbox,
  reply: FastifyReply,
  target: string,
  err: OAuthError,
  state: string | undefined,
  status: 302 | 303,
): FastifyReply {
  // The exchange log's verdict and the verdict header name it.
  reply.request.sandboxRejection = err;
  return reply.redirect(
    redirectTo(target, {
      error: err.code,
      error_description: err.description,
      state,
      iss: sandbox.urls.issuer,
    }),
    status,
  );
}

/** Shown instead of redirecting, because the client or the redirect URI could not be trusted (RFC 6749 §4.1.2.1). */
export function errorPage(reply: FastifyReply, err: Rejection): FastifyReply {
  reply.request.sandboxRejection = err;
  const rule = err.rule ?? 'RFC 6749 §4.1.2.1';
  return sendPage(
    reply,
    400,
    'Authorization request rejected',
    `<h1>Authorization request rejected</h1>
<p><code>${escapeHtml(err.code)}</code>: ${escapeHtml(err.description)}</p>
<p class="rule">Rule: ${escapeHtml(rule)}. The sandbox does not redirect back, because the client or the redirect URI could not be trusted (RFC 6749 §4.1.2.1).</p>`,
  );
}
