import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Choices } from '../exchanges/exchange.js';
import { codeContext, type Picked } from '../launch/code-context.js';
import { toSeconds } from '../clock.js';
import type { RegisteredClient } from '../config/defaults.js';
import { AccessDenied, InvalidRequest, OAuthError } from '../oauth/errors.js';
import { bodyText, parseStrictForm, requireFormContentType } from '../oauth/form.js';
import { personaSub } from '../people/personas.js';
import { asksWhoSignsIn, defaultPersona, rememberedSignIn } from '../people/sign-in.js';
import type { Sandbox } from '../sandbox.js';
import type { LaunchContext } from '../store/artefacts.js';
import type { PendingAuthorization } from '../store/pending-authorizations.js';
import { errorPage, redirectError, redirectTo } from './authorize-replies.js';
import {
  consentPage,
  encounterChoices,
  patientChoices,
  readDecision,
  readSignIn,
  signInPage,
  type Decision,
} from './consent-page.js';
import { decisionPath, PROFILE_ROUTES } from './profile-paths.js';

// The consent decision of interactive mode, beside its pages (consent-page.ts): which page comes first, what
// the posted form decides, and the code issued on approval. The authorize pipeline (authorize.ts) hands over
// here once a request is valid.

/** How the request reached its decision: shown by a person (interactive) or made without one (auto). */
export type Route = { readonly mode: 'auto' } | { readonly mode: 'interactive'; readonly picked: Picked };

/**
 * The exchange log's structured account of who signed in and what was chosen (the verdict's `details.choices`):
 * a reader learns which steps were shown and which the scopes or an EHR launch made unnecessary.
 */
function choicesOf(
  sandbox: Sandbox,
  request: PendingAuthorization,
  context: LaunchContext,
  sub: string,
  route: Route,
): Choices {
  const ehr = request.ehrContext;
  const picked = route.mode === 'interactive' ? route.picked : {};
  const signedIn = request.signedIn;
  const skipped: Choices['skipped'] = [];
  if (
    route.mode === 'auto' ||
    signedIn === undefined ||
    signedIn.via === 'default' ||
    signedIn.via === 'ehr-launch'
  ) {
    skipped.push('sign-in');
  }
  if (route.mode === 'auto' || patientChoices(sandbox, request).length === 0) skipped.push('patient');
  if (route.mode === 'auto' || encounterChoices(sandbox, request).length === 0) skipped.push('encounter');
  const via = (value: string | undefined, fromEhr: string | undefined, chosen: string | undefined) =>
    value === undefined
      ? undefined
      : {
          id: value,
          via:
            fromEhr !== undefined
              ? ('ehr-launch' as const)
              : chosen !== undefined
                ? ('picked' as const)
                : ('configured' as const),
        };
  const patient = via(context.patient, ehr?.patient, picked.patient);
  const encounter = via(context.encounter, ehr?.encounter, picked.encounter);
  return {
    ...(signedIn === undefined ? {} : { persona: { id: signedIn.persona, sub, via: signedIn.via } }),
    ...(patient === undefined ? {} : { patient }),
    ...(encounter === undefined ? {} : { encounter }),
    skipped,
  };
}

/** Issues the code as the signed-in persona and redirects back to the client (RFC 6749 §4.1.2). */
export function approve(
  sandbox: Sandbox,
  reply: FastifyReply,
  request: PendingAuthorization,
  route: Route,
  status: 302 | 303,
): FastifyReply {
  const now = sandbox.clock.now();
  const persona = request.signedIn === undefined ? undefined : sandbox.personas.get(request.signedIn.persona);
  const picked = route.mode === 'interactive' ? route.picked : {};
  const context = codeContext(sandbox, request.scope, request.ehrContext, {
    ...picked,
    ...(persona === undefined ? {} : { fhirUser: persona.fhirUser }),
  });
  // The persona's stable sub; a user that is no persona (an EHR launch's other fhirUser) is its fhirUser.
  const sub = persona === undefined ? context.fhirUser : personaSub(persona);
  const code = sandbox.store.issueCode({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    deliveredTo: request.deliveredTo,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    nonce: request.nonce,
    sub,
    authTime: toSeconds(now),
    context,
    expiresAt: now + sandbox.settings.tokens.codeLifetime * 1000,
  });
  reply.request.sandboxDetails = { choices: choicesOf(sandbox, request, context, sub, route) };
  // What the exchange log shows as the verdict of this authorization request.
  reply.request.sandboxNotes = [
    ...(request.codeChallenge === undefined
      ? []
      : [{ text: 'PKCE S256 code_challenge recorded', rule: 'RFC 7636 §4.4' }]),
    {
      text: `authorization code issued to ${request.clientId}, sent to ${request.deliveredTo} (scope ${request.scope.join(' ')})`,
      rule: 'RFC 6749 §4.1.2',
    },
    ...(persona === undefined
      ? []
      : [
          {
            text: `signed in as ${persona.name} (persona ${persona.id}, sub ${sub})`,
            rule: 'OpenID Connect Core §2',
          },
        ]),
  ];
  return reply.redirect(
    redirectTo(request.deliveredTo, { code: code.code, state: request.state, iss: sandbox.urls.issuer }),
    status,
  );
}

/**
 * Interactive mode's first page: the sign-in step when the scopes ask who the user is and no choice is
 * remembered for the client, else the consent page as whoever is signed in.
 */
