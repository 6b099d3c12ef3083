import type { ClientConfig, ListedClient } from '../api/types.js';
import { failed, OK } from './errors.js';
import { loadRemote, writeThenReload } from './remote.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface ClientsSlice {
  readonly clients: Remote<readonly ListedClient[]>;
  readonly loadClients: () => Promise<void>;
  /** Creates or replaces a client; the result carries the server's message and field when it refuses. */
  readonly saveClient: (client: ClientConfig, mode: 'create' | 'update') => Promise<ActionResult>;
  readonly deleteClient: (clientId: string) => Promise<ActionResult>;
}

function sorted(clients: readonly ListedClient[]): readonly ListedClient[] {
  return [...clients].sort((a, b) => a.clientId.localeCompare(b.clientId));
}

export const createClientsSlice: SliceCreator<ClientsSlice> = (deps) => (set, get) => ({
  clients: { status: 'idle' },
  loadClients: () =>
    loadRemote(
      get().clients,
      (clients) => set({ clients }),
      async () => sorted(await deps.api.listClients()),
    ),
  // A write answers with the document alone; the list also carries each client's values in force
  // (`effective`), which only the server works out, so it is read again.
  saveClient: (client, mode) =>
    writeThenReload(
      () => (mode === 'create' ? deps.api.createClient(client) : deps.api.updateClient(client)),
      () => get().loadClients(),
    ),
  deleteClient: async (clientId) => {
    try {
      await deps.api.deleteClient(clientId);
      const current = get().clients;
      if (current.status === 'ready') {
        set({ clients: { status: 'ready', data: current.data.filter((c) => c.clientId !== clientId) } });
      }
      return OK;
    } catch (err) {
      return failed(err);
    }
  },
});
