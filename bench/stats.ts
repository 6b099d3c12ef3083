/**
 * Pure arithmetic and shaping for the benchmark: percentiles, ratios, the results document and the table.
 * Nothing here touches a process, a socket or the clock, so all of it is unit-tested.
 */

/**
 * The p-th percentile (0–100) of a sample by the nearest-rank method: the smallest value that at least p % of
 * the sample is less than or equal to. Nearest rank never invents a value that was not measured.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  const value = sorted[rank - 1];
  if (value === undefined) throw new RangeError('percentile rank outside the sample');
  return value;
}

/** a / b rounded to two decimals; a ratio against nothing is reported as 0 rather than Infinity or NaN. */
export function ratio(a: number, b: number): number {
  if (!(b > 0) || !Number.isFinite(a)) return 0;
  return round(a / b, 2);
}

export function round(value: number, decimals = 0): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Bytes to mebibytes, one decimal. */
export function toMb(bytes: number): number {
  return round(bytes / (1024 * 1024), 1);
}

/** What one load run measured. */
export interface LoadFigures {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses that were not the expected status, plus socket errors and timeouts. */
  readonly failures: number;
  readonly requests: number;
  /** Server CPU time (all threads) per successful unit, in microseconds; undefined off Linux. */
  readonly cpuUsPerUnit?: number | undefined;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** The 1-minute load average when the run began: other work on the machine shows here. */
  readonly loadAverage1m: number;
}

/** Every raw figure a bench run collects, before ratios and targets are derived. */
export interface Measurements {
  readonly machine: MachineInfo;
  readonly connections: number;
  readonly durationS: number;
  readonly rs256: LoadFigures;
  readonly es256: LoadFigures;
  readonly pkce: LoadFigures;
  readonly pkceEs256: LoadFigures;
  readonly bare: LoadFigures;
  readonly bareBodyBytes: number;
  readonly rsaSignsPerSecond: number;
  readonly p256SignsPerSecond: number;
  readonly startupRunsMs: readonly number[];
  /** CPU time the server process used from spawn to its first token, per run. */
  readonly startupCpuMs: readonly number[];
  /** The same start with `--data-dir` holding the RSA key of an earlier run: no key to generate. */
  readonly startupKeptKeyRunsMs: readonly number[];
  /** Spawn of the bare Fastify server to its first answer: what starting Node and Fastify costs. */
  readonly startupBareRunsMs: readonly number[];
  readonly rssMb10k: number;
  readonly rssMb200k: number;
  readonly memoryFailures: number;
}

export interface TargetCheck {
  readonly name: string;
  readonly value: number;
  readonly op: '>=' | '<=';
  readonly limit: number;
  readonly met: boolean;
}

/** The document written to bench/results.json; its snake_case keys are the ones docs/benchmarks.md defines. */
export interface BenchResults {
  readonly rs256_tokens_per_s: number;
  readonly es256_tokens_per_s: number;
  readonly pkce_cycles_per_s: number;
  readonly pkce_cycles_per_s_es256: number;
  readonly bare_fastify_per_s: number;
  readonly rsa_signs_per_s_one_core: number;
  readonly p256_signs_per_s_one_core: number;
  readonly p50_ms_rs256: number;
  readonly p99_ms_rs256: number;
  readonly p50_ms_es256: number;
  readonly p99_ms_es256: number;
  readonly p50_ms_pkce: number;
  readonly p99_ms_pkce: number;
  readonly p50_ms_bare: number;
  readonly p99_ms_bare: number;
  readonly startup_ms: number;
  readonly startup_ms_runs: readonly number[];
  readonly startup_cpu_ms: number | null;
  readonly startup_ms_kept_key: number;
  readonly startup_ms_bare_fastify: number;
  readonly cpu_us_per_token_rs256: number | null;
  readonly cpu_us_per_token_es256: number | null;
  readonly cpu_us_per_pkce_cycle: number | null;
  readonly cpu_us_per_bare_request: number | null;
  /** Capacity ratio from CPU cost alone: what es256_vs_bare would be if CPU were the only limit. */
  readonly cpu_bare_vs_es256: number | null;
  readonly rss_mb_10k: number;
  readonly rss_mb_200k: number;
  readonly rs256_vs_rsa_sign: number;
  readonly es256_vs_bare: number;
  readonly es256_vs_p256_sign: number;
  readonly rss_200k_vs_10k: number;
  readonly failures: number;
  readonly connections: number;
  readonly duration_s: number;
  readonly bare_body_bytes: number;
  readonly machine: MachineInfo;
  readonly targets: readonly TargetCheck[];
}

function cpu(f: LoadFigures): number | null {
  return f.cpuUsPerUnit === undefined ? null : round(f.cpuUsPerUnit);
}

function check(name: string, value: number, op: '>=' | '<=', limit: number): TargetCheck {
  return { name, value, op, limit, met: op === '>=' ? value >= limit : value <= limit };
}

/** The targets docs/benchmarks.md states, checked against a run's figures. */
export function checkTargets(r: Omit<BenchResults, 'targets'>): TargetCheck[] {
  return [
    check('rs256_vs_rsa_sign', r.rs256_vs_rsa_sign, '>=', 0.8),
    check('es256_vs_bare', r.es256_vs_bare, '>=', 0.5),
    check('p99_ms_es256', r.p99_ms_es256, '<=', 25),
    check('startup_ms', r.startup_ms, '<=', 400),
    check('rss_200k_vs_10k', r.rss_200k_vs_10k, '<=', 1.2),
  ];
}

