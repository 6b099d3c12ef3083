import type { Clock } from '../clock.js';
import type { ClientRegistry } from '../clients/registry.js';
import { DEFAULTS } from '../config/defaults.js';
import type { SandboxConfig } from '../config/schema.js';
import type { FhirData } from '../fhir/data.js';
import { UpstreamError, upstreamOf } from '../fhir/upstream.js';
import type { LaunchContext } from '../store/artefacts.js';
import { randomToken } from '../store/random.js';
import { RefusalError } from '../refusal-error.js';
import { launchContextIssues, upstreamContextIssues, type LaunchContextIssue } from './context-check.js';

/**
 * How long an EHR launch value stays redeemable at /authorize. SMART leaves it to the EHR; ten minutes is
 * long enough for a person to click through a consent page and short enough that a leaked URL goes stale.
 */
export const LAUNCH_LIFETIME_MS = 10 * 60_000;

/** What an EHR launch binds; fields left out come from the config's `launch` (then the defaults). */
export interface LaunchInput {
  readonly clientId: string;
  /** Where to open the app this once; the client's registered launchUrl otherwise. */
  readonly launchUrl?: string;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirUser?: string;
  readonly fhirContext?: Record<string, unknown>[];
  readonly intent?: string;
  readonly needPatientBanner?: boolean;
  readonly smartStyleUrl?: string;
  readonly tenant?: string;
}

/** A minted EHR launch: the opaque value, the URL the EHR opens, and the context the value stands for. */
export interface CreatedLaunch {
  readonly launch: string;
  /**
   * The launch URL (the request's, else the client's) with `iss` (the FHIR base) and `launch` added; null
   * when there is none, for an app without a launch page yet or a launch driven from a script.
   */
  readonly url: string | null;
  readonly context: LaunchContext;
  /** Milliseconds since the epoch (server clock). */
  readonly expiresAt: number;
}

interface LaunchRecord {
  readonly clientId: string;
  readonly context: LaunchContext;
  readonly expiresAt: number;
}

export type LaunchLookup =
  | { readonly status: 'ok'; readonly context: LaunchContext }
  | { readonly status: 'unknown' }
  | { readonly status: 'expired' }
  | { readonly status: 'wrong_client' };

/**
 * Why a launch could not be created; the admin API answers `unknown_client` with 404, `upstream_failed` (the
 * FHIR upstream could not be asked about the context) with 502, and `invalid_context` with 400.
 */
export class LaunchError extends RefusalError<'unknown_client' | 'invalid_context' | 'upstream_failed'> {
  override readonly name = 'LaunchError';
}

/**
 * EHR launches the sandbox makes as the EHR (SMART App Launch 2.2 §EHR launch): each opaque `launch` value
 * is random, bound to one client and one context, and expires. /authorize resolves it; it may be used more
 * than once while it lives, so an app that restarts its authorization still works, as with real EHRs.
 */
export class LaunchRegistry {
  readonly #launches = new Map<string, LaunchRecord>();

  constructor(
    private readonly clock: Clock,
    private readonly clients: ClientRegistry,
    private readonly config: () => SandboxConfig,
    private readonly fhirBase: () => string,
    private readonly fhir: FhirData,
  ) {}

  /**
   * Mints a launch for a registered client whose context names a patient and encounter of the FHIR data (the
   * upstream's behind `fhir.upstream`);
   * throws {@link LaunchError} otherwise. A client without a launchUrl still gets its `launch` value (url null).
   */
  async create(input: LaunchInput): Promise<CreatedLaunch> {
    const client = this.clients.get(input.clientId);
    if (!client) {
      throw new LaunchError('unknown_client', `client ${input.clientId} is not registered`);
    }
    const config = this.config();
    const context = launchContext(input, config);
    const upstream = upstreamOf(config.fhir);
    let issues: LaunchContextIssue[];
    if (upstream === undefined) {
      issues = launchContextIssues(context, this.fhir);
    } else {
      try {
        issues = [
          ...launchContextIssues({ fhirUser: context.fhirUser }, this.fhir),
          ...(await upstreamContextIssues(context, upstream)),
        ];
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        throw new LaunchError(
          'upstream_failed',
          `the upstream FHIR server ${upstream.base} ${err.message}, so the launch context could not be checked`,
        );
      }
    }
    if (issues.length > 0) {
      const first = issues[0];
      throw new LaunchError('invalid_context', `${first?.path ?? ''}: ${first?.message ?? ''}`, issues);
    }
    const launch = randomToken();
    const expiresAt = this.clock.now() + LAUNCH_LIFETIME_MS;
    this.#launches.set(launch, { clientId: client.clientId, context, expiresAt });
    const target = input.launchUrl ?? client.launchUrl;
    if (target === undefined) return { launch, url: null, context, expiresAt };
    const url = new URL(target);
    url.searchParams.set('iss', this.fhirBase());
    url.searchParams.set('launch', launch);
    return { launch, url: url.toString(), context, expiresAt };
  }

  /** The context of a launch value, if it exists, is unexpired and belongs to this client. */
  resolve(launch: string, clientId: string): LaunchLookup {
    const record = this.#launches.get(launch);
    if (!record) return { status: 'unknown' };
    if (this.clock.now() >= record.expiresAt) return { status: 'expired' };
    if (record.clientId !== clientId) return { status: 'wrong_client' };
    return { status: 'ok', context: record.context };
  }

  /** Forgets expired launches, so memory stays flat. */
  prune(): void {
    const now = this.clock.now();
    for (const [launch, record] of this.#launches) if (now >= record.expiresAt) this.#launches.delete(launch);
  }
}

const CONTEXT_KEYS = [
  'patient',
  'encounter',
  'fhirUser',
  'fhirContext',
  'intent',
  'needPatientBanner',
  'smartStyleUrl',
  'tenant',
] as const satisfies readonly (keyof LaunchContext)[];

/** A launch context whose patient and user are always known: the configured one, every default applied. */
export type ConfiguredContext = LaunchContext & { readonly patient: string; readonly fhirUser: string };

/** The config's `launch` over the documented defaults: the context of any launch that does not say otherwise. */
export function configuredContext(config: SandboxConfig): ConfiguredContext {
  const { encounter, ...defaults } = DEFAULTS.launch;
  // The default encounter is the default patient's: it goes with that patient only, never with another.
  const samePatient = config.launch?.patient === undefined || config.launch.patient === defaults.patient;
  return { ...defaults, ...(samePatient ? { encounter } : {}), ...config.launch };
}

function launchContext(input: LaunchInput, config: SandboxConfig): LaunchContext {
  const base = configuredContext(config);
  // As above: a launch naming another patient does not inherit the configured patient's encounter.
  const otherPatient = input.patient !== undefined && input.patient !== base.patient;
  const merged: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const inherited = key === 'encounter' && otherPatient ? undefined : base[key];
    const value = input[key] ?? inherited;
    if (value !== undefined) merged[key] = value;
  }
  // Each key was copied from a LaunchContext field of the same name, so the record is one.
  const context: LaunchContext = merged;
  return context;
}
