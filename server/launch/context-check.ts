import type { LaunchPatientChoice } from '../admin/shapes.js';
import { displayName, isResourceType, type FhirData, type FhirResource } from '../fhir/data.js';
import { FHIR_ID } from '../fhir/r4-resource-types.js';
import { referenceParts } from '../fhir/reference.js';
import { patientOf } from '../fhir/search.js';
import { isResource, UpstreamError, type Upstream } from '../fhir/upstream.js';

/** One problem with a launch context: the field at fault and what was wrong and expected. */
export interface LaunchContextIssue {
  readonly path: string;
  readonly message: string;
}

/** An encounter as pickers and the EHR page's banner name it: its id, type and start date. */
export function encounterLabel(encounter: FhirResource): string {
  const type = encounter['type'];
  const first = Array.isArray(type) ? (type[0] as { text?: unknown } | undefined) : undefined;
  const period = encounter['period'] as { start?: unknown } | undefined;
  const parts = [
    typeof first?.text === 'string' ? first.text : undefined,
    typeof period?.start === 'string' ? period.start.slice(0, 10) : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? encounter.id : `${encounter.id} (${parts.join(', ')})`;
}

/** The patients of the FHIR data and each one's encounters: what a launch can name (the workbench's pickers). */
export function launchPatientChoices(data: FhirData): LaunchPatientChoice[] {
  const encounters = data.list('Encounter');
  return data.list('Patient').map((p) => ({
    id: p.id,
    name: displayName(p),
    encounters: encounters
      .filter((e) => patientOf(e) === p.id)
      .map((e) => ({ id: e.id, label: encounterLabel(e) })),
  }));
}

function encountersOf(data: FhirData, patient: string): string {
  const ids = data
    .list('Encounter')
    .filter((e) => patientOf(e) === patient)
    .map((e) => e.id);
  return ids.length === 0
    ? `${patient} has no encounters; leave encounter out`
    : `${patient}'s: ${ids.join(', ')}`;
}

/** The resource types SMART App Launch 2.2 §fhirUser allows for the user. */
const USER_TYPES = ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Person'] as const;

/** At most this many ids in an "expected one of" hint: a loaded data set may hold thousands. */
const HINT_IDS = 20;

function oneOf(ids: readonly string[]): string {
  const shown = ids.slice(0, HINT_IDS).join(', ');
  return ids.length > HINT_IDS ? `${shown}, … (${ids.length} in all)` : shown;
}

/**
 * What makes a launch context name something that is not in the FHIR data, or pair a patient with another
 * patient's records (SMART App Launch 2.2 §launch context: `encounter` is an encounter of `patient`; the
 * `fhirContext` resources are the launch's, so they belong to its patient). A token minted from such a
 * context would send the app to records that do not exist or are someone else's. `fhirUser` must name a
 * resource of a type §fhirUser allows that the FHIR base serves, or the app cannot read the user it was told about.
 * `at` prefixes each path (`launch.` in a config file, '' in an admin API body).
 */
export function launchContextIssues(
  context: {
    readonly patient?: string | undefined;
    readonly encounter?: string | undefined;
    readonly fhirUser?: string | undefined;
    readonly fhirContext?: readonly Record<string, unknown>[] | undefined;
  },
  data: FhirData,
  at = '',
): LaunchContextIssue[] {
  const issues: LaunchContextIssue[] = [];
  const { patient, encounter, fhirUser, fhirContext } = context;
  if (fhirUser !== undefined) {
    const user = referenceParts(fhirUser);
    const known = oneOf(USER_TYPES.flatMap((type) => data.list(type).map((r) => `${type}/${r.id}`)));
    if (user === undefined || !(USER_TYPES as readonly string[]).includes(user.type)) {
      issues.push({
        path: `${at}fhirUser`,
        message: `"${fhirUser}" is not a reference to a ${USER_TYPES.join(', ')} (SMART App Launch 2.2 §fhirUser); expected one of ${known}`,
      });
    } else if (data.get(user.type, user.id) === undefined) {
      issues.push({
        path: `${at}fhirUser`,
        message: `no ${user.type} "${user.id}" in the FHIR data; expected one of ${known}`,
      });
    }
  }
  if (patient !== undefined && data.get('Patient', patient) === undefined) {
    const known = data.list('Patient').map((p) => p.id);
    issues.push({
      path: `${at}patient`,
      message: `no Patient "${patient}" in the FHIR data; expected one of ${known.join(', ')}`,
    });
    return issues;
  }
  for (const [i, item] of (fhirContext ?? []).entries()) {
    const reference = item['reference'];
    const parts = typeof reference === 'string' ? referenceParts(reference) : undefined;
    // Only what this server serves can be checked; other types (DiagnosticReport …) are the launch's to name.
    if (parts === undefined || !isResourceType(parts.type)) continue;
    const found = data.get(parts.type, parts.id);
    const path = `${at}fhirContext[${i}].reference`;
    if (found === undefined) {
      issues.push({ path, message: `no ${parts.type} "${parts.id}" in the FHIR data` });
    } else if (patient !== undefined && patientOf(found) !== undefined && patientOf(found) !== patient) {
      issues.push({
        path,
        message: `${parts.type} "${parts.id}" belongs to ${patientOf(found) ?? ''}, not ${patient}, the launch's patient`,
      });
    }
  }
  if (encounter === undefined) return issues;
  const found = data.get('Encounter', encounter);
  const hint = patient === undefined ? '' : ` (${encountersOf(data, patient)})`;
  if (found === undefined) {
    issues.push({ path: `${at}encounter`, message: `no Encounter "${encounter}" in the FHIR data${hint}` });
  } else if (patient !== undefined && patientOf(found) !== patient) {
    issues.push({
      path: `${at}encounter`,
      message: `Encounter "${encounter}" belongs to ${patientOf(found) ?? 'no patient'}, not ${patient}; expected an encounter of ${patient}${hint}`,
    });
  }
  return issues;
}

/**
 * The launch-context check behind `fhir.upstream` (README "A real FHIR server behind the sandbox"): the app reads
 * the patient, encounter and `fhirContext` resources from the upstream, so they are looked up there, not in the
 * sandbox's data (a patient only the upstream holds is a valid choice; a shipped fixture it lacks is not).
 * Throws {@link UpstreamError} when the upstream cannot tell. `fhirUser` stays with {@link launchContextIssues}:
 * the user's resource is read from the sandbox's own data, behind the upstream too.
 */
export async function upstreamContextIssues(
  context: {
    readonly patient?: string | undefined;
    readonly encounter?: string | undefined;
    readonly fhirContext?: readonly Record<string, unknown>[] | undefined;
  },
  upstream: Upstream,
  at = '',
): Promise<LaunchContextIssue[]> {
  const issues: LaunchContextIssue[] = [];
  const { patient, encounter, fhirContext } = context;
  const missing = (type: string, id: string) => `no ${type} "${id}" at the FHIR upstream ${upstream.base}`;
  if (patient !== undefined && (await readUpstream(upstream, 'Patient', patient)) === undefined) {
    issues.push({
      path: `${at}patient`,
      message: `${missing('Patient', patient)}; behind fhir.upstream a launch names a patient of the upstream`,
    });
    return issues;
  }
  const belongs = async (path: string, type: string, id: string) => {
    const found = await readUpstream(upstream, type, id);
    if (found === undefined) {
      issues.push({ path, message: missing(type, id) });
    } else if (patient !== undefined && patientOf(found) !== undefined && patientOf(found) !== patient) {
      issues.push({
        path,
        message: `${type} "${id}" belongs to ${patientOf(found) ?? ''}, not ${patient}, the launch's patient`,
      });
    }
  };
  for (const [i, item] of (fhirContext ?? []).entries()) {
    const reference = item['reference'];
    const parts = typeof reference === 'string' ? referenceParts(reference) : undefined;
    if (parts === undefined || !isResourceType(parts.type)) continue;
    await belongs(`${at}fhirContext[${i}].reference`, parts.type, parts.id);
  }
  if (encounter !== undefined) await belongs(`${at}encounter`, 'Encounter', encounter);
  return issues;
}

/** One resource read from the upstream; undefined when it has none (404, 410) or the id cannot name one. */
async function readUpstream(upstream: Upstream, type: string, id: string): Promise<FhirResource | undefined> {
  // `.` and `..` fit the id rule but are path segments a URL resolves away: never sent.
  if (!FHIR_ID.test(id) || id === '.' || id === '..') return undefined;
  const answer = await upstream.get(`${type}/${id}`, '', {});
  if (answer.status === 404 || answer.status === 410) return undefined;
  const body = answer.body;
  if (answer.status !== 200 || !isResource(body) || body.resourceType !== type) {
    throw new UpstreamError(`answered ${answer.status} to GET ${type}/${id}`);
  }
  return body;
}
