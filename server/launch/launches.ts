import type { Clock } from '../clock.js';
import type { ClientRegistry } from '../clients/registry.js';
import { DEFAULTS } from '../config/defaults.js';
import type { SandboxConfig } from '../config/schema.js';
import type { LaunchContext } from '../store/artefacts.js';
import { randomToken } from '../store/random.js';

/**
 * How long an EHR launch value stays redeemable at /authorize. SMART leaves it to the EHR; ten minutes is
 * long enough for a person to click through a consent page and short enough that a leaked URL goes stale.
 */
export const LAUNCH_LIFETIME_MS = 10 * 60_000;

/** What an EHR launch binds; fields left out come from the config's `launch` (then the defaults). */
export interface LaunchInput {
  readonly clientId: string;
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
  /** The client's launchUrl with `iss` (the FHIR base) and `launch` added. */
  readonly url: string;
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

/** Why a launch could not be created; the admin API answers `unknown_client` with 404, the other with 400. */
export class LaunchError extends Error {
  constructor(
    readonly reason: 'unknown_client' | 'no_launch_url',
    message: string,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
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
  ) {}

  /** Mints a launch for a registered client that has a launchUrl; throws {@link LaunchError} otherwise. */
  create(input: LaunchInput): CreatedLaunch {
    const client = this.clients.get(input.clientId);
    if (!client) {
      throw new LaunchError('unknown_client', `client ${input.clientId} is not registered`);
    }
    if (client.launchUrl === undefined) {
      throw new LaunchError(
        'no_launch_url',
        `client ${input.clientId} has no launchUrl, so it cannot be launched from the EHR`,
      );
    }
    const context = launchContext(input, this.config());
    const launch = randomToken();
    const expiresAt = this.clock.now() + LAUNCH_LIFETIME_MS;
    this.#launches.set(launch, { clientId: client.clientId, context, expiresAt });
    const url = new URL(client.launchUrl);
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

/** The config's `launch` over the documented defaults: the context of any launch that does not say otherwise. */
export function configuredContext(config: SandboxConfig): LaunchContext {
  // The schema types fhirContext items as bare objects; JSON objects are string-keyed records.
  return { ...DEFAULTS.launch, ...config.launch } as LaunchContext;
}

function launchContext(input: LaunchInput, config: SandboxConfig): LaunchContext {
  const base = configuredContext(config);
  const merged: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = input[key] ?? base[key];
    if (value !== undefined) merged[key] = value;
  }
  // Each key was copied from a LaunchContext field of the same name, so the record is one.
  const context: LaunchContext = merged;
  return context;
}
