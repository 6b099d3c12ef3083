import { describe, expect, it } from 'vitest';
import { bodyOfSize } from '../../bench/bare-fastify.js';
import { topSelfFrames, type CpuProfile } from '../../bench/cpu-profile.js';
import {
  checkTargets,
  formatTable,
  percentile,
  ratio,
  resultsTable,
  shapeResults,
  toMb,
  type LoadFigures,
  type Measurements,
} from '../../bench/stats.js';

const load = (perSecond: number, p99Ms = 10, failures = 0, cpuUsPerUnit?: number): LoadFigures => ({
  perSecond,
  p50Ms: 2,
  p99Ms,
  failures,
  requests: perSecond * 8,
  cpuUsPerUnit,
});

const measurements: Measurements = {
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU',
    memoryGb: 24,
    node: 'v20.19.0',
    platform: 'linux',
    loadAverage1m: 0.5,
  },
  connections: 16,
  durationS: 8,
  rs256: load(1800),
  es256: load(5200, 18, 0, 200),
  pkce: load(700),
  pkceEs256: load(1500),
  bare: load(10_000, 10, 0, 90),
  bareBodyBytes: 550,
  rsaSignsPerSecond: 1500,
  p256SignsPerSecond: 20_000,
  startupRunsMs: [390, 310, 300, 900, 320],
  startupCpuMs: [150, 140, 160],
  startupKeptKeyRunsMs: [260, 250, 700],
  startupBareRunsMs: [140, 120, 130],
  rssMb10k: 90,
  rssMb200k: 99,
  memoryFailures: 0,
};

