import { registerClient, type RegisteredClient, type ResolvedConfig } from '../config/defaults.js';
import type { ClientConfig } from '../config/schema.js';

/** The registered clients, by client_id. */
export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();

  /** `settings` gives the config's resolved settings: a client without its own lifetimes takes theirs. */
  constructor(private readonly settings: () => ResolvedConfig) {}

  get(clientId: string): RegisteredClient | undefined {
    return this.#clients.get(clientId);
  }

  list(): RegisteredClient[] {
    return [...this.#clients.values()];
  }

  /** Adds or replaces a client; the document must already be validated. */
  put(client: ClientConfig): RegisteredClient {
    const registered = registerClient(client, this.settings());
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
