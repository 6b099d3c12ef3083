import { useEffect, useRef, useState } from 'react';
import type { ClientConfig, ListedClient } from '../api/types.js';
import {
  Card,
  CopyValue,
  EmptyState,
  ErrorText,
  Loading,
  RowAction,
  TableHead,
} from '../components/common.js';
import { selectClientEditor, selectClients } from '../store/selectors.js';
import { useApp, useLoad } from '../store/react.js';
import { kindOf } from './client-form-model.js';
import { ClientForm, GRANT_LABEL } from './client-form.js';

export function ClientsView() {
  const clients = useApp(selectClients);
  const editor = useApp(selectClientEditor);
  const setEditor = useApp((s) => s.setClientEditor);
  // The client just registered, with the secret it was given: shown once, until dismissed or another form opens.
  const [registered, setRegistered] = useState<ClientConfig>();

  useLoad((s) => s.loadClients);

  const editing =
    editor.mode === 'edit' && clients.status === 'ready'
      ? clients.data.find((c) => c.clientId === editor.clientId)
      : undefined;

  return (
    <div className="view-body">
      <div className="toolbar">
        <p className="muted">Apps that may ask this server for codes and tokens.</p>
        <button type="button" className="button primary" onClick={() => setEditor({ mode: 'create' })}>
          New client
        </button>
      </div>
      {registered !== undefined && editor.mode === 'closed' ? (
        <Registered
          client={registered}
          onDismiss={() => {
            setRegistered(undefined);
          }}
        />
      ) : null}
      {editor.mode === 'create' ? <ClientForm key="new" mode="create" onRegistered={setRegistered} /> : null}
      {editor.mode === 'edit' && editing !== undefined ? (
        <ClientForm key={editing.clientId} mode="update" client={editing} />
      ) : null}
      {editor.mode === 'confirm-delete' ? <ConfirmDelete clientId={editor.clientId} /> : null}
      {clients.status === 'loading' || clients.status === 'idle' ? <Loading what="clients" /> : null}
      {clients.status === 'error' ? <ErrorText message={clients.message} /> : null}
      {clients.status === 'ready' && clients.data.length === 0 && editor.mode === 'closed' ? (
        <EmptyState title="No clients yet">
          <p>Register the app you are building: press “New client”, or load a config file in Settings.</p>
        </EmptyState>
      ) : null}
      {clients.status === 'ready' && clients.data.length > 0 ? <ClientTable clients={clients.data} /> : null}
    </div>
  );
}

/**
 * Each row shows what `GET /clients` computes on the server beside the client as registered (README "Admin
 * API"): `warnings`, what the active profile cannot serve it, and `effective`, its values in force.
 */
function ClientTable({ clients }: { readonly clients: readonly ListedClient[] }) {
  const setEditor = useApp((s) => s.setClientEditor);
  return (
    <table className="table" aria-label="Registered clients">
      <TableHead columns={['Client ID', 'Type', 'Auth method', 'Grants', 'Redirect URIs']} />
      <tbody>
        {clients.map((c) => (
          <tr key={c.clientId} data-client-id={c.clientId}>
            <th scope="row">
              <code>{c.clientId}</code>
              {c.clientName === undefined ? null : <div className="muted small">{c.clientName}</div>}
              {c.warnings.map((w) => (
                <div key={w} className="small" role="note">
                  <span className="badge armed-badge">warning</span> {w}
                </div>
              ))}
            </th>
            <td>{kindOf(c.effective.authMethod)}</td>
            <td>
              <code>{c.effective.authMethod}</code>
            </td>
            <td>{c.effective.grantTypes.map((g) => GRANT_LABEL[g]).join(', ')}</td>
            <td>
              {(c.redirectUris ?? []).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                (c.redirectUris ?? []).map((u) => (
                  <div key={u}>
                    <code className="small">{u}</code>
                  </div>
                ))
              )}
            </td>
            <td className="row-actions">
              <RowAction
                verb="Edit"
                row={c.clientId}
                onClick={() => setEditor({ mode: 'edit', clientId: c.clientId })}
              />
              <RowAction
                verb="Delete"
                row={c.clientId}
                danger
                onClick={() => setEditor({ mode: 'confirm-delete', clientId: c.clientId })}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfirmDelete({ clientId }: { readonly clientId: string }) {
  const setEditor = useApp((s) => s.setClientEditor);
  const deleteClient = useApp((s) => s.deleteClient);
  const announce = useApp((s) => s.announce);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
  }, []);
  async function confirm() {
    setBusy(true);
    const result = await deleteClient(clientId);
    setBusy(false);
    if (result.ok) {
      setEditor({ mode: 'closed' });
      announce(`Client ${clientId} deleted`);
    } else setError(result.message);
  }
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      onKeyDown={(e) => e.key === 'Escape' && setEditor({ mode: 'closed' })}
    >
      <h2 id="confirm-title">Delete client {clientId}?</h2>
      <p id="confirm-text">
        It can no longer get codes or tokens. Tokens it already holds stay valid until they expire or are
        revoked.
      </p>
      <ErrorText message={error} />
      <div className="button-row">
        <button type="button" className="button danger" onClick={confirm} disabled={busy}>
          Delete {clientId}
        </button>
        <button
          type="button"
          className="button"
          ref={cancelRef}
          onClick={() => setEditor({ mode: 'closed' })}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The confirmation of a registration; the admin API never returns a secret again (Edit → Reveal aside). */
function Registered({
  client,
  onDismiss,
}: {
  readonly client: ClientConfig;
  readonly onDismiss: () => void;
}) {
  const secret = client.clientSecret;
  return (
    <Card
      title={`Client ${client.clientId} registered`}
      className="registered"
      actions={
        <button type="button" className="button small ghost" onClick={onDismiss}>
          Dismiss
        </button>
      }
    >
      {secret === undefined || secret === '' ? (
        <p>It needs no secret: it authenticates with {client.tokenEndpointAuthMethod ?? 'its own means'}.</p>
      ) : (
        <>
          <p>Copy its client secret into your app now; it is shown here this once.</p>
          <div className="secret-once">
            <span className="muted">client_secret</span>
            <CopyValue value={secret} label="Copy secret" />
          </div>
        </>
      )}
    </Card>
  );
}
