import type { EffectiveClient } from '../config/defaults.js';
import type { ClientConfig } from '../config/schema.js';
import type { FailureId } from '../failures/ids.js';

// Plain types only: the workbench imports them too (type-only), so nothing here may touch Fastify or Node.

/** Where a failure mode applies: the token endpoint, the authorization endpoint or the FHIR base. */
export type FailureEndpoint = 'token' | 'authorize' | 'fhir';

/** A failure mode as `GET /failures` lists it under `available`. */
export interface FailureInfo {
  readonly id: FailureId;
  readonly endpoint: FailureEndpoint;
  readonly produces: string;
}

/** An armed failure as the admin API shows it. */
export interface ArmedFailure {
  readonly id: FailureId;
  /** Firings left; absent means it stays armed until removed. */
  readonly remaining?: number;
  readonly probability?: number;
  readonly clientId?: string;
  readonly delayMs?: number;
  /** How many requests it has shaped so far. */
  readonly fired: number;
  readonly armedAt: string;
}

/** The body of `GET /failures` (docs/admin-api.md#failures). */
export interface FailureBoardView {
  readonly armed: readonly ArmedFailure[];
  readonly available: readonly FailureInfo[];
}

export type ArtefactKind = 'code' | 'access_token' | 'refresh_token' | 'id_token';
export type ArtefactState = 'active' | 'consumed' | 'expired' | 'revoked';

/** A patient of the FHIR data with its encounters, as `GET /launches/choices` lists them (the Launch view's pickers). */
export interface LaunchPatientChoice {
  readonly id: string;
  readonly name: string;
  readonly encounters: readonly { readonly id: string; readonly label: string }[];
}

/** One issued code or token as the grants view lists it (docs/admin-api.md#grants). */
export interface IssuedArtefact {
  /** Stable id for actions (`POST /grants/:id/revoke|expire`): a JWT's jti or a digest, never the value. */
  readonly id: string;
  readonly kind: ArtefactKind;
  readonly clientId: string;
  readonly grantId?: string;
  /** The first characters of the value, to match it with what the client holds. */
  readonly preview: string;
  readonly state: ArtefactState;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** The body of `GET /storage`: where this server keeps its keys, clients and issued artefacts. */
export interface StorageView {
  /** The absolute data folder (`--data-dir`), or null when state lives in memory and ends with the process. */
  readonly dataDir: string | null;
}

/**
 * A client as `GET /clients` lists it: the document as registered, what the active profile cannot serve, and
 * the values in force once defaults apply (docs/admin-api.md#clients).
 */
export type ListedClient = ClientConfig & {
  readonly warnings: readonly string[];
  readonly effective: EffectiveClient;
};
