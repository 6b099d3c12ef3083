import { describe, expect, it } from 'vitest';
import { draftOf, personaOf } from '../../renderer/views/personas-view.js';

const draft = {
  id: ' nurse-kim ',
  fhirUser: 'Practitioner/prac-3',
  sub: '',
  name: 'Kim Park',
  givenName: 'Kim',
  familyName: '',
  email: 'kim@example.test',
  claims: '{"department": "oncology"}',
};

describe('the persona form', () => {
  it('turns what was typed into the admin API persona, leaving empty fields out', () => {
    expect(personaOf(draft)).toEqual({
      persona: {
        id: 'nurse-kim',
        fhirUser: 'Practitioner/prac-3',
        name: 'Kim Park',
        givenName: 'Kim',
        email: 'kim@example.test',
        emailVerified: true,
        claims: { department: 'oncology' },
      },
    });
  });

  it('says what is wrong with claims that are not a JSON object', () => {
    expect(personaOf({ ...draft, claims: '{department: oncology}' })).toEqual({
      error: 'claims must be a JSON object, e.g. {"department": "oncology"}',
    });
    expect(personaOf({ ...draft, claims: '["a"]' })).toEqual({
      error: 'claims must be a JSON object of claim names to values',
    });
  });

  it('reads a persona back into the form unchanged', () => {
    const result = personaOf(draft);
    if (!('persona' in result)) throw new Error(result.error);
    expect(personaOf(draftOf(result.persona))).toEqual(result);
  });
});
