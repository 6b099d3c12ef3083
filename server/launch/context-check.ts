import type { LaunchPatientChoice } from '../admin/shapes.js';
import { displayName, isResourceType, type FhirData, type FhirResource } from '../fhir/data.js';
import { referenceParts } from '../fhir/reference.js';
import { patientOf } from '../fhir/search.js';

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

/** The user types the FHIR base serves (SMART App Launch 2.2 §fhirUser allows these among others). */
const USER_TYPES = ['Practitioner', 'Patient'] as const;

/**
 * What makes a launch context name something that is not in the FHIR data, or pair a patient with another
 * patient's records (SMART App Launch 2.2 §launch context: `encounter` is an encounter of `patient`; the
 * `fhirContext` resources are the launch's, so they belong to its patient). A token minted from such a
 * context would send the app to records that do not exist or are someone else's. `fhirUser` must name a
 * Practitioner or Patient the FHIR base serves, or the app cannot read the user it was told about.
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
    const known = USER_TYPES.flatMap((type) => data.list(type).map((r) => `${type}/${r.id}`));
    if (user === undefined || !(USER_TYPES as readonly string[]).includes(user.type)) {
      issues.push({
        path: `${at}fhirUser`,
        message: `"${fhirUser}" is not a reference to a Practitioner or Patient (SMART App Launch 2.2 §fhirUser); expected one of ${known.join(', ')}`,
      });
    } else if (data.get(user.type, user.id) === undefined) {
      issues.push({
        path: `${at}fhirUser`,
        message: `no ${user.type} "${user.id}" in the FHIR data; expected one of ${known.join(', ')}`,
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
