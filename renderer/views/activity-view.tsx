import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Exchange, IssuerView, LoggedMessage } from '../api/types.js';
import {
  Choice,
  CodeBlock,
  CopyButton,
  EmptyState,
  ErrorText,
  Loading,
  Options,
  StatusBadge,
} from '../components/common.js';
import { exchangeToCurl } from '../lib/curl.js';
import { harFileName, harQueryFor, keepOnly, saveHar, type HarScope } from '../lib/har-export.js';
import { messageOf } from '../store/errors.js';
import type { ListedExchange } from '../store/exchanges-slice.js';
import {
  selectActivityFilters,
  selectClientList,
  selectExchangeDetail,
  selectExchangeEndpoints,
  selectExchangeLog,
  selectIssuerName,
  selectIssuers,
  selectManyIssuers,
  selectSelectedIssuer,
  selectSelectedSeq,
  selectServer,
  selectVisibleExchanges,
} from '../store/selectors.js';
import { useApp, useDeps } from '../store/react.js';
import type { InjectedFilter, StatusFilter } from '../store/ui-slice.js';

const ROW_HEIGHT = 34;

function timeOf(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function ActivityView() {
  const selected = useApp(selectSelectedSeq);
  const many = useApp(selectManyIssuers);
  return (
    <div
      className={`view-body activity${selected === undefined ? '' : ' with-detail'}${many ? ' many-issuers' : ''}`}
    >
      <Filters />
      <HarExport />
      <div className="activity-split">
        <ExchangeList />
        {selected === undefined ? null : <ExchangeDetail />}
      </div>
    </div>
  );
}

function Filters() {
  const filters = useApp(selectActivityFilters);
  const setFilters = useApp((s) => s.setActivityFilters);
  const reset = useApp((s) => s.resetActivityFilters);
  const endpoints = useApp(selectExchangeEndpoints);
  const clients = useApp(selectClientList);
  const many = useApp(selectManyIssuers);
  const issuers = useApp(selectIssuers);
  const endpointOptions =
    filters.endpoint !== 'all' && !endpoints.includes(filters.endpoint)
      ? [...endpoints, filters.endpoint]
      : endpoints;
  return (
    <form className="filters" aria-label="Filter exchanges" onSubmit={(e) => e.preventDefault()}>
      {many ? (
        <label>
          Filter by issuer
          <select value={filters.issuer} onChange={(e) => setFilters({ issuer: e.target.value })}>
            <option value="all">All</option>
            <Options items={issuers} value={(v) => v.name} />
          </select>
        </label>
      ) : null}
      <label>
        Endpoint
        <select value={filters.endpoint} onChange={(e) => setFilters({ endpoint: e.target.value })}>
          <option value="all">All</option>
          <Options items={endpointOptions} value={(p) => p} />
        </select>
      </label>
      <label>
        Client
        <select value={filters.clientId} onChange={(e) => setFilters({ clientId: e.target.value })}>
          <option value="all">All</option>
          <Options items={clients} value={(c) => c.clientId} />
        </select>
      </label>
      <label>
        Status
        <select
          value={filters.status}
          onChange={(e) => setFilters({ status: e.target.value as StatusFilter })}
        >
          <option value="all">All</option>
          <option value="2xx">2xx success</option>
          <option value="3xx">3xx redirect</option>
          <option value="4xx">4xx client error</option>
          <option value="5xx">5xx server error</option>
          <option value="none">No answer</option>
        </select>
      </label>
      <label>
        Failure injected
        <select
          value={filters.injected}
          onChange={(e) => setFilters({ injected: e.target.value as InjectedFilter })}
        >
          <option value="all">Either</option>
          <option value="injected">Injected only</option>
          <option value="not-injected">Not injected</option>
        </select>
      </label>
      <button type="button" className="button small ghost" onClick={reset}>
        Clear filters
      </button>
    </form>
  );
}

/** Export HAR: all of the log, what the filters show, or the rows ticked (docs/admin-api.md#exchanges). */
function HarExport() {
  const { api } = useDeps();
  const filters = useApp(selectActivityFilters);
  const visible = useApp(selectVisibleExchanges);
  const chosen = useApp(selectIssuerName);
  const selection = useApp((s) => s.harSelection);
  const clear = useApp((s) => s.clearHarSelection);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function exportHar(scope: HarScope) {
    setBusy(true);
    try {
      const har = await api.exportHar(harQueryFor(scope, filters, selection));
      saveHar(
        scope === 'filtered'
          ? keepOnly(har, new Set(visible.filter(isShown(chosen)).map((e) => e.seq)))
          : har,
        harFileName(new Date()),
      );
      setError(undefined);
    } catch (err) {
      setError(`Cannot export HAR: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="button-row har-export" role="group" aria-label="Export HAR">
      <span className="muted small">Export HAR (secrets masked as shown):</span>
      <button
        type="button"
        className="button small ghost"
        disabled={busy}
        onClick={() => void exportHar('all')}
      >
        All
      </button>
      <button
        type="button"
        className="button small ghost"
        disabled={busy}
        onClick={() => void exportHar('filtered')}
      >
        Filtered ({visible.length})
      </button>
      <button
        type="button"
        className="button small ghost"
        disabled={busy || selection.length === 0}
        onClick={() => void exportHar('selected')}
      >
        Selected ({selection.length})
      </button>
      {selection.length === 0 ? null : (
        <button type="button" className="button small ghost" onClick={clear}>
          Clear selection
        </button>
      )}
      <ErrorText message={error} />
    </div>
  );
}

/** Whether an exchange is in the log of the issuer shown (HAR export reads that log; untagged: the only one). */
function isShown(chosen: string): (e: ListedExchange) => boolean {
  return (e) => e.issuer === undefined || e.issuer === chosen;
}

function ExchangeList() {
  const log = useApp(selectExchangeLog);
  const visible = useApp(selectVisibleExchanges);
  const load = useApp((s) => s.exchangesLoad);
  const selected = useApp(selectSelectedSeq);
  const selectedIssuer = useApp(selectSelectedIssuer);
  const select = useApp((s) => s.selectExchange);
  const harSelection = useApp((s) => s.harSelection);
  const many = useApp(selectManyIssuers);
  const issuers = useApp(selectIssuers);
  const chosen = useApp(selectIssuerName);
  const isSelected = (e: ListedExchange) => e.seq === selected && e.issuer === selectedIssuer;
  const parentRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  // The virtualizer keeps only the rows in view (plus a few) in the DOM, whatever the length of the log.
  // eslint-disable-next-line react-hooks/incompatible-library -- useVirtualizer returns functions React Compiler cannot memoize; this component is not compiled.
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  // Newest at the bottom, like a terminal: stay there while following.
  useEffect(() => {
    if (follow && visible.length > 0) virtualizer.scrollToIndex(visible.length - 1, { align: 'end' });
  }, [follow, visible.length, virtualizer]);

  function onScroll() {
    const el = parentRef.current;
    if (el === null) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
    if (atBottom !== follow) setFollow(atBottom);
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = visible.findIndex(isSelected);
    const next = event.key === 'ArrowDown' ? Math.min(visible.length - 1, index + 1) : Math.max(0, index - 1);
    const target = visible[next];
    if (target !== undefined) {
      setFollow(false);
      void select(target.seq, target.issuer);
      virtualizer.scrollToIndex(next);
    }
  }

  const items = virtualizer.getVirtualItems();
  if (visible.length === 0) {
    if (load.status === 'loading' && log.items.length === 0) return <Loading what="the exchange log" />;
    return (
      <div className="exchange-list-empty">
        {load.status === 'error' ? <ErrorText message={load.message} /> : null}
        {log.items.length === 0 ? (
          <EmptyState title="No exchanges yet">
            <p>
              Every request to the sandbox appears here as it happens. Press “Try it” on the Overview, or
              point your app at the discovery URL.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No exchange matches these filters">
            <p>
              {log.items.length} exchanges are hidden by the filters above. “Clear filters” shows them all.
            </p>
          </EmptyState>
        )}
      </div>
    );
  }
  return (
    <div className="exchange-list-wrap">
      <div className="list-status">
        <span
          data-testid="exchange-count"
          data-total={log.items.length + log.dropped}
          data-visible={visible.length}
          data-rendered={items.length}
        >
          {visible.length.toLocaleString()} shown of {(log.items.length + log.dropped).toLocaleString()}
          {log.dropped > 0 ? ` (the oldest ${log.dropped.toLocaleString()} no longer kept here)` : ''}
        </span>
        <Choice checked={follow} onChange={setFollow} label="Follow new" />
      </div>
      <div className="exchange-header" aria-hidden="true">
        <span>Time</span>
        <span>Request</span>
        <span>Status</span>
        <span>Client</span>
        <span>Verdict</span>
        <span className="num">ms</span>
        {many ? <span>Issuer</span> : null}
      </div>
      <div
        ref={parentRef}
        className="exchange-list"
        role="listbox"
        aria-label="Exchanges, newest last"
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        aria-activedescendant={
          selected === undefined ? undefined : rowId({ seq: selected, issuer: selectedIssuer })
        }
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((row) => {
            const e = visible[row.index];
            if (e === undefined) return null;
            return (
              <ExchangeRow
                key={rowId(e)}
                exchange={e}
                top={row.start}
                selected={isSelected(e)}
                onSelect={() => void select(e.seq, e.issuer)}
                ticked={isShown(chosen)(e) && harSelection.includes(e.seq)}
                issuer={many ? issuers.find((v) => v.name === e.issuer) : undefined}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** A row's element id: its seq, and its issuer when Activity lists several (each log numbers its own). */
function rowId(e: { readonly seq: number; readonly issuer?: string | undefined }): string {
  return e.issuer === undefined ? `exchange-${e.seq}` : `exchange-${e.issuer}-${e.seq}`;
}

function ExchangeRow({
  exchange: e,
  top,
  selected,
  onSelect,
  ticked,
  issuer,
}: {
  readonly exchange: ListedExchange;
  readonly top: number;
  readonly selected: boolean;
  readonly onSelect: () => void;
  /** Picked for "Export selected". */
  readonly ticked: boolean;
  /** Its issuer, for the Issuer column; undefined when the sandbox has one issuer (no column). */
  readonly issuer: IssuerView | undefined;
}) {
  return (
    <div
      id={rowId(e)}
      role="option"
      aria-selected={selected}
      className={`exchange-row${selected ? ' selected' : ''}${e.failure === undefined ? '' : ' injected'}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={onSelect}
      data-seq={e.seq}
      data-issuer={e.issuer}
    >
      <span className="mono muted">
        {/* A mark, not a control: a checkbox inside an option is nested interaction (WAI-ARIA listbox). */}
        {ticked ? (
          <span className="har-tick" title="picked for HAR export">
            ✓
          </span>
        ) : null}
        {timeOf(e.time)}
      </span>
      <span className="mono ellipsis">
        <strong>{e.method}</strong> {e.path}
      </span>
      <span>
        <StatusBadge status={e.status} />
      </span>
      <span className="ellipsis">{e.clientId ?? <span className="muted">–</span>}</span>
      <span className="ellipsis">
        {e.failure === undefined ? null : (
          <span className="badge injected-badge" title={`injected by failure mode ${e.failure}`}>
            injected
          </span>
        )}{' '}
        {e.verdict.summary}
      </span>
      <span className="num mono muted">{Math.round(e.durationMs)}</span>
      {issuer === undefined ? null : (
        <span className="ellipsis issuer-cell">
          <span className="issuer-swatch" aria-hidden="true" style={{ background: issuer.colour }} />{' '}
          {issuer.name}
        </span>
      )}
    </div>
  );
}

function Message({
  title,
  first,
  message,
}: {
  readonly title: string;
  readonly first: string;
  readonly message: LoggedMessage;
}) {
  const headers = Object.entries(message.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return (
    <section className="message" aria-label={title}>
      <h3>{title}</h3>
      <CodeBlock>
        {first}
        {'\n'}
        {headers}
        {message.body === undefined ? '' : `\n\n${prettyBody(message.body)}`}
        {message.truncated === true ? '\n… (truncated)' : ''}
      </CodeBlock>
    </section>
  );
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function ExchangeDetail() {
  const detail = useApp(selectExchangeDetail);
  const select = useApp((s) => s.selectExchange);
  const server = useApp(selectServer);
  const origin = server.status === 'ready' ? server.data.origin : location.origin;
  return (
    <aside className="detail" aria-label="Exchange detail" data-state={detail.status}>
      <div className="detail-head">
        <h2>Exchange</h2>
        <button
          type="button"
          className="button small ghost"
          onClick={() => void select(undefined)}
          aria-label="Close the detail"
        >
          Close
        </button>
      </div>
      {detail.status === 'loading' ? <Loading what="the exchange" /> : null}
      {detail.status === 'error' ? <ErrorText message={detail.message} /> : null}
      {detail.status === 'ready' ? <DetailBody exchange={detail.data} origin={origin} /> : null}
    </aside>
  );
}

/** Picks the open exchange for "Export HAR: Selected"; the list marks picked rows with ✓. */
function PickForHar({ seq }: { readonly seq: number }) {
  const picked = useApp((s) => s.harSelection.includes(seq));
  const toggle = useApp((s) => s.toggleHarSelection);
  // HAR export reads the shown issuer's log: another issuer's exchange is exported from that issuer.
  const shown = useApp((s) => s.selectedIssuer === undefined || s.selectedIssuer === s.issuerName);
  if (!shown) return null;
  return <Choice checked={picked} onChange={() => toggle(seq)} label="Pick for HAR export" />;
}

const OUTCOME_LABEL: Record<Exchange['verdict']['outcome'], string> = {
  accepted: 'Accepted',
  rejected: 'Rejected',
  unanswered: 'No answer',
};

function DetailBody({ exchange: e, origin }: { readonly exchange: Exchange; readonly origin: string }) {
  const query = new URLSearchParams(Object.entries(e.query)).toString();
  return (
    <div className="detail-body">
      <div className={`verdict ${e.verdict.outcome}`} data-testid="verdict">
        {/* The summary is what the list row shows; here the reasons carry the same words in full, and the
            badge the status, so the headline is the outcome alone and nothing is said twice. */}
        <p className="verdict-summary">
          <StatusBadge status={e.status} /> {OUTCOME_LABEL[e.verdict.outcome]}
        </p>
        {e.verdict.reasons.length === 0 && e.verdict.outcome === 'unanswered' ? (
          <p>{e.verdict.summary}</p>
        ) : null}
        {e.failure === undefined ? null : (
          <p>
            <span className="badge injected-badge">injected</span> by failure mode <code>{e.failure}</code>
          </p>
        )}
        {e.verdict.reasons.length === 0 ? null : (
          <ul className="reasons">
            {e.verdict.reasons.map((r, i) => (
              <li key={i}>
                {r.text}
                {r.rule === undefined ? null : <span className="rule"> — {r.rule}</span>}
              </li>
            ))}
          </ul>
        )}
        <p className="muted small">
          {new Date(e.time).toLocaleString()} · {Math.round(e.durationMs)} ms
          {e.clientId === undefined ? '' : ` · client ${e.clientId}`}
        </p>
      </div>
      <div className="button-row">
        <CopyButton text={exchangeToCurl(e, origin)} label="Copy as curl" />
        <PickForHar seq={e.seq} />
      </div>
      <Message
        title="Request"
        first={`${e.method} ${e.path}${query === '' ? '' : `?${query}`} HTTP/1.1`}
        message={e.request}
      />
      <Message
        title="Response"
        first={e.status === 0 ? '(no answer was sent)' : `HTTP/1.1 ${e.status}`}
        message={e.response}
      />
      <p className="muted small">
        Secrets and tokens are masked in the log; the curl command shows where they go.
      </p>
    </div>
  );
}
