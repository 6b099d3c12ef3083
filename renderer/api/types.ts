/**
 * The admin API's shapes as the workbench reads them (docs/admin-api.md). Config, client, failure, artefact and
 * exchange types come from the server's own modules (types only: nothing of the server runs in the browser);
 * the rest mirror the admin API's JSON.
 */
import type {
  AuthMethod,
  Claims,
  ClientConfig,
  FailureArm,
  GrantType,
  PersonaConfig,
  SandboxConfig,
  SigningAlg,
} from '../../server/config/schema.js';
import type { ArtefactState, EffectiveConfig, IssuedArtefact } from '../../server/admin/shapes.js';
import type { EffectiveClient } from '../../server/config/defaults.js';
import type { FailureId } from '../../server/failures/ids.js';

export type {
  AuthMethod,
  Claims,
  ClientConfig,
  FailureArm,
  FailureId,
  GrantType,
  PersonaConfig,
  SandboxConfig,
  SigningAlg,
};
/** A client's values in force (`effective` in `GET /clients`): the workbench shows these, never a default of its own. */
export type { EffectiveClient };
/** The settings in force, every default applied (`GET /config/effective`). */
export type { EffectiveConfig };

/** The values of the config's enums, kept at runtime here; `satisfies` keeps them equal to the server's. */
export const GRANT_TYPE_VALUES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
] as const satisfies readonly GrantType[];
export const AUTH_METHOD_VALUES = [
  'client_secret_basic',
  'client_secret_post',
  'none',
  'private_key_jwt',
] as const satisfies readonly AuthMethod[];
export const SIGNING_ALG_VALUES = ['RS256', 'ES256'] as const satisfies readonly SigningAlg[];

/** The admin API's error body. */
export interface AdminErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}

export type {
  Exchange,
  ExchangePage,
  ExchangeSummary,
  LoggedMessage,
  PkceCheck,
  Reason,
  Verdict,
  VerdictDetails,
} from '../../server/exchanges/exchange.js';

export type {
  ArmedFailure,
  ArtefactKind,
  ArtefactState,
  ClockView,
  FailureEndpoint,
  FailureInfo,
  IssuedArtefact as Artefact,
  FailureBoardView as FailureBoard,
  IssuerViewShape as IssuerView,
  LaunchRequest,
  LaunchResult,
  EhrLaunchRequest,
  EhrLaunchResult,
  FramingFinding,
  ListedClient,
  StorageView,
  LaunchPatientChoice,
  PersonaList,
  QueuedClaimsView,
} from '../../server/admin/shapes.js';

/** A grant family, put together in the page: a code and every token issued from it, or a lone token. */
export interface GrantFamily {
  readonly id: string;
  readonly clientId: string;
  readonly state: ArtefactState;
  readonly createdAt: string;
  readonly artefacts: readonly IssuedArtefact[];
}

/** The SMART configuration document (SMART App Launch 2.2 §2.1), the fields the workbench shows. */
export interface SmartConfiguration {
  readonly issuer?: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri?: string;
  readonly introspection_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly [field: string]: unknown;
}
