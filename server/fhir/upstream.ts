import type { FhirResource } from './data.js';

/**
 * Bounds on the upstream FHIR server (README "A real FHIR server behind the sandbox"): the sandbox checks every
 * resource of an answer against the token before a byte of it reaches the app, so an answer is read whole,
 * within these bounds.
 */
export const UPSTREAM_LIMITS = {
  /** From sending the request to the last byte of the answer. */
  timeoutMs: 30_000,
  /** One answer's body. */
  responseBytes: 16 * 1024 * 1024,
} as const;

/** An upstream answer as read: status, the headers passed on, and the body as parsed JSON. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly location: string | undefined;
  readonly contentLocation: string | undefined;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  readonly body: Record<string, unknown> | undefined;
}

/** Why the upstream could not be used: answered with a 502 OperationOutcome that names it. */
export class UpstreamError extends Error {}

/**
 * Headers of the app's request passed on as they came (FHIR R4 http.html#mime-type, #prefer). Conditional
 * headers are not: a 304 carries no resource to check against the token, and a write's If-Match is the one
 * the sandbox chose after checking the current version (`write`).
 */
const PASSED_ON = ['accept', 'prefer'] as const;

/** The upstream of a config's `fhir` section, or undefined when the sandbox answers from its own data. */
export function upstreamOf(
  fhir: { readonly upstream?: string; readonly upstreamAuthorization?: string } | undefined,
): Upstream | undefined {
  return fhir?.upstream === undefined ? undefined : new Upstream(fhir.upstream, fhir.upstreamAuthorization);
}

/**
 * The client of one upstream FHIR server. Only what a FHIR exchange needs crosses: the path and query, the
 * headers above, and the configured Authorization (the app's access token is the sandbox's, never the
 * upstream's, and is not forwarded).
 */
export class Upstream {
  readonly base: string;

  constructor(
    base: string,
    private readonly authorization: string | undefined,
  ) {
    this.base = base.replace(/\/+$/, '');
  }

  /** GET `path` (`Observation`, `Patient/1`, or '' for the base) with the query as given. */
  async get(
    path: string,
    query: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<UpstreamAnswer> {
    return this.#exchange('GET', path, query, headers, {}, undefined);
  }

  /**
   * POST, PUT or DELETE `path` (`Observation`, `Observation/1`) without a query: a query would make it a
   * conditional write (FHIR R4 http.html#cond-update), whose target the sandbox never checked. `ifMatch` is
   * the version the write is conditional on (http.html#concurrency); `body` is sent as FHIR JSON.
   */
  async write(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    { ifMatch, body }: { readonly ifMatch: string | undefined; readonly body?: unknown },
  ): Promise<UpstreamAnswer> {
    const own: Record<string, string> = {};
    if (ifMatch !== undefined) own['if-match'] = ifMatch;
    if (body !== undefined) own['content-type'] = 'application/fhir+json';
    return this.#exchange(
      method,
      path,
      '',
      headers,
      own,
      body === undefined ? undefined : JSON.stringify(body),
    );
  }

  async #exchange(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    query: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    own: Readonly<Record<string, string>>,
    payload: string | undefined,
  ): Promise<UpstreamAnswer> {
    const url = `${this.base}${path === '' ? '' : `/${path}`}${query === '' ? '' : `?${query}`}`;
    const sent: Record<string, string> = { accept: 'application/fhir+json' };
    for (const name of PASSED_ON) {
      const value = headers[name];
      if (typeof value === 'string') sent[name] = value;
    }
    Object.assign(sent, own);
    if (this.authorization !== undefined) sent['authorization'] = this.authorization;
    let res: Response;
    const signal = AbortSignal.timeout(UPSTREAM_LIMITS.timeoutMs);
    try {
      res = await fetch(url, {
        method,
        headers: sent,
        ...(payload === undefined ? {} : { body: payload }),
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw new UpstreamError(this.#failure(err));
    }
    const text = await this.#readBounded(res);
    const type = res.headers.get('content-type') ?? '';
    let body: Record<string, unknown> | undefined;
    if (text !== '') {
      if (!/json/i.test(type)) {
        throw new UpstreamError(
          `answered ${res.status} with ${type || 'no Content-Type'}; the sandbox checks FHIR JSON only (ask for application/fhir+json)`,
        );
      }
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        throw new UpstreamError(`answered ${res.status} with a body that is not a JSON object`);
      }
    }
    const header = (name: string) => res.headers.get(name) ?? undefined;
    return {
      status: res.status,
      location: header('location'),
      contentLocation: header('content-location'),
      etag: header('etag'),
      lastModified: header('last-modified'),
      body,
    };
  }

  async #readBounded(res: Response): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > UPSTREAM_LIMITS.responseBytes) {
      await res.body?.cancel();
      throw new UpstreamError(this.#tooLarge());
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    try {
      for (;;) {
        if (reader === undefined) break;
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > UPSTREAM_LIMITS.responseBytes) {
          await reader.cancel();
          throw new UpstreamError(this.#tooLarge());
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      throw new UpstreamError(this.#failure(err));
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #tooLarge(): string {
    return `answered with more than ${UPSTREAM_LIMITS.responseBytes} bytes (the upstream answer limit, fixed); ask for a smaller page with _count`;
  }

  #failure(err: unknown): string {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return `did not answer within ${UPSTREAM_LIMITS.timeoutMs / 1000} s (the upstream timeout, fixed)`;
    }
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    return `could not be reached (${cause})`;
  }

  /**
   * A URL of the upstream rewritten onto `sandboxBase`, compared as URLs (a host in another case, an explicit
   * default port); undefined for any other URL: handed to the app, it would lead its next request (with its
   * access token) past the sandbox's checks, so it is never passed on.
   */
  rebase(url: string, sandboxBase: string): string | undefined {
    let own: URL;
    let theirs: URL;
    try {
      own = new URL(this.base);
      theirs = new URL(url, `${this.base}/`);
    } catch {
      return undefined;
    }
    const prefix = own.pathname.replace(/\/+$/, '');
    const rest = theirs.pathname.slice(prefix.length);
    if (theirs.origin !== own.origin || !theirs.pathname.startsWith(prefix)) return undefined;
    if (rest !== '' && !rest.startsWith('/')) return undefined;
    return `${sandboxBase}${rest}${theirs.search}`;
  }
}

export function isResource(value: unknown): value is FhirResource {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r['resourceType'] === 'string' && typeof r['id'] === 'string';
}
