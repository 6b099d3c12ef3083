import { ADMIN_PREFIX } from '../api/admin-client.js';
import type { IssuerView } from '../api/types.js';
import type { FlowContext } from '../flow-lab/flows.js';
import type { Session } from './session-slice.js';
import { messageOf } from './errors.js';
import type { Remote, SliceCreator, StoreDeps } from './types.js';

/** The issuer the workbench shows, kept per tab (sessionStorage) like the admin token, so a reload keeps it. */
export const ISSUER_KEY = 'token-sandbox.issuer';
/** The issuer at the root paths (README "Many issuers"). */
export const DEFAULT_ISSUER = 'default';
/** The most issuers whose exchanges Activity follows at once: one event stream each. */
export const MAX_FOLLOWED_ISSUERS = 16;

export interface IssuersSlice {
  /** Every issuer of the sandbox, the default first; an error on an older server without `GET /issuers`. */
  readonly issuers: Remote<readonly IssuerView[]>;
  /** The name of the issuer every view shows and changes. */
  readonly issuerName: string;
  readonly loadIssuers: () => Promise<void>;
  /** Switches every view to issuer `name`; they reload what they show from its admin API. */
  readonly chooseIssuer: (name: string) => void;
}

function keep(deps: StoreDeps, name: string): void {
  try {
    if (name === DEFAULT_ISSUER) deps.tabStorage?.removeItem(ISSUER_KEY);
    else deps.tabStorage?.setItem(ISSUER_KEY, name);
  } catch {
    // Storage refused (private mode, quota): the choice lasts until the reload, which is all that is lost.
  }
}

export const createIssuersSlice: SliceCreator<IssuersSlice> = (deps) => (set, get) => ({
  issuers: { status: 'idle' },
  issuerName: deps.tabStorage?.getItem(ISSUER_KEY) ?? DEFAULT_ISSUER,
  loadIssuers: async () => {
    if (get().issuers.status !== 'ready') set({ issuers: { status: 'loading' } });
    try {
      const list = await deps.api.listIssuers();
      const chosen = get().issuerName;
      if (list.some((v) => v.name === chosen)) {
        set({ issuers: { status: 'ready', data: list } });
      } else {
        // The issuer this tab showed was removed (or the sandbox restarted without it): back to the default.
        keep(deps, DEFAULT_ISSUER);
        set({
          issuers: { status: 'ready', data: list },
          issuerName: DEFAULT_ISSUER,
          ...(chosen === DEFAULT_ISSUER
            ? {}
            : { notice: `Issuer ${chosen} is gone; showing the default issuer.` }),
        });
      }
    } catch (err) {
      set({ issuers: { status: 'error', message: messageOf(err) }, issuerName: DEFAULT_ISSUER });
    }
  },
  chooseIssuer: (name) => {
    if (name === get().issuerName) return;
    keep(deps, name);
    // Picks for HAR export are seqs of the issuer shown: another issuer's log numbers its own.
    set({ issuerName: name, harSelection: [], notice: `Showing issuer ${name}.` });
  },
});

/**
 * None, while the list is unknown: one array, because a selector must answer the same value for the same state
 * (a new `[]` on every call makes React's useSyncExternalStore re-render without end).
 */
const NO_ISSUERS: readonly IssuerView[] = [];

/** The issuers there are, or none while unknown. */
export function issuerList(s: { readonly issuers: Remote<readonly IssuerView[]> }): readonly IssuerView[] {
  return s.issuers.status === 'ready' ? s.issuers.data : NO_ISSUERS;
}

/** The issuer every view shows, once the list is known. */
export function currentIssuer(s: IssuersSlice): IssuerView | undefined {
  return issuerList(s).find((v) => v.name === s.issuerName);
}

/**
 * What a Flow Lab walk needs to reach the sandbox: its origin, the signed-in admin token, and the issuer it talks
 * to (its admin prefix, base and FHIR base); no issuer: the default one at the root paths.
 */
export function flowContextOf(origin: string, session: Session, issuer: IssuerView | undefined): FlowContext {
  return {
    origin,
    adminToken: session.status === 'signed-in' ? session.token : '',
    ...(issuer === undefined
      ? {}
      : { issuer: { admin: issuer.admin, base: issuer.issuer, fhirBase: issuer.fhirBase } }),
  };
}

/**
 * The admin prefix every view's requests use: the chosen issuer's `admin`, or the root's while the list is
 * unknown or the server has no issuers (an older server).
 */
export function adminPrefixOf(s: IssuersSlice): string {
  return currentIssuer(s)?.admin ?? ADMIN_PREFIX;
}
