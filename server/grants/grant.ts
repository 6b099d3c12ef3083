import type { RegisteredClient } from '../config/defaults.js';
import type { Params } from '../oauth/form.js';
import type { Profile } from '../profiles/profile.js';
import type { PkceCheck } from '../exchanges/exchange.js';
import type { Sandbox } from '../sandbox.js';

/** One thing the server checked and accepted, in plain words, with the rule behind it. */
export interface Note {
  readonly text: string;
  readonly rule?: string;
}

export interface GrantContext {
  readonly sandbox: Sandbox;
  readonly client: RegisteredClient;
  readonly params: Params;
  /** The profile active when the request arrived; every vendor difference is read from it. */
  readonly profile: Profile;
  /** What the grant checked and accepted; the exchange log shows it as the verdict. */
  readonly notes: Note[];
  /** What the grant compared, as data: the verdict carries it whether the request is accepted or refused. */
  readonly details: { pkce?: PkceCheck };
}

/** RFC 6749 §5.1 plus the SMART App Launch context fields. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  fhirContext?: readonly Record<string, unknown>[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  intent?: string;
  tenant?: string;
}

/** A grant type as a module: it validates its own parameters and returns the token response. */
export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;
