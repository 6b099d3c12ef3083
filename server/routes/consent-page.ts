import type { FastifyReply } from 'fastify';
import type { RegisteredClient } from '../config/defaults.js';
import { displayName, type FhirResource } from '../fhir/data.js';
import { patientOf } from '../fhir/search.js';
import type { Picked } from '../launch/code-context.js';
import { configuredContext } from '../launch/launches.js';
import { InvalidRequest } from '../oauth/errors.js';
import type { Params } from '../oauth/form.js';
import { describeScope } from '../oauth/scope-words.js';
import type { Sandbox } from '../sandbox.js';
import type { PendingAuthorization } from '../store/pending-authorizations.js';
import { escapeHtml, sendPage } from './html.js';

/** One option of a picker on the consent page. */
export interface Choice {
  readonly value: string;
  readonly label: string;
  readonly detail: string;
}

/** The patient picker: offered when `launch/patient` is asked for and no EHR launch chose the patient. */
export function patientChoices(sandbox: Sandbox, pending: PendingAuthorization): Choice[] {
  if (!pending.scope.includes('launch/patient') || pending.ehrContext?.patient !== undefined) return [];
  return sandbox.fhir.list('Patient').map((p) => ({
    value: p.id,
    label: displayName(p),
    detail: `Patient/${p.id}${typeof p['birthDate'] === 'string' ? `, born ${p['birthDate']}` : ''}`,
  }));
}

/**
 * The encounter picker: offered when `launch/encounter` is asked for and no EHR launch chose the encounter
 * (SMART App Launch 2.2 §launch context). The first option lets the sandbox choose the chosen patient's.
 */
export function encounterChoices(sandbox: Sandbox, pending: PendingAuthorization): Choice[] {
  if (!pending.scope.includes('launch/encounter') || pending.ehrContext?.encounter !== undefined) return [];
  const patient = pending.ehrContext?.patient;
  const encounters = sandbox.fhir
    .list('Encounter')
    .filter((e) => patient === undefined || patientOf(e) === patient)
    .map((e) => {
      const of = patientOf(e);
      const period = (e['period'] as { start?: string } | undefined)?.start;
      return {
        value: e.id,
        label: `${encounterLabel(e)}${of === undefined ? '' : ` — ${patientName(sandbox, of)}`}`,
        detail: `Encounter/${e.id}${period === undefined ? '' : `, ${period.slice(0, 10)}`}`,
      };
    });
  return [
    {
      value: AUTO_ENCOUNTER,
      label: 'The patient’s encounter',
      detail: 'the configured one, else the patient’s first',
    },
    ...encounters,
  ];
}

/** An encounter's kind in words: its type's text, else its class's display. */
function encounterLabel(e: FhirResource): string {
  const type = (e['type'] as readonly { text?: string }[] | undefined)?.[0]?.text;
  const cls = (e['class'] as { display?: string } | undefined)?.display;
  return type ?? cls ?? `Encounter/${e.id}`;
}

/** The encounter picker's "let the sandbox choose" option. */
const AUTO_ENCOUNTER = 'auto';

/** The personas on the sign-in step, the default one first. */
export function personaChoices(sandbox: Sandbox): Choice[] {
  return sandbox.personas.list().map((p) => ({
    value: p.id,
    label: p.name,
    detail: `${p.fhirUser}${p.email === undefined ? '' : `, ${p.email}`}`,
  }));
}

function picker(
  name: string,
  legend: string,
  choices: readonly Choice[],
  checked: string | undefined,
): string {
  if (choices.length === 0) return '';
  const selected = choices.some((c) => c.value === checked) ? checked : choices[0]?.value;
  const options = choices
    .map((c, i) => {
      const id = `${name}-${i}`;
      return `<div class="choice"><input type="radio" id="${id}" name="${name}" value="${escapeHtml(c.value)}"${c.value === selected ? ' checked' : ''} required><label for="${id}">${escapeHtml(c.label)} <span class="muted">${escapeHtml(c.detail)}</span></label></div>`;
    })
    .join('');
  return `<fieldset><legend>${escapeHtml(legend)}</legend>${options}</fieldset>`;
}

