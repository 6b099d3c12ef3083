import type {
  ArtefactState,
  ClientConfig,
  ExchangeSummary,
  FailureEndpoint,
  FailureInfo,
  ArmedFailure,
  GrantFamily,
  Artefact,
} from '../api/types.js';
import { canAuthenticate } from '../api/oauth-client.js';
import type { StepOutcome } from '../flow-lab/diagram.js';
import { verdictOf } from '../flow-lab/runner.js';
import { familyTimeline } from '../flow-lab/timeline.js';
import type { ListedExchange } from './exchanges-slice.js';
import type { LabStep } from './flow-lab-slice.js';
import { currentIssuer, issuerList } from './issuers-slice.js';
import type { AppState } from './types.js';
import type { ActivityFilters, StatusFilter } from './ui-slice.js';

/**
 * Selectors: plain functions of the state, read by components through `useApp(selector)`. Those that derive
 * lists remember their last inputs, so a re-render with the same inputs gets the same array.
 */

function memoizeLast<A extends readonly unknown[], R>(compute: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | undefined;
  let lastResult: R | undefined;
  return (...args: A): R => {
    if (lastArgs?.length === args.length && lastArgs.every((v, i) => Object.is(v, args[i]))) {
      return lastResult as R;
    }
    lastArgs = args;
    lastResult = compute(...args);
    return lastResult;
  };
}

export const selectView = (s: AppState) => s.view;
export const selectTheme = (s: AppState) => s.theme;
export const selectSession = (s: AppState) => s.session;
export const selectLive = (s: AppState) => s.live;
export const selectServer = (s: AppState) => s.server;
export const selectClients = (s: AppState) => s.clients;
export const selectGrants = (s: AppState) => s.grants;
export const selectFailures = (s: AppState) => s.failures;
export const selectPersonas = (s: AppState) => s.personas;
export const selectExchangeLog = (s: AppState) => s.exchanges;
export const selectActivityFilters = (s: AppState) => s.activityFilters;
export const selectClientEditor = (s: AppState) => s.clientEditor;
export const selectNotice = (s: AppState) => s.notice;
export const selectSelectedSeq = (s: AppState) => s.selectedSeq;
export const selectExchangeDetail = (s: AppState) => s.exchangeDetail;
export const selectSelectedIssuer = (s: AppState) => s.selectedIssuer;
export const selectIssuerName = (s: AppState) => s.issuerName;
/** Every issuer, the default first; empty while unknown. */
export const selectIssuers = issuerList;

export const selectCurrentIssuer = currentIssuer;

/** Whether the sandbox has more issuers than the default: the switcher and Activity's issuer column show. */
export const selectManyIssuers = (s: AppState): boolean => issuerList(s).length > 1;

export function selectClientList(s: AppState): readonly ClientConfig[] {
  return s.clients.status === 'ready' ? s.clients.data : EMPTY;
}
const EMPTY: readonly never[] = [];

export const selectClientById =
  (clientId: string) =>
  (s: AppState): ClientConfig | undefined =>
    selectClientList(s).find((c) => c.clientId === clientId);

/** The client "Try it" uses: the first that may use client_credentials and whose secret the page holds. */
export function selectTryItClient(s: AppState): ClientConfig | undefined {
  return selectClientList(s).find(
    (c) => canAuthenticate(c) && (c.grantTypes ?? []).includes('client_credentials'),
  );
}

function statusMatches(status: number, filter: StatusFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'none':
      return status === 0;
    default:
      return Math.floor(status / 100) === Number(filter[0]);
  }
}

/** Whether one exchange passes the Activity filters. */
export function exchangeMatches(e: ListedExchange, f: ActivityFilters): boolean {
  // An untagged item is the only issuer's: the issuer filter applies when Activity lists several.
  if (f.issuer !== 'all' && e.issuer !== undefined && e.issuer !== f.issuer) return false;
  if (f.endpoint !== 'all' && e.path !== f.endpoint) return false;
  if (f.clientId !== 'all' && (e.clientId ?? '') !== f.clientId) return false;
  if (!statusMatches(e.status, f.status)) return false;
  if (f.injected === 'injected' && e.failure === undefined) return false;
  if (f.injected === 'not-injected' && e.failure !== undefined) return false;
  return true;
}

const filterExchanges = memoizeLast(
  (items: readonly ListedExchange[], f: ActivityFilters): readonly ListedExchange[] => {
    const all =
      f.endpoint === 'all' &&
      f.clientId === 'all' &&
      f.status === 'all' &&
      f.injected === 'all' &&
      f.issuer === 'all';
    return all ? items : items.filter((e) => exchangeMatches(e, f));
  },
);

/** The exchanges the Activity list shows, oldest first. */
export const selectVisibleExchanges = (s: AppState): readonly ListedExchange[] =>
  filterExchanges(s.exchanges.items, s.activityFilters);

const distinctPaths = memoizeLast((items: readonly ExchangeSummary[]): readonly string[] => {
  const seen = new Set<string>();
  for (const e of items) seen.add(e.path);
  return [...seen].sort();
});

