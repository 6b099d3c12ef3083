import type { FailureId } from '../failures/ids.js';

// Plain types only: the workbench imports them too (type-only), so nothing here may touch Fastify.

/** One reason behind a verdict, in plain words, with the rule it comes from. */
export interface Reason {
  readonly text: string;
  readonly rule?: string;
}

/** What the server compared when it verified PKCE at the token endpoint (RFC 7636 §4.6). */
export interface PkceCheck {
  readonly method: 'S256';
  /** S256 of the presented code_verifier, as the server computed it. */
  readonly computed: string;
  /** The code_challenge the server stored with the code. */
  readonly stored: string;
  readonly matched: boolean;
  readonly rule: string;
}

/**
 * The facts behind a verdict as data, for a reader (the Flow Lab) that must never parse the sentences in
 * `summary` and `reasons`: those are for people and may be reworded.
 */
export interface VerdictDetails {
  /** Present when the token endpoint compared a code_verifier with the stored code_challenge. */
  readonly pkce?: PkceCheck;
}

/** Why the sandbox accepted or rejected a request. */
export interface Verdict {
  /** `unanswered`: no response was sent (the client gave up first, as with `token.hang`). */
  readonly outcome: 'accepted' | 'rejected' | 'unanswered';
  /** One line: "rejected: this code was already used at 12:03:04 — RFC 6749 §4.1.2". */
  readonly summary: string;
  readonly reasons: readonly Reason[];
  /** Present when the endpoint recorded any structured facts about its checks. */
  readonly details?: VerdictDetails;
}

/** A message as logged: headers and body with secrets masked and tokens shortened. */
export interface LoggedMessage {
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text (masked), absent when there was none. */
  readonly body?: string;
  /** The body was longer than the log keeps: it was cut when the exchange was recorded. */
  readonly truncated?: boolean;
  /** With `truncated`: how many characters the whole body had. */
  readonly length?: number;
}

/** What the live view needs to list an exchange (the `exchange.recorded` event). */
export interface ExchangeSummary {
  /** Increasing id; `GET /exchanges?since=` pages by it. */
  readonly seq: number;
  /** ISO time the request arrived (by the server's clock). */
  readonly time: string;
  readonly durationMs: number;
  readonly method: string;
  readonly path: string;
  /** HTTP status, or 0 when no answer was sent (the client gave up first). */
  readonly status: number;
  readonly clientId?: string;
  /** The failure mode that shaped the answer, when one was injected. */
  readonly failure?: FailureId;
  readonly verdict: Verdict;
}

/** Every HTTP exchange with the sandbox, as `GET /exchanges` shows it (docs/admin-api.md#exchanges). */
export interface Exchange extends ExchangeSummary {
  readonly query: Readonly<Record<string, string>>;
  readonly request: LoggedMessage;
  readonly response: LoggedMessage;
}

/** Why a request was refused, as the endpoint's error path knows it (an OAuthError fits). */
export interface Rejection {
  readonly code: string;
  readonly description: string;
  readonly rule?: string | undefined;
}