/** CSP `form-action` source for the redirect that follows the decision (an origin, or a custom scheme). */
function redirectSource(target: string): string {
  const url = new URL(target);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

/** What both steps of interactive mode show and post back: the request waiting for a decision and where. */
export interface PendingStep {
  readonly sandbox: Sandbox;
  readonly client: RegisteredClient;
  readonly pending: PendingAuthorization;
  /** The key of the waiting request, posted back as `request`. */
  readonly pendingId: string;
  readonly decisionPath: string;
}

/**
 * The consent page of interactive mode: who asks, where the answer goes, what each scope allows in plain
 * words, the patient and user pickers, Approve and Deny. No script; a plain form, usable by keyboard alone.
 */
export function consentPage(reply: FastifyReply, step: PendingStep): FastifyReply {
  const { sandbox, client, pending, pendingId, decisionPath } = step;
  const name = client.clientName ?? client.clientId;
  const configured = configuredContext(sandbox.config);
  const scopes = pending.scope
    .map((s) => `<li><code>${escapeHtml(s)}</code> — ${escapeHtml(describeScope(s))}</li>`)
    .join('');
  const ehr = pending.ehrContext;
  const launchedFor =
    ehr === undefined
      ? ''
      : `<p>Launched from the EHR${ehr.patient === undefined ? '' : ` for patient <strong>${escapeHtml(patientName(sandbox, ehr.patient))}</strong> (<code>Patient/${escapeHtml(ehr.patient)}</code>)`}${ehr.fhirUser === undefined ? '' : `, signed in as <code>${escapeHtml(ehr.fhirUser)}</code>`}.</p>`;
  const persona = pending.signedIn === undefined ? undefined : sandbox.personas.get(pending.signedIn.persona);
  const signedIn =
    persona === undefined
      ? ''
      : `<p class="signed-in">Signed in as <strong>${escapeHtml(persona.name)}</strong> (<code>${escapeHtml(persona.fhirUser)}</code>)${pending.signedIn?.via === 'remembered' ? ', remembered for this app (clear it in the workbench’s Personas view)' : ''}.</p>`;
  const body = `<h1>Authorize ${escapeHtml(name)}</h1>
${signedIn}
<p><strong>${escapeHtml(name)}</strong> (client id <code>${escapeHtml(client.clientId)}</code>) asks for access to this sandbox’s FHIR server.</p>
<p>After you decide, you go back to <code>${escapeHtml(pending.deliveredTo)}</code>.</p>
${launchedFor}
<h2 id="scopes-heading">It asks to</h2>
<ul class="scopes" aria-labelledby="scopes-heading">${scopes}</ul>
<form method="post" action="${escapeHtml(decisionPath)}">
<input type="hidden" name="request" value="${escapeHtml(pendingId)}">
${picker('patient', 'Patient', patientChoices(sandbox, pending), configured.patient)}
${picker('encounter', 'Encounter', encounterChoices(sandbox, pending), AUTO_ENCOUNTER)}
<div class="actions"><button type="submit" name="decision" value="approve" class="primary">Approve</button><button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>`;
  return sendPage(reply, 200, `Authorize ${name}`, body, {
    formActionSources: [redirectSource(pending.deliveredTo)],
  });
}

/**
 * The sign-in step of interactive mode: who the person is (a persona), and whether to remember the choice for
 * this client. Posted to the decision path with `step=sign-in`; Cancel denies the request.
 */
export function signInPage(
  reply: FastifyReply,
  step: PendingStep,
  checked: string | undefined,
): FastifyReply {
  const { sandbox, client, pending, pendingId, decisionPath } = step;
  const name = client.clientName ?? client.clientId;
  const body = `<h1>Sign in to ${escapeHtml(name)}</h1>
<p>Choose who signs in. <strong>${escapeHtml(name)}</strong> learns who you are from the id_token and userinfo (scopes <code>openid</code>, <code>fhirUser</code>, <code>profile</code>, <code>email</code>).</p>
<form method="post" action="${escapeHtml(decisionPath)}">
<input type="hidden" name="request" value="${escapeHtml(pendingId)}">
<input type="hidden" name="step" value="sign-in">
${picker('persona', 'Sign in as', personaChoices(sandbox), checked)}
<div class="choice remember"><input type="checkbox" id="remember" name="remember" value="yes"><label for="remember">Remember this choice for ${escapeHtml(name)}</label></div>
<div class="actions"><button type="submit" name="decision" value="continue" class="primary">Continue</button><button type="submit" name="decision" value="deny" formnovalidate>Cancel</button></div>
</form>`;
  return sendPage(reply, 200, `Sign in to ${name}`, body, {
    formActionSources: [redirectSource(pending.deliveredTo)],
  });
}

/** The sign-in form read back: cancel, or one of the personas (a forged id is refused). */
export function readSignIn(
  form: Params,
  sandbox: Sandbox,
):
  | { readonly kind: 'deny' }
  | { readonly kind: 'sign-in'; readonly persona: string; readonly remember: boolean } {
  if (form.get('decision') === 'deny') return { kind: 'deny' };
  const persona = form.get('persona');
  if (
    form.get('decision') !== 'continue' ||
    persona === undefined ||
    sandbox.personas.get(persona) === undefined
  ) {
    throw new InvalidRequest(
      'the sign-in form was incomplete (continue with one of the offered personas, or cancel); start again from the app',
      { rule: 'RFC 6749 §4.1.2.1' },
    );
  }
  return { kind: 'sign-in', persona, remember: form.get('remember') === 'yes' };
}

function patientName(sandbox: Sandbox, id: string): string {
  const patient = sandbox.fhir.get('Patient', id);
  return patient === undefined ? id : displayName(patient);
}

/** What a person decided on the consent page. */
export type Decision = { readonly kind: 'deny' } | { readonly kind: 'approve'; readonly picked: Picked };

/** The picker's answer, if it names one of the offered choices. */
function chosen(value: string | undefined, offered: readonly Choice[]): string | undefined {
  return offered.some((o) => o.value === value) ? value : undefined;
}

/**
 * The consent page's form read back: deny, or approve with one of the offered patients and users (the same
 * choices the page showed, so a forged value is refused). `invalid_request` when it is anything else.
 */
export function readDecision(form: Params, sandbox: Sandbox, pending: PendingAuthorization): Decision {
  const decision = form.get('decision');
  if (decision === 'deny') return { kind: 'deny' };
  const patients = patientChoices(sandbox, pending);
  const encounters = encounterChoices(sandbox, pending);
  const patient = chosen(form.get('patient'), patients);
  // An encounter left unanswered is the sandbox's choice, like the picker's first option.
  const encounterAnswer = form.get('encounter') ?? AUTO_ENCOUNTER;
  const encounter = chosen(encounterAnswer, encounters);
  if (
    decision !== 'approve' ||
    (patients.length > 0 && patient === undefined) ||
    (encounters.length > 0 && encounter === undefined)
  ) {
    throw new InvalidRequest(
      'the decision form was incomplete (approve or deny, and one of the offered patients and encounters); start again from the app',
      { rule: 'RFC 6749 §4.1.2.1' },
    );
  }
  const picked = encounter === undefined || encounter === AUTO_ENCOUNTER ? undefined : encounter;
  const owner =
    picked === undefined
      ? undefined
      : patientOf(sandbox.fhir.get('Encounter', picked) ?? { resourceType: 'Encounter', id: picked });
  const forPatient = patient ?? pending.ehrContext?.patient;
  if (picked !== undefined && forPatient !== undefined && owner !== forPatient) {
    throw new InvalidRequest(
      `encounter ${picked} is ${owner === undefined ? 'no patient’s' : `Patient/${owner}’s`}, not the chosen Patient/${forPatient}’s; pick one of that patient’s encounters or let the sandbox choose`,
      { rule: 'SMART App Launch 2.2 §launch context' },
    );
  }
  return {
    kind: 'approve',
    picked: {
      ...(patient === undefined ? {} : { patient }),
      ...(picked === undefined ? {} : { encounter: picked }),
    },
  };
}