/** The endpoints seen so far, for the endpoint filter. */
export const selectExchangeEndpoints = (s: AppState): readonly string[] => distinctPaths(s.exchanges.items);

export interface Counts {
  readonly clients: number;
  readonly activeGrants: number;
  readonly exchanges: number;
  readonly armedFailures: number;
}

const counts = memoizeLast(
  (clients: number, activeGrants: number, exchanges: number, armedFailures: number): Counts => ({
    clients,
    activeGrants,
    exchanges,
    armedFailures,
  }),
);

/** The Overview's counts; the same object while the numbers are unchanged (a new one each time would loop). */
export function selectCounts(s: AppState): Counts {
  return counts(
    selectClientList(s).length,
    selectGrantFamilies(s).filter((g) => g.state === 'active').length,
    s.exchanges.items.length + s.exchanges.dropped,
    s.failures.status === 'ready' ? s.failures.data.armed.length : 0,
  );
}

/** One row of the failure board: what the mode does and, when armed, how. */
export interface FailureRow {
  readonly info: FailureInfo;
  readonly armed: ArmedFailure | undefined;
}

export interface FailureGroup {
  readonly endpoint: FailureEndpoint;
  readonly rows: readonly FailureRow[];
}

const ENDPOINT_ORDER: readonly FailureEndpoint[] = ['token', 'authorize', 'fhir'];

const groupFailures = memoizeLast(
  (available: readonly FailureInfo[], armed: readonly ArmedFailure[]): readonly FailureGroup[] => {
    const byId = new Map(armed.map((a) => [a.id, a]));
    return ENDPOINT_ORDER.map((endpoint) => ({
      endpoint,
      rows: available
        .filter((f) => f.endpoint === endpoint)
        .map((info) => ({ info, armed: byId.get(info.id) })),
    })).filter((g) => g.rows.length > 0);
  },
);

/** Every failure mode grouped by the endpoint it shapes, token first. */
export function selectFailureGroups(s: AppState): readonly FailureGroup[] {
  if (s.failures.status !== 'ready') return EMPTY;
  return groupFailures(s.failures.data.available, s.failures.data.armed);
}

/** The state an artefact is in now: an active one whose expiry has passed is expired, whatever the last load said. */
export function artefactStateAt(a: Pick<Artefact, 'state' | 'expiresAt'>, now: number): ArtefactState {
  if (a.state === 'active' && Date.parse(a.expiresAt) <= now) return 'expired';
  return a.state;
}

const STATE_RANK: Record<ArtefactState, number> = { active: 0, consumed: 1, expired: 2, revoked: 3 };

/** Groups artefacts by grant (a lone token is its own family); newest family first. */
export function groupFamilies(artefacts: readonly Artefact[]): readonly GrantFamily[] {
  const groups = new Map<string, Artefact[]>();
  for (const a of artefacts) {
    const key = a.grantId ?? a.id;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [a]);
    else list.push(a);
  }
  const families: GrantFamily[] = [];
  for (const [id, list] of groups) {
    const ordered = [...list].sort((x, y) => Date.parse(x.issuedAt) - Date.parse(y.issuedAt));
    const first = ordered[0];
    if (first === undefined) continue;
    // A family is as alive as its liveliest member: one active token keeps the grant active.
    const state = ordered.reduce<ArtefactState>(
      (best, a) => (STATE_RANK[a.state] < STATE_RANK[best] ? a.state : best),
      'revoked',
    );
    families.push({ id, clientId: first.clientId, state, createdAt: first.issuedAt, artefacts: ordered });
  }
  return families.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

const familiesOf = memoizeLast(groupFamilies);

/** Grant families, newest first. */
export function selectGrantFamilies(s: AppState): readonly GrantFamily[] {
  if (s.grants.status !== 'ready') return EMPTY;
  return familiesOf(s.grants.data);
}

// Flow Lab

export const selectFlowLab = (s: AppState) => s.flowLab;
export const selectFlowCompare = (s: AppState) => s.flowCompare;

/** Each walked step's outcome: the server's verdict where it recorded one, else the response's own. */
export function labOutcomes(steps: readonly LabStep[]): StepOutcome[] {
  return steps.map(({ walked, server }) => {
    if (walked.response === undefined) return 'local';
    if (server !== undefined) return server.verdict.outcome === 'accepted' ? 'accepted' : 'rejected';
    return verdictOf(walked.response).ok ? 'accepted' : 'rejected';
  });
}

const labOutcomesOf = memoizeLast(labOutcomes);
export const selectLabOutcomes = (s: AppState) => labOutcomesOf(s.flowLab.steps);

const timelineOf = memoizeLast((steps: readonly LabStep[]) => familyTimeline(steps.map((x) => x.walked)));
/** The refresh token family of the walk so far (RT1 → RT2 → …), with what the server did to each. */
export const selectLabTimeline = (s: AppState) => timelineOf(s.flowLab.steps);
