/**
 * `npm run bench`: starts the headless sandbox (the real CLI, as its own process) and, in the same run, measures
 * it and the baselines that bound it with a load generator on 127.0.0.1 only. Every load is bounded by time or
 * request count, so the run ends by itself (a few minutes on two cores). Prints a table and writes
 * bench/results.json.
 *
 *   node dist/bench/run.js [--duration S] [--connections N] [--quick] [--profile] [--out FILE] [--cli PATH]
 *                          [--frames-only] [--in-process-only] [--fhir-only]
 *
 * --cli points at another build's bin/token-sandbox.js, to measure a before and an after the same way.
 * --frames-only measures only the workbench's frame times (Activity under a synthetic feed, in Chromium).
 * --in-process-only measures only the test API's start → first token → close cycles (bench/in-process.ts).
 * --fhir-only measures only FHIR read and search on 10,000 loaded resources (bench/fhir.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { topSelfFrames, type CpuProfile } from './cpu-profile.js';
import { runLoad } from './load.js';
import { measureActivityFrames, type ActivityFrames } from './frame-times.js';
import {
  FHIR_READ_PATH,
  FHIR_SEARCH_PATH,
  fhirFigures,
  fhirLines,
  writeFhirConfig,
  type FhirFigures,
} from './fhir.js';
import { inProcessLines, measureInProcess } from './in-process.js';
import { cpuMs, residentBytes, spawnListening, type Spawned } from './server-process.js';
import { signsPerSecondOneCore } from './sign-rate.js';
import { percentile, resultsTable, shapeResults, toMb, type LoadFigures, type MachineInfo } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-fastify.js', import.meta.url));

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';
const REDIRECT = 'http://127.0.0.1:5555/cb';
/** A fixed PKCE verifier: the server still hashes and compares it on every redemption. */
const VERIFIER = 'bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const CC_BODY = 'grant_type=client_credentials&scope=system%2F*.rs';
const TOKEN_HEADERS = { authorization: BASIC, 'content-type': FORM };

const CLIENT = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'client_credentials'],
  scope: 'openid fhirUser launch/patient patient/*.rs system/*.rs',
  tokenEndpointAuthMethod: 'client_secret_basic',
};

function config(signingAlg: 'RS256' | 'ES256'): unknown {
  return { clients: [CLIENT], tokens: { signingAlg } };
}

function machine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** One POST over a fresh connection; enough for start-up polling, where keep-alive would not help. */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

interface RunOptions {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly startupRuns: number;
  readonly memoryCounts: readonly [number, number];
  readonly signMs: number;
  readonly frameMs: number;
  readonly framesOnly: boolean;
  readonly inProcessOnly: boolean;
  readonly fhirOnly: boolean;
  /** Start → first token → close cycles of the test API. */
  readonly inProcessCycles: number;
  readonly profileDir: string | undefined;
  readonly out: string;
  readonly cli: string;
}

