import type { PersonaConfig, PersonaList } from '../api/types.js';
import { loadRemote, writeThenReload } from './remote.js';
import type { ActionResult, Remote, SliceCreator } from './types.js';

export interface PersonasSlice {
  /** Who may sign in, the default persona, and the choices remembered per client (`GET /personas`). */
  readonly personas: Remote<PersonaList>;
  readonly loadPersonas: () => Promise<void>;
  /** Adds or replaces a persona; the result carries the server's message and field when it refuses. */
  readonly savePersona: (persona: PersonaConfig, mode: 'create' | 'update') => Promise<ActionResult>;
  readonly deletePersona: (id: string) => Promise<ActionResult>;
  readonly forgetRememberedPersona: (clientId: string) => Promise<ActionResult>;
}

export const createPersonasSlice: SliceCreator<PersonasSlice> = (deps) => (set, get) => {
  /** Runs a write, then reads the list again: the server decides what stands (defaults, remembered choices). */
  const write = (action: () => Promise<unknown>): Promise<ActionResult> =>
    writeThenReload(action, () => get().loadPersonas());
  return {
    personas: { status: 'idle' },
    loadPersonas: () =>
      loadRemote(
        get().personas,
        (personas) => set({ personas }),
        () => deps.api.listPersonas(),
      ),
    savePersona: (persona, mode) =>
      write(() => (mode === 'create' ? deps.api.createPersona(persona) : deps.api.updatePersona(persona))),
    deletePersona: (id) => write(() => deps.api.deletePersona(id)),
    forgetRememberedPersona: (clientId) => write(() => deps.api.forgetRememberedPersona(clientId)),
  };
};
