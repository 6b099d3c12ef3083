import type { FastifyReply } from 'fastify';
import type { RegisteredClient } from '../config/defaults.js';
import { displayName } from '../fhir/data.js';
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

/** The user picker: offered for standalone launches; an EHR launch already says who the user is. */
export function userChoices(sandbox: Sandbox, pending: PendingAuthorization): Choice[] {
  if (pending.ehrContext !== undefined) return [];
  const people = [...sandbox.fhir.list('Practitioner'), ...sandbox.fhir.list('Patient')].map((r) => ({
    value: `${r.resourceType}/${r.id}`,
    label: displayName(r),
    detail: `${r.resourceType}/${r.id}${r.resourceType === 'Patient' ? ' (patient portal user)' : ''}`,
  }));
  const configured = configuredContext(sandbox.config).fhirUser;
  if (configured !== undefined && !people.some((p) => p.value === configured)) {
    people.unshift({ value: configured, label: configured, detail: 'the config’s launch.fhirUser' });
  }
  return people;
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

/**
 * The consent page of interactive mode: who asks, where the answer goes, what each scope allows in plain
 * words, the patient and user pickers, Approve and Deny. No script; a plain form, usable by keyboard alone.
 */
export function consentPage(
  reply: FastifyReply,
  sandbox: Sandbox,
  client: RegisteredClient,
  pending: PendingAuthorization,
  pendingId: string,
  decisionPath: string,
): FastifyReply {
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
  const body = `<h1>Authorize ${escapeHtml(name)}</h1>
<p><strong>${escapeHtml(name)}</strong> (client id <code>${escapeHtml(client.clientId)}</code>) asks for access to this sandbox’s FHIR server.</p>
<p>After you decide, you go back to <code>${escapeHtml(pending.deliveredTo)}</code>.</p>
${launchedFor}
<h2 id="scopes-heading">It asks to</h2>
<ul class="scopes" aria-labelledby="scopes-heading">${scopes}</ul>
<form method="post" action="${escapeHtml(decisionPath)}">
<input type="hidden" name="request" value="${escapeHtml(pendingId)}">
${picker('patient', 'Patient', patientChoices(sandbox, pending), configured.patient)}
${picker('user', 'Signed-in user', userChoices(sandbox, pending), configured.fhirUser)}
<div class="actions"><button type="submit" name="decision" value="approve" class="primary">Approve</button><button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>`;
  return sendPage(reply, 200, `Authorize ${name}`, body, {
    formActionSources: [redirectSource(pending.deliveredTo)],
  });
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
  const users = userChoices(sandbox, pending);
  const patient = chosen(form.get('patient'), patients);
  const fhirUser = chosen(form.get('user'), users);
  if (
    decision !== 'approve' ||
    (patients.length > 0 && patient === undefined) ||
    (users.length > 0 && fhirUser === undefined)
  ) {
    throw new InvalidRequest(
      'the decision form was incomplete (approve or deny, and one of the offered patients and users); start again from the app',
      { rule: 'RFC 6749 §4.1.2.1' },
    );
  }
  return {
    kind: 'approve',
    picked: {
      ...(patient === undefined ? {} : { patient }),
      ...(fhirUser === undefined ? {} : { fhirUser }),
    },
  };
}
