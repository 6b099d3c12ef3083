/**
 * `Type/id` of a relative or absolute FHIR reference (`Practitioner/prac-1`, `http://…/fhir/Patient/pat-1`),
 * read from its tail (FHIR R4 references.html#literal); undefined when it ends in no `Type/id`.
 */
export function referenceParts(reference: string): { type: string; id: string } | undefined {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  return m === null ? undefined : { type: m[1] ?? '', id: m[2] ?? '' };
}
