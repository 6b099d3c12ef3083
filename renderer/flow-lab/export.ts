import type { FlowContext, FlowDefinition } from './flows.js';
import { verdictOf, type WalkedStep } from './runner.js';
import { encodeForm, isAdminUrl, type WireRequest } from './wire.js';

/** A value learnt from the server during the walk, and the shell variable that stands for it in the script. */
interface Learnt {
  readonly value: string;
  readonly variable: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A double-quoted shell word for `text`, with the origin and every learnt value replaced by its variable.
 * The values are found in the text as sent, before anything is escaped: a token holding `$`, `"`, `\` or a
 * backquote looks different once escaped, and would otherwise be written out in clear.
 */
function shellQuote(text: string, learnt: readonly Learnt[], origin: string): string {
  const variables = new Map<string, string>(origin === '' ? [] : [[origin, 'BASE']]);
  // Short values would match by accident inside unrelated text; the admin token never reaches here.
  for (const { value, variable } of learnt) if (value.length >= 8) variables.set(value, variable);
  // Longest first, so a token never matches inside a longer one.
  const pattern = [...variables.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
  const parts = pattern === '' ? [text] : text.split(new RegExp(`(${pattern})`));
  const quoted = parts
    .map((part, i) => (i % 2 === 1 ? `\${${variables.get(part) ?? ''}}` : part.replace(/[\\"$`]/g, '\\$&')))
    .join('');
  return `"${quoted}"`;
}

/** The admin API's bearer header, whatever the token is: always the script's own variable, never the value. */
const ADMIN_AUTHORIZATION = '-H "Authorization: Bearer ${ADMIN_TOKEN}"';

function curlCommand(
  request: WireRequest,
  learnt: readonly Learnt[],
  ctx: Pick<FlowContext, 'origin' | 'adminToken'>,
): string {
  const q = (s: string) => shellQuote(s, learnt, ctx.origin);
  const parts = ['curl -sS', `-X ${request.method}`];
  for (const [name, value] of Object.entries(request.headers)) {
    const admin = name.toLowerCase() === 'authorization' && value === `Bearer ${ctx.adminToken}`;
    parts.push(admin ? ADMIN_AUTHORIZATION : `-H ${q(`${name}: ${value}`)}`);
  }
  const url = new URL(request.url);
  const query = [...url.searchParams.entries()];
  url.search = '';
  if (request.form !== undefined) {
    for (const [k, v] of Object.entries(request.form)) parts.push(`--data-urlencode ${q(`${k}=${v}`)}`);
  } else if (request.json !== undefined) {
    parts.push(`-H "Content-Type: application/json"`, `--data-binary ${q(JSON.stringify(request.json))}`);
  } else if (query.length > 0) {
    parts.push('-G');
    for (const [k, v] of query) parts.push(`--data-urlencode ${q(`${k}=${v}`)}`);
  }
  parts.push(q(url.toString()));
  return parts.join(' \\\n  ');
}

const PRELUDE = `#!/usr/bin/env bash
# Replays a Token Sandbox Flow Lab walk with curl. Every request is the one the walk sent (edits included);
# codes and tokens are taken from this run's own responses, and each answer is checked against the walk's.
set -euo pipefail
BASE="\${SANDBOX_URL:-__ORIGIN__}"
# The admin token registers the walk's clients; the walk's own is never written into the script.
ADMIN_TOKEN="\${ADMIN_TOKEN:?set ADMIN_TOKEN to the admin token of the sandbox: the part after ?token= in the URL it printed}"

json_field() { sed -n 's/.*"'"$1"'":"\\([^"]*\\)".*/\\1/p'; }
query_param() { printf '%s' "$1" | sed -n 's/.*[?&]'"$2"'=\\([^&#]*\\).*/\\1/p'; }
send() {
  local out
  out=$("$@" -w '\\n%{http_code} %{redirect_url}')
  STATUS=\${out##*$'\\n'}
  BODY=\${out%$'\\n'*}
  LOCATION=\${STATUS#* }
  STATUS=\${STATUS%% *}
  printf '%s\\n%s\\n' "HTTP $STATUS $LOCATION" "$BODY"
}
expect_status() {
  if [ "$STATUS" != "$1" ]; then echo "expected HTTP $1, got $STATUS" >&2; exit 1; fi
}
expect_success() {
  case "$STATUS" in 2??) ;; *) echo "expected success, got HTTP $STATUS" >&2; exit 1 ;; esac
}
expect_redirect() {
  case "$STATUS" in 302|303) ;; *) echo "expected a redirect, got HTTP $STATUS" >&2; exit 1 ;; esac
}
`;

function assertionBlock(step: WalkedStep): string {
  const key = step.after.backendKey?.privateJwk;
  const iss = 'flow-lab-backend';
  return `# A fresh client assertion (the walk's one was single-use), signed with the walk's key by node and jose.
ASSERTION=$(node --input-type=module -e '
import { importJWK, SignJWT } from "jose";
const key = await importJWK(${JSON.stringify(key)}, "ES384");
const now = Math.floor(Date.now() / 1000);
process.stdout.write(await new SignJWT({ jti: crypto.randomUUID() })
  .setProtectedHeader({ alg: "ES384", kid: "flow-lab-1", typ: "JWT" })
  .setIssuer("${iss}").setSubject("${iss}").setAudience(process.argv[1])
  .setIssuedAt(now).setExpirationTime(now + 240).sign(key));
' "\${BASE}/token")`;
}

