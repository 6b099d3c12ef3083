import { parseClinicalScope, type Interaction } from './scopes.js';

/** Plain words for the consent page: what granting each scope lets the app do. */
const FIXED: Readonly<Record<string, string>> = {
  openid: 'Confirm who you are (OpenID Connect sign-in).',
  fhirUser: 'Know which FHIR record describes you (your Practitioner or Patient resource).',
  profile: 'See your name and basic profile.',
  launch: 'Receive the context the EHR launched it in (patient, encounter).',
  'launch/patient': 'Work with one patient: the patient chosen here.',
  'launch/encounter': 'Know the current encounter of that patient.',
  offline_access: 'Keep access after you sign out (a long-lived refresh token).',
  online_access: 'Keep access while you stay signed in (a refresh token).',
};

const VERBS: Readonly<Record<Interaction, string>> = {
  c: 'create',
  r: 'read',
  u: 'update',
  d: 'delete',
  s: 'search',
};

const WHOSE = {
  patient: 'of the selected patient',
  user: 'that you are allowed to see',
  system: 'of every patient (system access, no user involved)',
} as const;

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/** One sentence saying what a scope allows, for a person deciding whether to approve it. */
export function describeScope(token: string): string {
  // Own properties only: a registered scope `toString` or `constructor` must not find Object's.
  const fixed = Object.hasOwn(FIXED, token) ? FIXED[token] : undefined;
  if (fixed !== undefined) return fixed;
  const clinical = parseClinicalScope(token);
  if (!clinical) return 'A scope this sandbox does not describe.';
  const verbs = listWords([...clinical.interactions].map((i) => VERBS[i]));
  const what = clinical.resource === '*' ? 'all clinical data' : `${clinical.resource} resources`;
  const limit =
    clinical.query === undefined
      ? ''
      : `, limited to those matching ${[...new URLSearchParams(clinical.query.slice(1))]
          .map(([k, v]) => `${k} ${v}`)
          .join(' and ')}`;
  const sentence = `${verbs} ${what} ${WHOSE[clinical.context]}${limit}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