export function firstPage(
  sandbox: Sandbox,
  reply: FastifyReply,
  client: RegisteredClient,
  pending: PendingAuthorization,
): FastifyReply {
  const path = consentFormAction(sandbox);
  // With every persona removed there is no one to pick: the request goes on as the configured fhirUser.
  if (asksWhoSignsIn(pending.scope, pending.ehrContext) && sandbox.personas.list().length > 0) {
    const remembered = rememberedSignIn(sandbox, client.clientId);
    if (remembered === undefined) {
      const id = sandbox.pendingAuthorizations.put({ ...pending, awaitingSignIn: true });
      const step = { sandbox, client, pending, pendingId: id, decisionPath: path };
      return signInPage(reply, step, defaultPersona(sandbox, client)?.id);
    }
    const signedIn = { ...pending, signedIn: remembered };
    const pendingId = sandbox.pendingAuthorizations.put(signedIn);
    return consentPage(reply, { sandbox, client, pending: signedIn, pendingId, decisionPath: path });
  }
  const id = sandbox.pendingAuthorizations.put(pending);
  return consentPage(reply, { sandbox, client, pending, pendingId: id, decisionPath: path });
}

/**
 * The decision route, registered in the authorize plugin so it shares its form parsing, error page and profile
 * path rewrite.
 */
export function consentDecisionRoute(app: FastifyInstance, sandbox: Sandbox): void {
  // The consent page's form lands here. The pending id is unguessable and single-use, so only the page
  // that was shown can decide, and only once (a forged cross-site post has no valid id).
  app.post(PROFILE_ROUTES.decision, async (request, reply) => {
    let pending: PendingAuthorization;
    let decision: Decision;
    try {
      requireFormContentType(request.headers['content-type']);
      const form = parseStrictForm(bodyText(request));
      pending = takePending(sandbox, form.get('request'));
      const step = form.get('step') === 'sign-in' ? 'sign-in' : 'consent';
      // A deny ends the request from either page (Cancel on the sign-in step, Deny on the consent page, or a
      // script that only knows the consent form): refusing needs no answer to the step it skips.
      const denying = form.get('decision') === 'deny';
      if (!denying && (pending.awaitingSignIn === true) !== (step === 'sign-in')) {
        // Each page's form answers only its own step: the consent page cannot skip who signs in.
        throw new InvalidRequest(
          `this authorization request waits for the ${pending.awaitingSignIn === true ? 'sign-in step' : 'consent page'}, not the ${step === 'sign-in' ? 'sign-in step' : 'consent page'}; start again from the app`,
          { rule: 'RFC 6749 §4.1.2.1' },
        );
      }
      if (denying) {
        decision = { kind: 'deny' };
      } else if (step === 'sign-in') {
        const signIn = readSignIn(form, sandbox);
        if (signIn.kind === 'sign-in') {
          return await signedIn(sandbox, reply, pending, signIn.persona, signIn.remember);
        }
        decision = { kind: 'deny' };
      } else {
        decision = readDecision(form, sandbox, pending);
      }
    } catch (err) {
      if (err instanceof OAuthError) return errorPage(reply, err);
      throw err;
    }
    if (decision.kind === 'deny') {
      const denied = new AccessDenied('the user denied the request', { rule: 'RFC 6749 §4.1.2.1' });
      return redirectError(sandbox, reply, pending.deliveredTo, denied, pending.state, 303);
    }
    return approve(sandbox, reply, pending, { mode: 'interactive', picked: decision.picked }, 303);
  });
}

/**
 * After the sign-in step: remembers the choice for the client when asked to (persisted before the page
 * answers, so it survives a restart), then shows the consent page as that persona under a fresh pending id.
 */
async function signedIn(
  sandbox: Sandbox,
  reply: FastifyReply,
  pending: PendingAuthorization,
  persona: string,
  remember: boolean,
): Promise<FastifyReply> {
  const client = sandbox.clients.get(pending.clientId);
  if (client === undefined)
    throw new InvalidRequest('the client is no longer registered; start again from the app');
  if (remember) {
    const previous = sandbox.rememberedPersonas.get(client.clientId);
    await sandbox.changeDurably(
      () => sandbox.rememberedPersonas.set(client.clientId, persona),
      () =>
        previous === undefined
          ? sandbox.rememberedPersonas.delete(client.clientId)
          : sandbox.rememberedPersonas.set(client.clientId, previous),
    );
  }
  const next: PendingAuthorization = {
    ...pending,
    awaitingSignIn: false,
    signedIn: { persona, via: 'signed-in' },
  };
  const id = sandbox.pendingAuthorizations.put(next);
  const step = { sandbox, client, pending: next, pendingId: id, decisionPath: consentFormAction(sandbox) };
  return consentPage(reply, step);
}

/** Where the consent and sign-in forms post: the profile's decision path under this issuer's own path. */
function consentFormAction(sandbox: Sandbox): string {
  return `${sandbox.basePath}${decisionPath(sandbox.profile)}`;
}

/** The pending authorization a consent form answers, taken (so decided once), while its client still exists. */
function takePending(sandbox: Sandbox, id: string | undefined): PendingAuthorization {
  const pending = id === undefined ? undefined : sandbox.pendingAuthorizations.take(id);
  if (pending === undefined || sandbox.clients.get(pending.clientId) === undefined) {
    throw new InvalidRequest(
      'this authorization request is unknown, already decided, expired or pushed out by newer ones (the pendingAuthorizations limit); start again from the app',
      { rule: 'RFC 6749 §10.12' },
    );
  }
  return pending;
}
