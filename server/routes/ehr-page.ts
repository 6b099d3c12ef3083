import type { FastifyInstance, FastifyReply } from 'fastify';
import { hostGuard } from '../admin/guard.js';
import type { FramingFinding } from '../admin/shapes.js';
import { EHR_FRAME_LIFETIME_MS, EHR_PAGE_PREFIX, checkFrameFraming, type EhrFrame } from '../ehr/frames.js';
import { displayName, type FhirData, type FhirResource } from '../fhir/data.js';
import { ehrLaunchPersona } from '../people/sign-in.js';
import { encounterLabel } from '../launch/context-check.js';
import { LAUNCH_LIFETIME_MS, LaunchError } from '../launch/launches.js';
import { FORM_TYPE } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import type { LaunchContext } from '../store/artefacts.js';
import { escapeHtml, sendPage } from './html.js';

/**
 * Who signs in for the banner: the persona an EHR launch signs in as (`ehrLaunchPersona`, the same rule the
 * authorize pipeline follows), by display name and `fhirUser`; or "No persona" when none is that fhirUser, for
 * then the tokens carry what its FHIR resource says, not a persona's claims.
 */
function bannerUser(sandbox: Sandbox, context: LaunchContext): string {
  const persona = ehrLaunchPersona(sandbox, context);
  if (persona !== undefined) {
    return `<div class="field"><dt>User</dt><dd data-persona="${escapeHtml(persona.id)}" data-testid="banner-user">${escapeHtml(`${persona.name} (${persona.fhirUser})`)}</dd></div>`;
  }
  const text =
    context.fhirUser === undefined
      ? 'No persona (the launch names no user)'
      : `No persona (${context.fhirUser})`;
  return `<div class="field"><dt>User</dt><dd class="none" data-persona="none" data-testid="banner-user">${escapeHtml(text)}</dd></div>`;
}

/** The first identifier of a patient, as "type: value" (the MRN in the fixtures). */
function identifierOf(patient: FhirResource): string | undefined {
  const ids = patient['identifier'];
  const first = Array.isArray(ids) ? (ids[0] as Record<string, unknown> | undefined) : undefined;
  if (first === undefined || typeof first['value'] !== 'string') return undefined;
  const type = first['type'] as { text?: unknown } | undefined;
  return typeof type?.text === 'string' ? `${type.text}: ${first['value']}` : first['value'];
}

function encounterText(fhir: FhirData, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const encounter = fhir.get('Encounter', id);
  return encounter === undefined ? id : encounterLabel(encounter);
}

function field(label: string, value: string | undefined, testId: string): string {
  if (value === undefined) return '';
  return `<div class="field"><dt>${escapeHtml(label)}</dt><dd data-testid="${testId}">${escapeHtml(value)}</dd></div>`;
}

function framingNotice(finding: FramingFinding): string {
  if (finding.verdict === 'allowed') return '';
  if (finding.verdict === 'unchecked') {
    return `<p class="note" data-framing="unchecked">Whether the app allows framing was not checked: ${escapeHtml(finding.reason)}.</p>`;
  }
  return `<div class="refused" role="alert" data-framing="refused"><h2>The app refuses to be framed</h2>
<p>Its launch page <code>${escapeHtml(finding.url)}</code> answers with <code>${escapeHtml(finding.header)}: ${escapeHtml(finding.value)}</code>, so the browser will not show it here.</p>
<p><strong>To fix:</strong> ${escapeHtml(finding.fix)}. Then press Relaunch.</p></div>`;
}

/**
 * The consent page is never framed (RFC 9700 §4.16 clickjacking; routes/html.ts), so in interactive mode the app's
 * authorization cannot finish inside this frame: say so rather than leave an empty frame unexplained.
 */
function interactiveNotice(sandbox: Sandbox): string {
  if (sandbox.settings.authorize.mode !== 'interactive') return '';
  return `<p class="note" data-testid="interactive-note">The sandbox is in interactive mode: its consent page refuses to be framed (clickjacking protection), so the app's authorization cannot finish in this frame. Use Open in a new window from the workbench, or switch authorize.mode to auto.</p>`;
}

const EHR_STYLE = `
body.ehr{padding:0;font-size:18px;display:flex;flex-direction:column;min-height:100vh}
body.ehr main{max-width:none;border:0;border-radius:0;padding:0;margin:0;flex:1;display:flex;flex-direction:column;background:transparent}
.topbar{display:flex;align-items:center;gap:1rem;padding:.5rem 1.25rem;background:#0b3d6e;color:#fff}
.topbar .brand{font-weight:700}.topbar .app{flex:1}.topbar form{margin:0}
.topbar button{background:#fff;color:#0b3d6e;border-color:#fff;font-weight:600}
.banner{display:flex;flex-wrap:wrap;gap:.25rem 2rem;align-items:baseline;padding:.75rem 1.25rem;background:#fff;border-bottom:3px solid #0b5cad}
.banner h1{font-size:1.6rem;margin:0 1rem 0 0}.banner dl{display:flex;flex-wrap:wrap;gap:.25rem 2rem;margin:0}
.banner dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#56606b}.banner dd{margin:0;font-weight:600}
.banner dd.none{font-style:italic;color:#8a3b00}
.refused{margin:1rem 1.25rem 0;padding:1rem 1.25rem;border:2px solid #b42318;border-radius:8px;background:#fdecea;color:#5c0f0a}
.refused h2{margin:0 0 .5rem;font-size:1.2rem}.note{margin:.5rem 1.25rem 0;color:#56606b;font-size:.9rem}
.expired{margin:2rem 1.25rem;font-size:1.1rem}
iframe{flex:1;width:100%;min-height:70vh;border:0;border-top:1px solid #d8dde3;background:#fff;margin-top:.5rem}
@media (prefers-color-scheme: dark){.topbar{background:#0d2238}.topbar button{background:#e6e9ed;color:#0d2238}
.banner{background:#1a1e23;border-bottom-color:#3d8bd9}.banner dt{color:#9aa4ae}
.banner dd.none{color:#fdb022}.refused{background:#3a1210;border-color:#f97066;color:#fde3e1}.note{color:#9aa4ae}iframe{border-top-color:#2c333b}}`;

