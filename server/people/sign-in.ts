import type { RegisteredClient } from '../config/defaults.js';
import type { PersonaConfig } from '../config/schema.js';
import { configuredContext } from '../launch/launches.js';
import type { Sandbox } from '../sandbox.js';
import type { LaunchContext } from '../store/artefacts.js';
import type { SignedIn } from '../store/pending-authorizations.js';

/**
 * Who signs in when nobody picks: the client's `defaultPersona`, else the config's, else the persona that is
 * the config's `launch.fhirUser` (Practitioner/prac-1 by default, as before personas existed). Undefined when
 * none is: the request is then made as that fhirUser alone, with claims read from its FHIR resource.
 */
export function defaultPersona(sandbox: Sandbox, client: RegisteredClient): PersonaConfig | undefined {
  const own = client.defaultPersona;
  return (own === undefined ? undefined : sandbox.personas.get(own)) ?? sandboxDefaultPersona(sandbox);
}

/**
 * The default persona of clients that name none: the config's `defaultPersona`, else the persona that is its
 * `launch.fhirUser`, else (once someone defined personas) the first of them.
 */
export function sandboxDefaultPersona(sandbox: Sandbox): PersonaConfig | undefined {
  const id = sandbox.config.defaultPersona;
  const named = id === undefined ? undefined : sandbox.personas.get(id);
  if (named !== undefined) return named;
  const same = sandbox.personas.byFhirUser(configuredContext(sandbox.config).fhirUser);
  // With only the shipped personas, a launch.fhirUser that is none of them stays the user, as before personas.
  return same ?? (sandbox.personas.toConfig() === undefined ? undefined : sandbox.personas.list()[0]);
}

/**
 * Whether the interactive flow asks who signs in: only when the scopes let the app learn who the user is
 * (`openid` for an id_token and userinfo, `fhirUser`); an EHR launch already says (SMART App Launch 2.2 §EHR
 * launch), and a remembered choice stands for the client until cleared.
 */
export function asksWhoSignsIn(scope: readonly string[], ehrContext: LaunchContext | undefined): boolean {
  return ehrContext === undefined && (scope.includes('openid') || scope.includes('fhirUser'));
}

/**
 * Who an EHR launch signs in as: the persona whose `fhirUser` is the launch's (SMART App Launch 2.2 §EHR launch:
 * the EHR already knows its user), or none, when the request is made as that fhirUser alone. The authorize
 * pipeline and the EHR page's banner both ask here, so the banner names who the tokens will be about.
 */
export function ehrLaunchPersona(
  sandbox: Sandbox,
  context: Pick<LaunchContext, 'fhirUser'>,
): PersonaConfig | undefined {
  return context.fhirUser === undefined ? undefined : sandbox.personas.byFhirUser(context.fhirUser);
}

/** The persona of a decided sign-in, or how it was decided without asking (auto mode, skipped step, EHR launch). */
export function signedInWithoutAsking(
  sandbox: Sandbox,
  client: RegisteredClient,
  ehrContext: LaunchContext | undefined,
): SignedIn | undefined {
  if (ehrContext !== undefined) {
    const persona = ehrLaunchPersona(sandbox, ehrContext);
    return persona === undefined ? undefined : { persona: persona.id, via: 'ehr-launch' };
  }
  const persona = defaultPersona(sandbox, client);
  return persona === undefined ? undefined : { persona: persona.id, via: 'default' };
}

/** The remembered persona for the client, while it still exists. */
export function rememberedSignIn(sandbox: Sandbox, clientId: string): SignedIn | undefined {
  const id = sandbox.rememberedPersonas.get(clientId);
  return id === undefined || sandbox.personas.get(id) === undefined
    ? undefined
    : { persona: id, via: 'remembered' };
}