/** Derives the ratios and target checks from raw measurements. The median start-up is the one reported. */
export function shapeResults(m: Measurements): BenchResults {
  const base = {
    rs256_tokens_per_s: round(m.rs256.perSecond),
    es256_tokens_per_s: round(m.es256.perSecond),
    pkce_cycles_per_s: round(m.pkce.perSecond),
    pkce_cycles_per_s_es256: round(m.pkceEs256.perSecond),
    bare_fastify_per_s: round(m.bare.perSecond),
    rsa_signs_per_s_one_core: round(m.rsaSignsPerSecond),
    p256_signs_per_s_one_core: round(m.p256SignsPerSecond),
    p50_ms_rs256: m.rs256.p50Ms,
    p99_ms_rs256: m.rs256.p99Ms,
    p50_ms_es256: m.es256.p50Ms,
    p99_ms_es256: m.es256.p99Ms,
    p50_ms_pkce: m.pkce.p50Ms,
    p99_ms_pkce: m.pkce.p99Ms,
    p50_ms_bare: m.bare.p50Ms,
    p99_ms_bare: m.bare.p99Ms,
    startup_ms: round(percentile(m.startupRunsMs, 50)),
    startup_ms_runs: m.startupRunsMs.map((ms) => round(ms)),
    startup_cpu_ms: m.startupCpuMs.length === 0 ? null : round(percentile(m.startupCpuMs, 50)),
    startup_ms_kept_key: round(percentile(m.startupKeptKeyRunsMs, 50)),
    startup_ms_bare_fastify: round(percentile(m.startupBareRunsMs, 50)),
    cpu_us_per_token_rs256: cpu(m.rs256),
    cpu_us_per_token_es256: cpu(m.es256),
    cpu_us_per_pkce_cycle: cpu(m.pkce),
    cpu_us_per_bare_request: cpu(m.bare),
    cpu_bare_vs_es256:
      m.bare.cpuUsPerUnit === undefined || m.es256.cpuUsPerUnit === undefined
        ? null
        : ratio(m.bare.cpuUsPerUnit, m.es256.cpuUsPerUnit),
    rss_mb_10k: m.rssMb10k,
    rss_mb_200k: m.rssMb200k,
    rs256_vs_rsa_sign: ratio(m.rs256.perSecond, m.rsaSignsPerSecond),
    es256_vs_bare: ratio(m.es256.perSecond, m.bare.perSecond),
    es256_vs_p256_sign: ratio(m.es256.perSecond, m.p256SignsPerSecond),
    rss_200k_vs_10k: ratio(m.rssMb200k, m.rssMb10k),
    failures:
      m.rs256.failures +
      m.es256.failures +
      m.pkce.failures +
      m.pkceEs256.failures +
      m.bare.failures +
      m.memoryFailures,
    connections: m.connections,
    duration_s: m.durationS,
    bare_body_bytes: m.bareBodyBytes,
    machine: m.machine,
  };
  return { ...base, targets: checkTargets(base) };
}

/** Left-aligned first column, right-aligned others; a plain-text table that reads well in a terminal and a PR. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The run as the table `npm run bench` prints. */
export function resultsTable(r: BenchResults): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rows: string[][] = [
    ['client_credentials RS256', `${n(r.rs256_tokens_per_s)}/s`, `${r.p50_ms_rs256}`, `${r.p99_ms_rs256}`],
    ['client_credentials ES256', `${n(r.es256_tokens_per_s)}/s`, `${r.p50_ms_es256}`, `${r.p99_ms_es256}`],
    [
      'authorize + token (PKCE), RS256',
      `${n(r.pkce_cycles_per_s)}/s`,
      `${r.p50_ms_pkce}`,
      `${r.p99_ms_pkce}`,
    ],
    ['authorize + token (PKCE), ES256', `${n(r.pkce_cycles_per_s_es256)}/s`, '', ''],
    [
      `bare Fastify, ${r.bare_body_bytes} B JSON`,
      `${n(r.bare_fastify_per_s)}/s`,
      `${r.p50_ms_bare}`,
      `${r.p99_ms_bare}`,
    ],
    ['node:crypto RSA-2048 sign, one core', `${n(r.rsa_signs_per_s_one_core)}/s`, '', ''],
    ['node:crypto P-256 sign, one core', `${n(r.p256_signs_per_s_one_core)}/s`, '', ''],
    ['spawn to first token', `${r.startup_ms} ms`, '', ''],
    ['spawn to first token, RSA key kept in --data-dir', `${r.startup_ms_kept_key} ms`, '', ''],
    ['spawn of bare Fastify to first answer', `${r.startup_ms_bare_fastify} ms`, '', ''],
    [
      'server CPU from spawn to first token',
      r.startup_cpu_ms === null ? 'n/a' : `${r.startup_cpu_ms} ms`,
      '',
      '',
    ],
    [
      'server CPU per ES256 token',
      r.cpu_us_per_token_es256 === null ? 'n/a' : `${r.cpu_us_per_token_es256} µs`,
      '',
      '',
    ],
    [
      'server CPU per RS256 token',
      r.cpu_us_per_token_rs256 === null ? 'n/a' : `${r.cpu_us_per_token_rs256} µs`,
      '',
      '',
    ],
    [
      'server CPU per bare request',
      r.cpu_us_per_bare_request === null ? 'n/a' : `${r.cpu_us_per_bare_request} µs`,
      '',
      '',
    ],
    ['RSS after 10,000 tokens', `${r.rss_mb_10k} MB`, '', ''],
    ['RSS after 200,000 tokens', `${r.rss_mb_200k} MB`, '', ''],
  ];
  const measured = formatTable(['measure', 'rate / value', 'p50 ms', 'p99 ms'], rows);
  const targets = formatTable(
    ['target', 'value', 'limit', 'met'],
    r.targets.map((t) => [t.name, String(t.value), `${t.op} ${t.limit}`, t.met ? 'yes' : 'NO']),
  );
  return `${measured}\n\n${targets}`;
}