function parseOptions(): RunOptions {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      quick: { type: 'boolean' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      cli: { type: 'string' },
      'frames-only': { type: 'boolean' },
      'in-process-only': { type: 'boolean' },
      'fhir-only': { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  return {
    durationS: Number(values.duration ?? (quick ? 2 : 8)),
    warmupS: quick ? 1 : 2,
    connections: Number(values.connections ?? 16),
    startupRuns: quick ? 2 : 7,
    memoryCounts: quick ? [2_000, 20_000] : [10_000, 200_000],
    signMs: quick ? 500 : 2_000,
    frameMs: quick ? 2_000 : 5_000,
    framesOnly: values['frames-only'] === true,
    inProcessOnly: values['in-process-only'] === true,
    fhirOnly: values['fhir-only'] === true,
    inProcessCycles: quick ? 60 : 200,
    profileDir: values.profile === true ? path.join(ROOT, 'bench', 'profiles') : undefined,
    out: values.out ?? path.join(ROOT, 'bench', 'results.json'),
    cli: path.resolve(values.cli ?? path.join(ROOT, 'bin', 'token-sandbox.js')),
  };
}

class Bench {
  private readonly spawned = new Set<Spawned>();

  constructor(
    private readonly options: RunOptions,
    private readonly configDir: string,
  ) {}

  async sandbox(alg: 'RS256' | 'ES256', profileName?: string, dataDir?: string): Promise<Spawned> {
    const file = path.join(this.configDir, `${alg}.json`);
    // One folder per server: node writes a profile per thread (the event loop and each signing worker).
    const nodeArgs =
      this.options.profileDir !== undefined && profileName !== undefined
        ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.options.profileDir, profileName)}`]
        : [];
    const dataArgs = dataDir === undefined ? [] : ['--data-dir', dataDir];
    const s = await spawnListening(
      [this.options.cli, 'serve', '--port', '0', '--config', file, ...dataArgs],
      {
        nodeArgs,
      },
    );
    this.spawned.add(s);
    return s;
  }

  /** Frame times of the workbench's Activity view, against a sandbox that serves the built renderer. */
  async activityFrames(): Promise<ActivityFrames> {
    const token = 'bench-admin-token';
    const s = await spawnListening([
      this.options.cli,
      'serve',
      '--port',
      '0',
      '--config',
      path.join(this.configDir, 'ES256.json'),
      '--admin-token',
      token,
    ]);
    this.spawned.add(s);
    try {
      const frames = await measureActivityFrames(`${s.origin}/?token=${token}`, this.options.frameMs);
      const { busy, idle } = frames;
      log(
        `Activity frames with 50,000 entries and 200 new a second: p50 ${busy.p50Ms} ms, p95 ${busy.p95Ms} ms, max ${busy.maxMs} ms (${Math.round(busy.frames / busy.seconds)} frames/s); idle p95 ${idle.p95Ms} ms; busy/idle p95 ${frames.p95Ratio}×`,
      );
      return frames;
    } finally {
      await this.stop(s);
    }
  }

  /**
   * FHIR read and search on 10,000 resources loaded at start-up with a system/*.rs token, then the bare
   * Fastify GET route answering bodies of the same sizes (bench/fhir.ts).
   */
  async fhir(): Promise<FhirFigures> {
    const file = await writeFhirConfig(this.configDir, CLIENT);
    const s = await spawnListening([this.options.cli, 'serve', '--port', '0', '--config', file]);
    this.spawned.add(s);
    let parts;
    try {
      const tokenResponse = await post(`${s.origin}/token`, TOKEN_HEADERS, CC_BODY);
      if (tokenResponse.status !== 200)
        throw new Error(`FHIR token: ${tokenResponse.status} ${tokenResponse.body}`);
      const token = (JSON.parse(tokenResponse.body) as { access_token: string }).access_token;
      const headers = { authorization: `Bearer ${token}` };
      const size = async (p: string): Promise<number> => {
        const res = await fetch(`${s.origin}${p}`, { headers });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${p}: ${res.status} ${text}`);
        return Buffer.byteLength(text);
      };
      const readBytes = await size(FHIR_READ_PATH);
      const searchBytes = await size(FHIR_SEARCH_PATH);
      const load = (p: string) => ({ serverPid: s.pid, url: `${s.origin}${p}`, headers, okStatus: [200] });
      const read = await this.measure('FHIR read', load(FHIR_READ_PATH));
      const search = await this.measure('FHIR search', load(FHIR_SEARCH_PATH));
      parts = { readBytes, searchBytes, read, search };
    } finally {
      await this.stop(s);
    }
    const bareAt = async (bytes: number, label: string) => {
      const b = await this.bare(bytes);
      try {
        return await this.measure(label, { serverPid: b.pid, url: `${b.origin}/resource`, okStatus: [200] });
      } finally {
        await this.stop(b);
      }
    };
    const bareRead = await bareAt(parts.readBytes, `bare Fastify GET (${parts.readBytes} B)`);
    const bareSearch = await bareAt(parts.searchBytes, `bare Fastify GET (${parts.searchBytes} B)`);
    return fhirFigures({ ...parts, bareRead, bareSearch });
  }

  async bare(bodyBytes: number): Promise<Spawned> {
    const s = await spawnListening([BARE, String(bodyBytes)]);
    this.spawned.add(s);
    return s;
  }

  async stop(s: Spawned): Promise<void> {
    await s.stop();
    this.spawned.delete(s);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.spawned].map((s) => this.stop(s)));
  }

  /** A warm-up run (discarded: JIT, connection set-up), then the measured run. */
  async measure(
    label: string,
    load: Omit<Parameters<typeof runLoad>[0], 'connections' | 'durationS'>,
  ): Promise<LoadFigures> {
    await runLoad({ ...load, connections: this.options.connections, durationS: this.options.warmupS });
    const figures = await runLoad({
      ...load,
      connections: this.options.connections,
      durationS: this.options.durationS,
    });
    const cpu =
      figures.cpuUsPerUnit === undefined ? '' : `, server CPU ${Math.round(figures.cpuUsPerUnit)} µs each`;
    log(
      `${label}: ${Math.round(figures.perSecond)}/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms${cpu}, ${figures.failures} failures`,
    );
    return figures;
  }

  clientCredentials(server: Spawned, label: string): Promise<LoadFigures> {
    return this.measure(label, {
      serverPid: server.pid,
      url: `${server.origin}/token`,
      method: 'POST',
      headers: TOKEN_HEADERS,
      body: CC_BODY,
      okStatus: [200],
    });
  }

  /** Full authorization-code cycles: GET /authorize (auto-approved, 302 with a code), then POST /token. */
  pkceCycles(server: Spawned, label: string): Promise<LoadFigures> {
    const origin = server.origin;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      scope: 'openid fhirUser launch/patient patient/*.rs',
      state: 'bench',
      aud: `${origin}/fhir`,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    return this.measure(label, {
      serverPid: server.pid,
      url: `${origin}/authorize`,
      okStatus: [200, 302],
      responsesPerUnit: 2,
      requests: [
        {
          method: 'GET',
          path: `/authorize?${query.toString()}`,
          onResponse: (_status, _body, context, headers) => {
            const location = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'location')?.[1];
            const code = typeof location === 'string' ? new URL(location).searchParams.get('code') : null;
            (context as { code?: string }).code = code ?? 'missing';
          },
        },
        {
          method: 'POST',
          path: '/token',
          headers: TOKEN_HEADERS,
          setupRequest: (req, context) => ({
            ...req,
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: (context as { code?: string }).code ?? 'missing',
              redirect_uri: REDIRECT,
              code_verifier: VERIFIER,
            }).toString(),
          }),
        },
      ],
    });
  }

  /**
   * Spawn to the first 200 from the token endpoint, polling right after the listening line. `dataDir`: start
   * with that data folder (one holding an earlier run's RSA key, so none is generated).
   */
  async startupMs(dataDir?: string): Promise<{ ms: number; cpuMs: number | undefined }> {
    const s = await this.sandbox('RS256', undefined, dataDir);
    return this.firstAnswer(s, `${s.origin}/token`, 'start-up run');
  }

  /** The same measure for the bare Fastify server: the part of a start no sandbox code adds to. */
  async bareStartupMs(): Promise<number> {
    const s = await this.bare(550);
    return (await this.firstAnswer(s, `${s.origin}/token`, 'bare start-up run')).ms;
  }

  private async firstAnswer(
    s: Spawned,
    url: string,
    what: string,
  ): Promise<{ ms: number; cpuMs: number | undefined }> {
    let response = await post(url, TOKEN_HEADERS, CC_BODY);
    for (let tries = 0; response.status !== 200 && tries < 200; tries++) {
      await new Promise((r) => setTimeout(r, 5));
      response = await post(url, TOKEN_HEADERS, CC_BODY);
    }
    const ms = performance.now() - s.spawnedAt;
    const cpu = cpuMs(s.pid);
    await this.stop(s);
    if (response.status !== 200) throw new Error(`${what}: answered ${response.status}: ${response.body}`);
    return { ms, cpuMs: cpu };
  }

  async rssAfter(origin: string, pid: number, amount: number): Promise<{ mb: number; failures: number }> {
    const figures = await runLoad({
      url: `${origin}/token`,
      connections: this.options.connections,
      amount,
      method: 'POST',
      headers: TOKEN_HEADERS,
      body: CC_BODY,
      okStatus: [200],
    });
    // Let in-flight work settle, so the figure is the steady state rather than a peak mid-request.
    await new Promise((r) => setTimeout(r, 1_000));
    return { mb: toMb(residentBytes(pid)), failures: figures.failures };
  }
}

/** Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the event loop. */
function threadOf(file: string): string {
  const tid = file.split('.').at(-3);
  return tid === '0' ? 'event loop' : `worker thread ${tid ?? '?'}`;
}

async function printProfiles(dir: string): Promise<void> {
  for (const server of (await readdir(dir)).sort()) {
    const files = (await readdir(path.join(dir, server))).filter((f) => f.endsWith('.cpuprofile')).sort();
    for (const name of files) {
      const file = path.join(dir, server, name);
      const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
      log(
        `${server}, ${threadOf(name)} (${path.relative(ROOT, file)}): top self-time frames, share of busy time`,
      );
      for (const f of topSelfFrames(profile, 15)) log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.frame}`);
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const configDir = await mkdtemp(path.join(os.tmpdir(), 'token-sandbox-bench-'));
  await writeFile(path.join(configDir, 'RS256.json'), JSON.stringify(config('RS256')));
  await writeFile(path.join(configDir, 'ES256.json'), JSON.stringify(config('ES256')));
  if (options.profileDir !== undefined) {
    await rm(options.profileDir, { recursive: true, force: true });
    await mkdir(options.profileDir, { recursive: true });
  }
  const bench = new Bench(options, configDir);
  const info = machine();
  log(
    `${info.cpus} cores (${info.cpuModel}), ${info.memoryGb} GB, Node ${info.node}; load average ${info.loadAverage1m}`,
  );

  try {
    if (options.framesOnly) {
      const activityFrames = await bench.activityFrames();
      process.stdout.write(`${JSON.stringify({ machine: info, activityFrames }, null, 2)}\n`);
      return;
    }
    if (options.inProcessOnly) {
      const inProcess = await measureInProcess(options.inProcessCycles, post);
      for (const line of inProcessLines(inProcess)) log(line);
      process.stdout.write(`${JSON.stringify({ machine: info, inProcess }, null, 2)}\n`);
      return;
    }
    if (options.fhirOnly) {
      const fhir = await bench.fhir();
      for (const line of fhirLines(fhir)) log(line);
      process.stdout.write(`${JSON.stringify({ machine: info, fhir }, null, 2)}\n`);
      return;
    }
    // Warm this process's HTTP client once, so its first use is not charged to the first start-up run.
    const warm = await bench.sandbox('RS256');
    await post(`${warm.origin}/token`, TOKEN_HEADERS, CC_BODY);
    await bench.stop(warm);

    const startupRunsMs: number[] = [];
    const startupCpuMs: number[] = [];
    for (let i = 0; i < options.startupRuns; i++) {
      const run = await bench.startupMs();
      startupRunsMs.push(run.ms);
      if (run.cpuMs !== undefined) startupCpuMs.push(run.cpuMs);
    }
    log(
      `start-up: median ${Math.round(percentile(startupRunsMs, 50))} ms of ${startupRunsMs.map(Math.round).join(', ')}`,
    );
    // What bounds a start: generating the RSA key (a random prime search), and starting Node and Fastify.
    const dataDir = path.join(configDir, 'data');
    await bench.startupMs(dataDir); // generates the key and writes it to the data folder as it stops
    const startupKeptKeyRunsMs: number[] = [];
    const startupBareRunsMs: number[] = [];
    for (let i = 0; i < options.startupRuns; i++) {
      startupKeptKeyRunsMs.push((await bench.startupMs(dataDir)).ms);
      startupBareRunsMs.push(await bench.bareStartupMs());
    }
    log(
      `start-up with a kept key: median ${Math.round(percentile(startupKeptKeyRunsMs, 50))} ms; bare Fastify: median ${Math.round(percentile(startupBareRunsMs, 50))} ms`,
    );

    const rsaSignsPerSecond = signsPerSecondOneCore('rsa-2048', options.signMs);
    const p256SignsPerSecond = signsPerSecondOneCore('p-256', options.signMs);
    log(
      `one core: ${Math.round(rsaSignsPerSecond)} RSA-2048 and ${Math.round(p256SignsPerSecond)} P-256 signatures/s`,
    );

    const es = await bench.sandbox('ES256', 'es256');
    const sample = await post(`${es.origin}/token`, TOKEN_HEADERS, CC_BODY);
    if (sample.status !== 200) throw new Error(`ES256 token request failed: ${sample.status} ${sample.body}`);
    const bareBodyBytes = Buffer.byteLength(sample.body);
    const bareServer = await bench.bare(bareBodyBytes);
    const bare = await bench.clientCredentials(bareServer, `bare Fastify (${bareBodyBytes} B)`);
    await bench.stop(bareServer);
    const es256 = await bench.clientCredentials(es, 'client_credentials ES256');
    const pkceEs256 = await bench.pkceCycles(es, 'authorize + token ES256');
    await bench.stop(es);

    const rs = await bench.sandbox('RS256', 'rs256');
    const rs256 = await bench.clientCredentials(rs, 'client_credentials RS256');
    const pkce = await bench.pkceCycles(rs, 'authorize + token RS256');
    await bench.stop(rs);

    const mem = await bench.sandbox('ES256');
    const [first, total] = options.memoryCounts;
    const at10k = await bench.rssAfter(mem.origin, mem.pid, first);
    log(`RSS after ${first} tokens: ${at10k.mb} MB`);
    const at200k = await bench.rssAfter(mem.origin, mem.pid, total - first);
    log(`RSS after ${total} tokens: ${at200k.mb} MB (${at10k.failures + at200k.failures} failures)`);
    await bench.stop(mem);

    const fhir = await bench.fhir();
    for (const line of fhirLines(fhir)) log(line);

    const activityFrames = await bench.activityFrames();
    // Last, in this process: nothing else runs here meanwhile, and its handles are the bench's own.
    const inProcess = await measureInProcess(options.inProcessCycles, post);
    for (const line of inProcessLines(inProcess)) log(line);

    const results = shapeResults({
      machine: info,
      connections: options.connections,
      durationS: options.durationS,
      rs256,
      es256,
      pkce,
      pkceEs256,
      bare,
      bareBodyBytes,
      rsaSignsPerSecond,
      p256SignsPerSecond,
      startupRunsMs,
      startupCpuMs,
      startupKeptKeyRunsMs,
      startupBareRunsMs,
      rssMb10k: at10k.mb,
      rssMb200k: at200k.mb,
      memoryFailures: at10k.failures + at200k.failures,
    });
    await writeFile(
      options.out,
      `${JSON.stringify({ ...results, fhir, activityFrames, inProcess }, null, 2)}\n`,
    );
    const { busy } = activityFrames;
    process.stdout.write(
      `\n${resultsTable(results)}\n\nActivity frames (50,000 entries, 200 new/s): p50 ${busy.p50Ms} ms, p95 ${busy.p95Ms} ms, max ${busy.maxMs} ms; ${activityFrames.p95Ratio}× the idle page's p95\n\n${fhirLines(fhir).join('\n')}\n\n${inProcessLines(inProcess).join('\n')}\n\nwrote ${path.relative(process.cwd(), options.out)}\n`,
    );
    if (options.profileDir !== undefined) await printProfiles(options.profileDir);
  } finally {
    await bench.stopAll();
    await rm(configDir, { recursive: true, force: true });
  }
}

await main();
