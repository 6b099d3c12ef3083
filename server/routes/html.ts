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

// Large type, strong contrast and big targets: these pages are often shown on a projector in a demo.
const STYLE = `
body{font:19px/1.55 system-ui,sans-serif;margin:0;padding:2rem;background:#f6f7f9;color:#14181d}
main{max-width:46rem;margin:auto;background:#fff;border:1px solid #c9d0d8;border-radius:8px;padding:1.75rem 2.25rem}
h1{font-size:1.6rem;margin-top:0}code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}
.rule,.muted{color:#444d57;font-size:.95rem}
h2{font-size:1.2rem;margin:1.25rem 0 .5rem}ul.scopes{padding-left:1.2rem}ul.scopes li{margin:.35rem 0}
fieldset{border:2px solid #c9d0d8;border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}legend{font-weight:700;font-size:1.1rem;padding:0 .3rem}
.choice{display:flex;gap:.6rem;align-items:baseline;margin:.5rem 0}.choice input{margin:0;width:1.15rem;height:1.15rem;flex:none}
.signed-in{font-size:1.1rem}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font:inherit;font-weight:600;padding:.6rem 1.5rem;border-radius:6px;border:2px solid #6b7580;background:#fff;color:#14181d;cursor:pointer}
button.primary{background:#0a4f96;border-color:#0a4f96;color:#fff}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
@media (prefers-color-scheme: dark){body{background:#0d1014;color:#f0f3f6}main{background:#171b20;border-color:#3a434d}code{background:#2c333b}.rule,.muted{color:#bcc5ce}fieldset{border-color:#3a434d}button{background:#232930;color:#f0f3f6;border-color:#8a949e}button.primary{background:#5aa2e8;border-color:#5aa2e8;color:#0b0d10}}`;

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