describe('percentile (nearest rank)', () => {
  it('returns a measured value: the smallest one that p % of the sample is at or below', () => {
    const sample = [15, 20, 35, 40, 50];
    expect(percentile(sample, 50)).toBe(35);
    expect(percentile(sample, 30)).toBe(20);
    expect(percentile(sample, 100)).toBe(50);
    expect(percentile(sample, 0)).toBe(15);
    expect(percentile([7], 99)).toBe(7);
  });

  it('does not depend on the order of the sample, and leaves it untouched', () => {
    const sample = [50, 15, 40, 20, 35];
    expect(percentile(sample, 50)).toBe(35);
    expect(sample).toEqual([50, 15, 40, 20, 35]);
  });

  it('p99 of 1..100 is 99 and of 1..1000 is 990', () => {
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
    expect(
      percentile(
        Array.from({ length: 1000 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(990);
  });

  it('refuses an empty sample and a percentile outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('ratios and units', () => {
  it('rounds a ratio to two decimals and reports a ratio against nothing as 0', () => {
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(2, 3)).toBe(0.67);
    expect(ratio(5, 0)).toBe(0);
    expect(ratio(Number.NaN, 2)).toBe(0);
  });

  it('converts bytes to MB with one decimal', () => {
    expect(toMb(100 * 1024 * 1024)).toBe(100);
    expect(toMb(1536 * 1024)).toBe(1.5);
  });
});

describe('shapeResults: the bench/results.json document', () => {
  const r = shapeResults(measurements);

  it('carries every key docs/benchmarks.md defines', () => {
    for (const key of [
      'rs256_tokens_per_s',
      'es256_tokens_per_s',
      'pkce_cycles_per_s',
      'bare_fastify_per_s',
      'rsa_signs_per_s_one_core',
      'p256_signs_per_s_one_core',
      'p99_ms_es256',
      'startup_ms',
      'rss_mb_10k',
      'rss_mb_200k',
      'rs256_vs_rsa_sign',
      'es256_vs_bare',
    ]) {
      expect(r, key).toHaveProperty(key);
      expect(typeof (r as unknown as Record<string, unknown>)[key], key).toBe('number');
    }
  });

  it('derives the ratios from the figures measured side by side', () => {
    expect(r.rs256_vs_rsa_sign).toBe(1.2);
    expect(r.es256_vs_bare).toBe(0.52);
    expect(r.es256_vs_p256_sign).toBe(0.26);
    expect(r.rss_200k_vs_10k).toBe(1.1);
    expect(r.p99_ms_es256).toBe(18);
  });

  it('reports the median start-up, so one slow spawn does not decide it, and keeps every run', () => {
    expect(r.startup_ms).toBe(320);
    expect(r.startup_ms_runs).toEqual([390, 310, 300, 900, 320]);
  });

  it('reports server CPU per request, and null where it could not be read', () => {
    expect(r.cpu_us_per_token_es256).toBe(200);
    expect(r.cpu_us_per_bare_request).toBe(90);
    expect(r.cpu_bare_vs_es256).toBe(0.45);
    expect(r.cpu_us_per_token_rs256).toBeNull();
    expect(r.startup_cpu_ms).toBe(150);
    expect(r.startup_ms_kept_key).toBe(260);
    expect(r.startup_ms_bare_fastify).toBe(130);
    expect(shapeResults({ ...measurements, startupCpuMs: [] }).startup_cpu_ms).toBeNull();
  });

  it('adds up the failures of every load run', () => {
    const failing = shapeResults({ ...measurements, es256: load(5200, 18, 3, 200), memoryFailures: 2 });
    expect(failing.failures).toBe(5);
  });

  it('checks each target and says which are met', () => {
    expect(r.targets.map((t) => [t.name, t.met])).toEqual([
      ['rs256_vs_rsa_sign', true],
      ['es256_vs_bare', true],
      ['p99_ms_es256', true],
      ['startup_ms', true],
      ['rss_200k_vs_10k', true],
    ]);
    const missed = checkTargets({ ...r, es256_vs_bare: 0.49, p99_ms_es256: 25.1, startup_ms: 400 });
    expect(missed.filter((t) => !t.met).map((t) => t.name)).toEqual(['es256_vs_bare', 'p99_ms_es256']);
  });

  it('prints a table with each measure and the targets', () => {
    const table = resultsTable(r);
    expect(table).toContain('client_credentials ES256');
    expect(table).toMatch(/client_credentials ES256\s+5,200\/s\s+2\s+18/);
    expect(table).toMatch(/es256_vs_bare\s+0\.52\s+>= 0\.5\s+yes/);
  });
});

describe('formatTable', () => {
  it('pads the first column left and the others right, under a rule', () => {
    expect(
      formatTable(
        ['a', 'bb'],
        [
          ['xyz', '1'],
          ['q', '100'],
        ],
      ),
    ).toBe(['a     bb', '---  ---', 'xyz    1', 'q    100'].join('\n'));
  });
});

describe('the bare Fastify baseline body', () => {
  it('serialises to exactly the requested size', () => {
    for (const size of [120, 550, 1234]) expect(JSON.stringify(bodyOfSize(size))).toHaveLength(size);
  });

  it('refuses a size smaller than a token response can be', () => {
    expect(() => bodyOfSize(10)).toThrow(RangeError);
  });
});

describe('topSelfFrames', () => {
  const frame = (id: number, functionName: string, url = '', children: number[] = []) => ({
    id,
    callFrame: { functionName, url, lineNumber: id * 10 },
    children,
  });
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)', '', [2, 3, 4]),
      frame(2, '(idle)'),
      frame(3, 'sign', 'file:///app/node_modules/jose/sign.js'),
      frame(4, 'writev'),
    ],
    samples: [2, 3, 3, 4, 2, 3],
    timeDeltas: [500, 100, 100, 100, 500, 100],
  };

  it('ranks frames by self time, leaving idle out of the shares', () => {
    expect(topSelfFrames(profile, 5)).toEqual([
      { frame: 'sign jose/sign.js:31', percent: 75 },
      { frame: 'writev', percent: 25 },
    ]);
    expect(topSelfFrames(profile, 1)).toHaveLength(1);
  });

  it('answers nothing for a profile that was idle throughout', () => {
    expect(topSelfFrames({ ...profile, samples: [2, 2], timeDeltas: [10, 10] }, 5)).toEqual([]);
  });
});
