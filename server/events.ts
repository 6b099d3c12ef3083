import { EventEmitter } from 'node:events';
import type { ExchangeSummary } from './exchanges/exchange.js';
import type { ArmedFailure } from './failures/board.js';
import type { FailureId } from './failures/ids.js';

/** Domain events the server emits; the exchange log and the UI's live view listen to them. */
export interface SandboxEvents {
  'code.issued': { code: string; clientId: string; expiresAt: number };
  'code.consumed': { code: string; clientId: string; grantId: string };
  'token.issued': {
    kind: 'access_token' | 'refresh_token' | 'id_token';
    clientId: string;
    grantId: string | undefined;
    id: string;
    expiresAt: number;
  };
  'refresh.rotated': { grantId: string; clientId: string; from: string; to: string };
  'grant.revoked': { grantId: string; clientId: string; reason: string };
  'token.revoked': { id: string; clientId: string; kind: 'code' | 'access_token' | 'refresh_token' };
  /** An admin "expire now": the artefact is treated as expired from this moment. */
  'token.expired': { id: string; clientId: string; kind: 'code' | 'access_token' | 'refresh_token' };
  'failure.armed': { failure: ArmedFailure };
  'failure.fired': { id: FailureId; clientId: string | undefined; remaining: number | undefined };
  'failure.disarmed': { id: FailureId; reason: 'used up' | 'removed' | 'replaced' };
  'client.changed': { clientId: string; change: 'added' | 'updated' | 'deleted' };
  'config.imported': { clients: number; failures: number };
  'clock.changed': { offsetSeconds: number };
  /** A rotation made `kid` the current key of `alg`; `replaced` stay published for `graceSeconds`. */
  'key.rotated': { kid: string; alg: string; replaced: string[]; graceSeconds: number };
  /** A key left the JWKS at once (admin "retire now"); a grace period running out emits nothing. */
  'key.retired': { kid: string; retiredAt: number };
  'exchange.recorded': ExchangeSummary;
  /** An issuer joined the sandbox under `/i/NAME` (README "Many issuers"); emitted on the default issuer's bus. */
  'issuer.added': { name: string; profile: string };
  'issuer.removed': { name: string };
}

/** Every event name, so a listener that wants them all (the live event stream) can name them. */
export const SANDBOX_EVENT_NAMES = Object.keys({
  'code.issued': true,
  'code.consumed': true,
  'token.issued': true,
  'refresh.rotated': true,
  'grant.revoked': true,
  'token.revoked': true,
  'token.expired': true,
  'failure.armed': true,
  'failure.fired': true,
  'failure.disarmed': true,
  'client.changed': true,
  'config.imported': true,
  'clock.changed': true,
  'key.rotated': true,
  'key.retired': true,
  'exchange.recorded': true,
  'issuer.added': true,
  'issuer.removed': true,
} satisfies Record<SandboxEventName, true>) as SandboxEventName[];

export type SandboxEventName = keyof SandboxEvents;

/** A typed wrapper over EventEmitter, so an event and its payload cannot drift apart. */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<K extends SandboxEventName>(name: K, listener: (payload: SandboxEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  emit<K extends SandboxEventName>(name: K, payload: SandboxEvents[K]): void {
    this.#emitter.emit(name, payload);
  }
}
