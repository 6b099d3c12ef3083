import type { SandboxConfig } from '../config/schema.js';
import type { FhirData } from '../fhir/data.js';
import { patientOf } from '../fhir/search.js';
import { InvalidRequest, InvalidScope } from '../oauth/errors.js';
import type { LaunchContext } from '../store/artefacts.js';
import { configuredContext, LAUNCH_LIFETIME_MS, type LaunchRegistry } from './launches.js';

/**
 * The launch context an authorization code carries, resolved at the authorization endpoint: the EHR launch
 * the request names, if any, then what a standalone launch's scopes ask for.
 */

/**
 * SMART App Launch 2.2 §EHR launch: the request's `launch` value must be one the sandbox issued, alive and
 * this client's, and come with the `launch` scope. Errors are redirected to the client like any other.
 */
export function resolveEhrLaunch(
  launches: LaunchRegistry,
  clientId: string,
  launch: string,
  scope: readonly string[],
): LaunchContext {
  const rule = 'SMART App Launch 2.2 §EHR launch';
  if (!scope.includes('launch')) {
    throw new InvalidScope('an EHR launch (the launch parameter) needs the launch scope', { rule });
  }
  const found = launches.resolve(launch, clientId);
  switch (found.status) {
    case 'ok':
      return found.context;
    case 'unknown':
      throw new InvalidRequest('the launch value is not one this sandbox issued (or it was forgotten)', {
        rule,
      });
    case 'expired':
      throw new InvalidRequest(
        `the launch value expired (launches live ${LAUNCH_LIFETIME_MS / 60_000} minutes); launch the app again`,
        { rule },
      );
    case 'wrong_client':
      throw new InvalidRequest(`the launch value was issued for another client, not ${clientId}`, { rule });
  }
}

/** What a person chose on the consent page (interactive mode); nothing in auto mode. */
export interface Picked {
  readonly patient?: string;
  readonly encounter?: string;
  /** The signed-in persona's fhirUser. */
  readonly fhirUser?: string;
}

/** Where a standalone launch's context comes from: the config's `launch` and the FHIR data. */
export interface ContextSources {
  readonly config: SandboxConfig;
  readonly fhir: FhirData;
}

/** The configured encounter when it is the picked patient's, else that patient's first encounter. */
function encounterOf(fhir: FhirData, patient: string, configured: string | undefined): string | undefined {
  const ofPatient = fhir.list('Encounter').filter((e) => patientOf(e) === patient);
  return ofPatient.find((e) => e.id === configured)?.id ?? ofPatient[0]?.id;
}

/**
 * A code's launch context: its user is always known, the picked persona's or the configured `launch.fhirUser`
 * (resolved here, once), so the sub of a code or token issued without a persona is `context.fhirUser`.
 */
export type CodeContext = LaunchContext & { readonly fhirUser: string };

/**
 * The launch context a code carries. An EHR launch brings its own (SMART App Launch 2.2 §EHR launch);
 * a standalone launch gets the patient and encounter the scopes ask for (`launch/patient`,
 * `launch/encounter`) from the picker, else from the config's `launch`.
 */
export function codeContext(
  sources: ContextSources,
  scope: readonly string[],
  ehrContext: LaunchContext | undefined,
  picked: Picked = {},
): CodeContext {
  const configured = configuredContext(sources.config);
  const wantsPatient = scope.includes('launch/patient');
  const wantsEncounter = scope.includes('launch/encounter');
  if (ehrContext !== undefined) {
    const patient = ehrContext.patient ?? (wantsPatient ? (picked.patient ?? configured.patient) : undefined);
    const encounter = picked.encounter ?? configured.encounter;
    return {
      ...ehrContext,
      // Every EHR launch inherits the configured fhirUser (launches.ts): this only makes the type say so.
      fhirUser: ehrContext.fhirUser ?? configured.fhirUser,
      ...(patient === undefined ? {} : { patient }),
      ...(ehrContext.encounter === undefined && wantsEncounter && encounter !== undefined
        ? { encounter }
        : {}),
    };
  }
  const patient = wantsPatient ? (picked.patient ?? configured.patient) : undefined;
  const encounter = !wantsEncounter
    ? undefined
    : (picked.encounter ??
      (picked.patient === undefined
        ? configured.encounter
        : encounterOf(sources.fhir, picked.patient, configured.encounter)));
  return {
    ...(patient === undefined ? {} : { patient }),
    ...(encounter === undefined ? {} : { encounter }),
    fhirUser: picked.fhirUser ?? configured.fhirUser,
    ...(configured.needPatientBanner === undefined
      ? {}
      : { needPatientBanner: configured.needPatientBanner }),
    ...(configured.smartStyleUrl === undefined ? {} : { smartStyleUrl: configured.smartStyleUrl }),
    ...(configured.tenant === undefined ? {} : { tenant: configured.tenant }),
  };
}
