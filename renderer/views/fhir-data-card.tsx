import { useEffect, useState, type ChangeEvent, type DragEvent } from 'react';
import type { FhirDataSummary } from '../../server/admin/shapes.js';
import { Card, ErrorText, FileButton } from '../components/common.js';
import { messageOf } from '../store/errors.js';
import { useDeps } from '../store/react.js';

type LoadState =
  | { readonly step: 'idle' }
  | { readonly step: 'loading'; readonly file: string }
  | { readonly step: 'loaded'; readonly message: string }
  | { readonly step: 'failed'; readonly message: string };

/**
 * Your FHIR data (README "Your FHIR data"): drop or pick Bundles, resources or NDJSON files; each is loaded all
 * or nothing through `POST /fhir/load`, and the server's error names the file, entry and field. `onLoaded`
 * lets the launch pickers list the new patients.
 */
export function FhirDataCard({ onLoaded }: { readonly onLoaded: () => void }) {
  const { api } = useDeps();
  const [summary, setSummary] = useState<FhirDataSummary | undefined>();
  const [state, setState] = useState<LoadState>({ step: 'idle' });
  const [over, setOver] = useState(false);

  useEffect(() => {
    api.getFhirSummary().then(setSummary, () => undefined);
  }, [api]);

  async function load(files: readonly File[]) {
    const loaded: string[] = [];
    for (const file of files) {
      // The server's own bound (GET /fhir), checked before reading a file the server would refuse anyway.
      const max = summary?.maxFileBytes;
      if (max !== undefined && file.size > max) {
        setState({
          step: 'failed',
          message: `${file.name} is ${file.size} bytes; at most ${max} load at run time (name it in the config's fhir.load instead)`,
        });
        return;
      }
      setState({ step: 'loading', file: file.name });
      try {
        const result = await api.loadFhir(file.name, await file.text());
        const patients = result.patients.length === 1 ? '1 patient' : `${result.patients.length} patients`;
        loaded.push(`${file.name}: ${result.loaded} resources, ${patients}`);
      } catch (err) {
        setState({ step: 'failed', message: messageOf(err) });
        onLoaded();
        return;
      } finally {
        api.getFhirSummary().then(setSummary, () => undefined);
      }
    }
    setState({ step: 'loaded', message: `Loaded ${loaded.join('; ')}.` });
    onLoaded();
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    void load([...event.dataTransfer.files]);
  }

  function onPick(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    void load(files);
  }

  return (
    <Card title="Your FHIR data">
      <p className="muted">
        Drop FHIR R4 files here: Bundles (collection, transaction, batch; Synthea’s patient bundles as they
        come), single resources or NDJSON. Each file loads whole or not at all; loaded patients become launch
        choices.
        {summary === undefined ? null : ` ${summary.resources} of at most ${summary.limit} resources stored.`}
      </p>
      <div
        className={`drop-zone${over ? ' over' : ''}`}
        data-testid="fhir-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop .json or .ndjson files here, or</p>
        <FileButton
          multiple
          accept="application/json,application/fhir+json,.json,.ndjson"
          inputLabel="FHIR files to load"
          onChange={onPick}
        >
          Choose files…
        </FileButton>
      </div>
      <div aria-live="polite" data-state={state.step}>
        {state.step === 'loading' ? <p className="muted">Loading {state.file}…</p> : null}
        {state.step === 'loaded' ? (
          <p role="status" className="ok-text">
            {state.message}
          </p>
        ) : null}
        {state.step === 'failed' ? (
          <ErrorText message={`Nothing was loaded from it: ${state.message}`} />
        ) : null}
      </div>
    </Card>
  );
}