/** The EHR page: a top bar with Relaunch, the patient banner, the framing finding, and the app in a frame. */
function renderFrame(
  reply: FastifyReply,
  sandbox: Sandbox,
  frame: EhrFrame,
  finding: FramingFinding,
): FastifyReply {
  const context = frame.launch.context;
  const client = sandbox.clients.get(frame.input.clientId);
  const appName = client?.clientName ?? frame.input.clientId;
  const patient = context.patient === undefined ? undefined : sandbox.fhir.get('Patient', context.patient);
  const name = patient === undefined ? (context.patient ?? 'No patient in context') : displayName(patient);
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const banner = `<section class="banner" aria-label="Patient banner"><h1 data-testid="banner-name">${escapeHtml(name)}</h1><dl>
${field('Born', str(patient?.['birthDate']), 'banner-birth-date')}
${field('Gender', str(patient?.['gender']), 'banner-gender')}
${field('Identifier', patient === undefined ? undefined : identifierOf(patient), 'banner-identifier')}
${field('Encounter', encounterText(sandbox.fhir, context.encounter), 'banner-encounter')}
${bannerUser(sandbox, context)}
</dl></section>`;
  const live = sandbox.ehrFrames.launchLive(frame);
  const app = live
    ? `<iframe src="${escapeHtml(frame.launch.url)}" title="${escapeHtml(appName)}" referrerpolicy="no-referrer" sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads"></iframe>`
    : `<p class="expired" data-testid="launch-expired">This launch has expired (launches live ${LAUNCH_LIFETIME_MS / 60_000} minutes). Press Relaunch for a fresh one with the same context.</p>`;
  const body = `<header class="topbar"><span class="brand">Token Sandbox EHR</span><span class="app">${escapeHtml(appName)}</span>
<form method="post" action="${sandbox.basePath}${EHR_PAGE_PREFIX}/${escapeHtml(encodeURIComponent(frame.id))}/relaunch"><button type="submit">Relaunch</button></form></header>
${banner}
${framingNotice(finding)}
${interactiveNotice(sandbox)}
${app}`;
  const appOrigin = new URL(frame.launch.url).origin;
  return sendPage(reply, 200, `${name} · ${appName}`, body, {
    // The app's own origin, and the authorization endpoint the app sends its frame to (SMART App Launch 2.2
    // §EHR launch); path-exact, so no other page of the sandbox can be framed here.
    frameSources: [appOrigin, sandbox.urls.authorize],
    style: EHR_STYLE,
    bodyClass: 'ehr',
    // The page's id is its key: it never leaves in a Referer to the app (the frame says no-referrer as well),
    // yet Relaunch must carry this origin to pass the Origin check.
    referrerPolicy: 'same-origin',
  });
}

function missing(reply: FastifyReply, why: 'unknown' | 'expired'): FastifyReply {
  const text =
    why === 'expired'
      ? `This EHR page has expired (pages live ${EHR_FRAME_LIFETIME_MS / 60_000} minutes after their last launch).`
      : 'There is no EHR page at this address: the link is wrong, or the sandbox restarted since it was made.';
  return sendPage(
    reply,
    404,
    'EHR page not found',
    `<h1>EHR page not found</h1><p>${text}</p><p>Open a new one from the workbench: Launch, then <strong>Open in EHR</strong>.</p>`,
  );
}

/**
 * `GET /_sandbox/ehr/:frame`, the EHR page, and `POST /_sandbox/ehr/:frame/relaunch`, which mints a fresh launch
 * with the same context and shows the page again (303). The random id is the key; Host and Origin are checked as
 * for the workbench (DNS rebinding, cross-site posts), and no CORS header is ever sent.
 */
export function ehrPageRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', hostGuard(sandbox));
    // The Relaunch form posts nothing but its empty body; anything larger is refused.
    app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => {
      done(null, {});
    });

    app.get<{ Params: { frame: string } }>(`${EHR_PAGE_PREFIX}/:frame`, async (request, reply) => {
      const frame = sandbox.ehrFrames.get(request.params.frame);
      if (typeof frame === 'string') return missing(reply, frame);
      return renderFrame(reply, sandbox, frame, await checkFrameFraming(sandbox, frame));
    });

    app.post<{ Params: { frame: string } }>(`${EHR_PAGE_PREFIX}/:frame/relaunch`, async (request, reply) => {
      const frame = sandbox.ehrFrames.get(request.params.frame);
      if (typeof frame === 'string') return missing(reply, frame);
      try {
        await sandbox.ehrFrames.relaunch(frame);
      } catch (err) {
        if (!(err instanceof LaunchError)) throw err;
        // The client or the FHIR data changed since the page was made.
        return sendPage(
          reply,
          409,
          'Relaunch failed',
          `<h1>Relaunch failed</h1><p>${escapeHtml(err.message)}</p><p>Start a new launch from the workbench.</p>`,
        );
      }
      return reply
        .code(303)
        .header('Location', `${sandbox.basePath}${EHR_PAGE_PREFIX}/${encodeURIComponent(frame.id)}`)
        .send();
    });
  };
}
