import { EventEmitter } from 'node:events';

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
  'token.revoked': { id: string; clientId: string; kind: 'access_token' | 'refresh_token' };
}

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
