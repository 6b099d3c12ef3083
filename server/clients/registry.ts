import { registerClient, type RegisteredClient } from '../config/defaults.js';
import type { ClientConfig, SandboxConfig } from '../config/schema.js';

/** The registered clients, by client_id. */
export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();

  constructor(private readonly config: () => SandboxConfig) {}

  get(clientId: string): RegisteredClient | undefined {
    return this.#clients.get(clientId);
  }

  list(): RegisteredClient[] {
    return [...this.#clients.values()];
  }

  /** Adds or replaces a client; the document must already be validated. */
  put(client: ClientConfig): RegisteredClient {
    const registered = registerClient(client, this.config());
    this.#clients.set(client.clientId, registered);
    return registered;
  }

  delete(clientId: string): boolean {
    return this.#clients.delete(clientId);
  }

  replaceAll(clients: readonly ClientConfig[]): void {
    this.#clients.clear();
    for (const c of clients) this.put(c);
  }
}
