import type { Har } from '../../server/exchanges/har.js';
import type { HarQuery } from '../api/admin-client.js';
import { downloadText } from './download.js';
import type { ActivityFilters } from '../store/ui-slice.js';

/** What "Export HAR" covers: the whole log, what the Activity filters show, or the rows ticked. */
export type HarScope = 'all' | 'filtered' | 'selected';

/**
 * The admin query for a scope. The server filters by client and by "any injected failure" as Activity does;
 * the rest of Activity's filters (an exact endpoint, a status class, "not injected") are applied to the
 * answer by `keepOnly`, so the file holds exactly the rows on screen however many there are.
 */
export function harQueryFor(
  scope: HarScope,
  filters: ActivityFilters,
  selection: readonly number[],
): HarQuery {
  if (scope === 'selected') return { seq: selection };
  if (scope === 'all') return {};
  return {
    ...(filters.clientId === 'all' ? {} : { clientId: filters.clientId }),
    ...(filters.endpoint === 'all' ? {} : { path: filters.endpoint }),
    ...(filters.injected === 'injected' ? { failure: '*' } : {}),
  };
}

/** The HAR with only the entries whose seq is kept (the rows Activity shows). */
export function keepOnly(har: Har, seqs: ReadonlySet<number>): Har {
  return { log: { ...har.log, entries: har.log.entries.filter((e) => seqs.has(e._seq)) } };
}

/** `token-sandbox-20261206T221500Z.har`, the name the admin API's Content-Disposition gives too. */
export function harFileName(now: Date): string {
  return `token-sandbox-${now.toISOString().replace(/[-:]|\.\d+/g, '')}.har`;
}

/** Hands the file to the browser's download. */
export function saveHar(har: Har, fileName: string): void {
  downloadText(fileName, JSON.stringify(har, null, 2), 'application/json');
}
