import { ARTEFACT_EVENTS } from '../../server/artefact-events.js';
import type { AdminApi } from '../api/admin-client.js';
import { runEventStream, type SseMessage } from '../api/sse.js';
import type { ExchangeSummary } from '../api/types.js';
import { createFrameBatcher, type FrameScheduler } from '../lib/frame-batcher.js';
import type { AppStore } from './store.js';

/** Events after which the Codes & tokens view reloads (the server's domain events, server/events.ts). */
const GRANT_EVENTS = new Set<string>(ARTEFACT_EVENTS);
const FAILURE_EVENTS = new Set(['failure.armed', 'failure.fired', 'failure.disarmed']);

/** Runs `task` at most once per `ms`, always after the last call (trailing), so bursts cost one reload. */
function trailing(task: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      task();
    }, ms);
  };
}

/** Which issuer's stream a router serves, when the workbench follows several (README "Many issuers"). */
export interface StreamScope {
  /** The issuer its exchanges are tagged with in the merged Activity log. */
  readonly issuer?: string;
  /** Only its exchanges count: another issuer's grants, clients or failures are not on screen. */
  readonly exchangesOnly?: boolean;
}

/** Routes one event of the live stream into the store. */
export function createLiveRouter(store: AppStore, schedule?: FrameScheduler, scope: StreamScope = {}) {
  const state = () => store.getState();
  const exchanges = createFrameBatcher<ExchangeSummary>((batch) => {
    const { issuer } = scope;
    state().appendExchanges(issuer === undefined ? batch : batch.map((e) => ({ ...e, issuer })));
  }, schedule);
  const reloadIssuers = trailing(() => void state().loadIssuers(), 100);
  const reloadGrants = trailing(() => void state().loadGrants(), 200);
  const reloadFailures = trailing(() => void state().loadFailures(), 100);
  const reloadClients = trailing(() => void state().loadClients(), 100);
  const reloadServer = trailing(() => void state().loadServer(), 100);
  return {
    route(message: SseMessage): void {
      const name = message.event;
      if (name === 'exchange.recorded') {
        try {
          exchanges.push(JSON.parse(message.data) as ExchangeSummary);
        } catch {
          // A malformed event is skipped; the next reload of the list has it right.
        }
      } else if (name === 'issuer.added' || name === 'issuer.removed') reloadIssuers();
      else if (scope.exchangesOnly === true) return;
      else if (GRANT_EVENTS.has(name)) reloadGrants();
      else if (FAILURE_EVENTS.has(name)) reloadFailures();
      else if (name === 'client.changed') reloadClients();
      // A moved clock can end a key's grace period, so it reloads the keys with the rest of the server view.
      else if (name === 'clock.changed' || name === 'key.rotated' || name === 'key.retired') reloadServer();
      else if (name === 'config.imported' || name === 'reset') {
        // `reset`: the server's journal no longer holds what was missed, so everything is fetched again.
        if (name === 'reset') void state().loadExchanges();
        reloadGrants();
        reloadServer();
        reloadClients();
        reloadFailures();
      }
    },
    stop(): void {
      exchanges.cancel();
    },
  };
}

/** Keeps the store in step with the server (one issuer's stream) until `signal` aborts. */
export function connectLive(
  store: AppStore,
  api: AdminApi,
  signal: AbortSignal,
  scope: StreamScope = {},
): Promise<void> {
  const router = createLiveRouter(store, undefined, scope);
  signal.addEventListener('abort', () => {
    router.stop();
  });
  let wasRetrying = false;
  return runEventStream({
    url: api.eventsUrl,
    headers: () => api.headers(),
    signal,
    onMessage: (m) => {
      router.route(m);
    },
    onStatus: (status) => {
      // Another issuer's stream only feeds Activity: the live indicator is the chosen issuer's.
      if (scope.exchangesOnly === true) return;
      store.getState().setLive(status);
      if (status.state === 'retrying') wasRetrying = true;
      if (status.state === 'open' && wasRetrying) {
        // Whatever happened while the stream was down is fetched once it is back.
        wasRetrying = false;
        void store.getState().loadGrants();
        void store.getState().loadFailures();
      }
      if (status.state === 'stopped' && (status.status === 401 || status.status === 403)) {
        store.getState().signOut('The server did not accept the admin token. Paste the current one below.');
      }
    },
  });
}
