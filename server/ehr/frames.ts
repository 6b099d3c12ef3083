import type { ClientRegistry } from '../clients/registry.js';
import type { Clock } from '../clock.js';
import {
  LaunchError,
  type CreatedLaunch,
  type LaunchInput,
  type LaunchRegistry,
} from '../launch/launches.js';
import type { FramingFinding } from '../admin/shapes.js';
import type { Sandbox } from '../sandbox.js';
import { randomToken } from '../store/random.js';
import { checkFraming } from './framing-check.js';

/**
 * How long an EHR page stays open to its link: a working session. Its launch expires sooner
 * (LAUNCH_LIFETIME_MS); Relaunch mints a fresh one within this time.
 */
export const EHR_FRAME_LIFETIME_MS = 60 * 60_000;
/** EHR pages remembered at once; the oldest is forgotten first (docs/config.md "limits"). */
export const MAX_EHR_FRAMES = 100;

/** What an EHR page launches: the context of a launch, without a one-off URL (the frame opens the client's). */
export type EhrFrameInput = Omit<LaunchInput, 'launchUrl' | 'needPatientBanner'>;

/** One EHR page: the context it launches with and its current launch. */
export interface EhrFrame {
  readonly id: string;
  readonly input: EhrFrameInput;
  readonly launch: CreatedLaunch & { readonly url: string };
  readonly expiresAt: number;
}

/**
 * The sandbox's EHR pages (docs/endpoints.md#ehr-page). Each is reached through a random id that only the admin
 * call minting it learns, so the id is the page's key, as the launch value is the app's; a page of another
 * origin can neither guess it nor read what it shows.
 */
export class EhrFrames {
  readonly #frames = new Map<string, EhrFrame>();

  constructor(
    private readonly clock: Clock,
    private readonly launches: LaunchRegistry,
    private readonly clients: ClientRegistry,
  ) {}

  /**
   * Mints a launch for the client's registered launch URL, with `need_patient_banner: false` (SMART App
   * Launch 2.2 §launch context: the EHR shows the banner), and an EHR page around it. Throws LaunchError.
   */
  async create(input: EhrFrameInput): Promise<EhrFrame> {
    const launch = await this.#mint(input);
    const frame: EhrFrame = {
      id: randomToken(),
      input,
      launch,
      expiresAt: this.clock.now() + EHR_FRAME_LIFETIME_MS,
    };
    if (this.#frames.size >= MAX_EHR_FRAMES) {
      const oldest = this.#frames.keys().next().value;
      if (oldest !== undefined) this.#frames.delete(oldest);
    }
    this.#frames.set(frame.id, frame);
    return frame;
  }

  /** The page, if it exists and has not expired. */
  get(id: string): EhrFrame | 'unknown' | 'expired' {
    const frame = this.#frames.get(id);
    if (frame === undefined) return 'unknown';
    if (this.clock.now() >= frame.expiresAt) return 'expired';
    return frame;
  }

  /** Whether the page's current launch can still be redeemed at /authorize. */
  launchLive(frame: EhrFrame): boolean {
    return this.launches.resolve(frame.launch.launch, frame.input.clientId).status === 'ok';
  }

  /** A fresh launch with the same context; the page lives on from now. Throws LaunchError. */
  async relaunch(frame: EhrFrame): Promise<EhrFrame> {
    const next: EhrFrame = {
      ...frame,
      launch: await this.#mint(frame.input),
      expiresAt: this.clock.now() + EHR_FRAME_LIFETIME_MS,
    };
    this.#frames.delete(frame.id);
    this.#frames.set(frame.id, next);
    return next;
  }

  /** Forgets expired pages, so memory stays flat. */
  prune(): void {
    const now = this.clock.now();
    for (const [id, frame] of this.#frames) if (now >= frame.expiresAt) this.#frames.delete(id);
  }

  async #mint(input: EhrFrameInput): Promise<CreatedLaunch & { readonly url: string }> {
    // Checked before minting, so a refused request leaves no launch value behind.
    const client = this.clients.get(input.clientId);
    if (client === undefined) {
      throw new LaunchError('unknown_client', `client ${input.clientId} is not registered`);
    }
    if (client.launchUrl === undefined) {
      throw new LaunchError(
        'invalid_context',
        `client ${input.clientId} has no launchUrl: the EHR page opens the app at its registered launch URL`,
        [
          {
            path: 'clientId',
            message: `client ${input.clientId} has no launchUrl; register one to open it in the EHR`,
          },
        ],
      );
    }
    const created = await this.launches.create({ ...input, needPatientBanner: false });
    // The launch URL is the client's, checked above.
    return { ...created, url: created.url ?? client.launchUrl };
  }
}

/** Where EHR pages live (docs/endpoints.md#ehr-page): beside the admin API, outside its bearer guard. */
export const EHR_PAGE_PREFIX = '/_sandbox/ehr';

/** The absolute URL of an EHR page. */
export function ehrPageUrl(sandbox: Sandbox, frameId: string): string {
  return `${sandbox.base}${EHR_PAGE_PREFIX}/${encodeURIComponent(frameId)}`;
}

/** The framing check against the config's extra hosts: one call for the admin route and the page. */
export function checkFrameFraming(sandbox: Sandbox, frame: EhrFrame): Promise<FramingFinding> {
  const launchUrl = new URL(frame.launch.url);
  // The launch value never leaves in the check: it is the app's, and only the frame's own request carries it.
  launchUrl.searchParams.delete('launch');
  launchUrl.searchParams.delete('iss');
  return checkFraming(launchUrl.toString(), sandbox.origin, sandbox.config.ehrFrame?.framingCheckHosts ?? []);
}
