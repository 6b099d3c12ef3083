/** One HTTP exchange as the Flow Lab shows it: what was sent, what came back. */

export type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface WireRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** An application/x-www-form-urlencoded body, parameter by parameter. */
  readonly form?: Readonly<Record<string, string>>;
  /** A JSON body (admin API calls). */
  readonly json?: unknown;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Set when the server answered with a redirect that was followed: where it pointed. */
  readonly redirectedTo: string | undefined;
}

/** Sends a request; the browser and tests each bring their own. */
export type Transport = (request: WireRequest) => Promise<WireResponse>;

export function encodeForm(form: Readonly<Record<string, string>>): string {
  return new URLSearchParams(Object.entries(form)).toString();
}

export function withQuery(base: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** The sandbox's own admin API (registering the walk's apps, starting a launch), whose bearer is the admin token. */
export function isAdminUrl(url: string): boolean {
  try {
    return new URL(url).pathname.startsWith('/_sandbox/api/');
  } catch {
    return false;
  }
}

/** What the Flow Lab shows instead of the admin token: that it was sent, never what it is. */
export const HIDDEN_ADMIN_TOKEN = 'Bearer •••••• (admin token: sent, never shown)';

/**
 * The request's headers as the Flow Lab shows them, Content-Type included: the admin token is replaced by
 * HIDDEN_ADMIN_TOKEN, on screen and in presentation mode alike, where a projector would show it to a room.
 */
export function shownHeaders(request: WireRequest): [string, string][] {
  const admin = isAdminUrl(request.url);
  const rows = Object.entries(request.headers).map(([name, value]): [string, string] => [
    name,
    admin && name.toLowerCase() === 'authorization' ? HIDDEN_ADMIN_TOKEN : value,
  ]);
  if (request.form !== undefined) rows.push(['Content-Type', 'application/x-www-form-urlencoded']);
  else if (request.json !== undefined) rows.push(['Content-Type', 'application/json']);
  return rows;
}

/** The query parameters of a URL, in order, for display. */
export function queryParams(url: string): [string, string][] {
  return [...new URL(url).searchParams.entries()];
}

/** Replaces parameters a person edited: form fields of a POST, query parameters of a GET. */
export function applyEdits(request: WireRequest, edits: Readonly<Record<string, string>>): WireRequest {
  if (Object.keys(edits).length === 0) return request;
  if (request.form !== undefined) return { ...request, form: { ...request.form, ...edits } };
  return { ...request, url: withQuery(request.url, edits) };
}

export function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a walk's request carries and its Content-Type: a form-encoded body (RFC 6749 §4.1.3, §3.2) or JSON (the
 * admin calls); undefined for a request without a body.
 */
export function requestBody(request: WireRequest): { contentType: string; body: string } | undefined {
  if (request.form !== undefined) {
    return { contentType: 'application/x-www-form-urlencoded', body: encodeForm(request.form) };
  }
  if (request.json !== undefined)
    return { contentType: 'application/json', body: JSON.stringify(request.json) };
  return undefined;
}

/**
 * A transport over `fetch`. Redirects are followed (a browser cannot read a redirect's Location without
 * following it), and the response says where it went: the Flow Lab's redirect targets are the sandbox's own
 * callback page, so the final URL is exactly the Location the authorization server sent.
 */
export function fetchTransport(fetchImpl: typeof fetch = fetch): Transport {
  return async (request) => {
    const sent = requestBody(request);
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers:
        sent === undefined
          ? { ...request.headers }
          : { ...request.headers, 'Content-Type': sent.contentType },
      redirect: 'follow',
      ...(sent === undefined ? {} : { body: sent.body }),
    });
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => (responseHeaders[name] = value));
    return {
      status: response.status,
      headers: responseHeaders,
      body: await response.text(),
      redirectedTo: response.redirected ? response.url : undefined,
    };
  };
}
