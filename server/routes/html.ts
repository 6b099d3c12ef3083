import type { FastifyReply } from 'fastify';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Pages the server renders itself: no script, no framing (RFC 9700 §4.16 clickjacking). */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
} as const;

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem;background:#f6f7f9;color:#1b1f24}
main{max-width:40rem;margin:auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin-top:0}code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}
.rule{color:#56606b;font-size:.9rem}
@media (prefers-color-scheme: dark){body{background:#111418;color:#e6e9ed}main{background:#1a1e23;border-color:#2c333b}code{background:#2c333b}.rule{color:#9aa4ae}}`;

/** Renders a page; `body` must already be escaped HTML. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Token Sandbox</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}
