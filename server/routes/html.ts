import type { FastifyReply } from 'fastify';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Pages the server renders itself: no script, never framed themselves (RFC 9700 §4.16 clickjacking), and
 * framing nothing unless the page names what (the EHR page frames its app).
 */
function contentSecurityPolicy(
  formActionSources: readonly string[],
  frameSources: readonly string[],
): string {
  const formAction = ["'self'", ...formActionSources].join(' ');
  const frameSrc = frameSources.length === 0 ? '' : `; frame-src ${frameSources.join(' ')}`;
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'${frameSrc}`;
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
} as const;

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem;background:#f6f7f9;color:#1b1f24}
main{max-width:40rem;margin:auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin-top:0}code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}
.rule,.muted{color:#56606b;font-size:.9rem}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}ul.scopes{padding-left:1.2rem}ul.scopes li{margin:.35rem 0}
fieldset{border:1px solid #d8dde3;border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}legend{font-weight:600;padding:0 .3rem}
.choice{display:flex;gap:.5rem;align-items:baseline;margin:.4rem 0}.choice input{margin:0}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font:inherit;padding:.5rem 1.25rem;border-radius:6px;border:1px solid #8a949e;background:#fff;color:#1b1f24;cursor:pointer}
button.primary{background:#0b5cad;border-color:#0b5cad;color:#fff}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
@media (prefers-color-scheme: dark){body{background:#111418;color:#e6e9ed}main{background:#1a1e23;border-color:#2c333b}code{background:#2c333b}.rule,.muted{color:#9aa4ae}fieldset{border-color:#2c333b}button{background:#232930;color:#e6e9ed;border-color:#5b6570}button.primary{background:#3d8bd9;border-color:#3d8bd9;color:#0b0d10}}`;

export interface PageOptions {
  /**
   * Where a form on the page may lead besides this server: CSP `form-action` also governs the redirect
   * that follows a form post, so a consent form needs the client's redirect origin here.
   */
  readonly formActionSources?: readonly string[];
  /** What the page may frame (CSP `frame-src`); nothing when absent. */
  readonly frameSources?: readonly string[];
  /** Style rules added after the shared ones, and a class on `<body>` they can key on. */
  readonly style?: string;
  readonly bodyClass?: string;
  /**
   * `same-origin` for a page that posts a form to this server: under `no-referrer` a browser sends
   * `Origin: null` (Fetch §3.2), which the Origin check cannot tell from a foreign page. Others keep `no-referrer`.
   */
  readonly referrerPolicy?: 'no-referrer' | 'same-origin';
}

/** Renders a page; `body` must already be escaped HTML. */
export function sendPage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  options: PageOptions = {},
): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Token Sandbox</title><style>${STYLE}${options.style ?? ''}</style></head><body${options.bodyClass === undefined ? '' : ` class="${escapeHtml(options.bodyClass)}"`}><main>${body}</main></body></html>`;
  return reply
    .code(status)
    .headers({
      ...PAGE_HEADERS,
      'Referrer-Policy': options.referrerPolicy ?? PAGE_HEADERS['Referrer-Policy'],
      'Content-Security-Policy': contentSecurityPolicy(
        options.formActionSources ?? [],
        options.frameSources ?? [],
      ),
    })
    .send(html);
}
