import { describe, expect, it } from 'vitest';
import { FhirData } from '../../server/fhir/data.js';
import { FHIR_LIMITS } from '../../server/limits.js';

const NOW = '2026-12-01T00:00:00.000Z';

describe('the FHIR store stays bounded under creates and deletes (README "Limits")', () => {
  it('keeps at most the deleted-resources bound of tombstones, forgetting the oldest first', () => {
    const data = new FhirData([], { maxDeleted: 3 });
    for (let i = 0; i < 5; i++) {
      data.put({ resourceType: 'Observation', id: `o${i}` }, NOW);
      data.delete('Observation', `o${i}`, NOW);
    }
    // The two oldest are forgotten (a read answers 404), the three newest still answer 410.
    expect(['o0', 'o1', 'o2', 'o3', 'o4'].map((id) => data.version('Observation', id)?.deleted)).toEqual([
      undefined,
      undefined,
      true,
      true,
      true,
    ]);
    expect(data.changed()).toHaveLength(3);
    // A re-created resource is no longer a tombstone and does not count against the bound.
    data.put({ resourceType: 'Observation', id: 'o2' }, NOW);
    data.put({ resourceType: 'Observation', id: 'n1' }, NOW);
    data.delete('Observation', 'n1', NOW);
    expect(data.version('Observation', 'o3')?.deleted).toBe(true);
    expect(data.version('Observation', 'o2')?.versionId).toBe(3);
  });

  it('has a documented default bound', () => {
    expect(FHIR_LIMITS.deletedKept).toBe(10_000);
  });
});