/** A runnable bash script of curl commands that reproduces the walk against a fresh sandbox. */
export function toCurlScript(flow: FlowDefinition, walked: readonly WalkedStep[], ctx: FlowContext): string {
  const learnt: Learnt[] = [];
  const lines = [PRELUDE.replace('__ORIGIN__', ctx.origin), `# Flow: ${flow.title}`];
  let rt = 0;
  walked.forEach((w, i) => {
    lines.push('', `# ${i + 1}. ${w.step.title}: ${w.step.sentence}`);
    if (w.step.kind === 'local') {
      if (w.step.id === 'assertion') {
        lines.push(assertionBlock(w));
        if (w.after.assertion !== undefined) learnt.push({ value: w.after.assertion, variable: 'ASSERTION' });
      } else if (w.after.pkce !== undefined && w.before.pkce === undefined) {
        lines.push(
          `# code_verifier ${w.after.pkce.verifier}`,
          `# code_challenge ${w.after.pkce.challenge} (S256)`,
        );
      } else {
        lines.push('# (computed by the app; nothing is sent)');
      }
      return;
    }
    if (w.request === undefined || w.response === undefined) return;
    lines.push(`send ${curlCommand(w.request, learnt, ctx)}`);
    // The walk followed redirects (a browser must); curl does not, so a redirect is checked as one.
    // Registering a client is a PUT: 201 on a fresh sandbox, 200 where it already exists; both are success.
    lines.push(
      w.response.redirectedTo !== undefined
        ? 'expect_redirect'
        : w.request.method === 'PUT' && w.response.status < 300
          ? 'expect_success'
          : `expect_status ${w.response.status}`,
    );
    const after = w.after;
    if (after.code !== undefined && after.code !== w.before.code) {
      lines.push('CODE=$(query_param "$LOCATION" code)');
      learnt.push({ value: after.code, variable: 'CODE' });
    }
    if (after.launch !== undefined && after.launch !== w.before.launch) {
      lines.push(
        "LAUNCH=$(printf '%s' \"$BODY\" | json_field url | sed -n 's/.*[?&]launch=\\([^&]*\\).*/\\1/p')",
      );
      learnt.push({ value: after.launch, variable: 'LAUNCH' });
    }
    if (after.accessToken !== undefined && after.accessToken !== w.before.accessToken) {
      lines.push(`ACCESS_TOKEN_${i + 1}=$(printf '%s' "$BODY" | json_field access_token)`);
      learnt.push({ value: after.accessToken, variable: `ACCESS_TOKEN_${i + 1}` });
    }
    for (const token of after.refreshTokens.slice(w.before.refreshTokens.length)) {
      rt += 1;
      lines.push(`RT${rt}=$(printf '%s' "$BODY" | json_field refresh_token)`);
      learnt.push({ value: token, variable: `RT${rt}` });
    }
  });
  lines.push('', 'echo "replayed ${0##*/}: every step answered as in the walk"', '');
  return lines.join('\n');
}

function httpText(request: WireRequest): string {
  const url = new URL(request.url);
  const head = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  // The admin API's bearer token is the sandbox's master key: a transcript names it, never shows it.
  const admin = isAdminUrl(request.url);
  for (const [k, v] of Object.entries(request.headers)) {
    head.push(`${k}: ${admin && k.toLowerCase() === 'authorization' ? 'Bearer <admin token>' : v}`);
  }
  if (request.form !== undefined)
    return [...head, 'Content-Type: application/x-www-form-urlencoded', '', encodeForm(request.form)].join(
      '\n',
    );
  if (request.json !== undefined)
    return [...head, 'Content-Type: application/json', '', JSON.stringify(request.json, null, 2)].join('\n');
  return head.join('\n');
}

/** A Markdown transcript of the walk: each step's sentence, the exact request and response, the verdict. */
export function toMarkdown(flow: FlowDefinition, walked: readonly WalkedStep[]): string {
  const out = [`# ${flow.title}`, '', flow.summary, ''];
  walked.forEach((w, i) => {
    out.push(
      `## ${i + 1}. ${w.step.title}`,
      '',
      w.step.sentence,
      '',
      `_${w.step.narration} (${w.step.cite})_`,
      '',
    );
    const edited = Object.entries(w.edits);
    if (edited.length > 0)
      out.push(`Edited before sending: ${edited.map(([k, v]) => `\`${k}=${v}\``).join(', ')}`, '');
    if (w.request !== undefined) out.push('Request:', '', '```http', httpText(w.request), '```', '');
    if (w.response !== undefined) {
      const verdict = verdictOf(w.response);
      const status =
        w.response.redirectedTo === undefined
          ? `HTTP ${w.response.status}`
          : `redirect to ${w.response.redirectedTo}`;
      out.push(
        'Response:',
        '',
        '```',
        status,
        w.response.redirectedTo === undefined ? w.response.body : '',
        '```',
        '',
      );
      out.push(`Verdict: ${verdict.ok ? 'accepted' : 'rejected'}: ${verdict.text}`, '');
    }
    if (w.step.kind === 'local' && w.after.pkce !== undefined && w.before.pkce === undefined) {
      out.push(
        `- code_verifier: \`${w.after.pkce.verifier}\``,
        `- SHA-256 (hex): \`${w.after.pkce.sha256Hex}\``,
        `- code_challenge (base64url): \`${w.after.pkce.challenge}\``,
        '',
      );
    }
  });
  return out.join('\n');
}
