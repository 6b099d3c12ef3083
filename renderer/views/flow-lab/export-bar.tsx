import { downloadText } from '../../lib/download.js';
import { CopyButton } from '../../components/common.js';

/** Export the walk: a runnable curl script and a Markdown transcript, as downloads or to the clipboard. */
export function ExportBar({
  name,
  script,
  markdown,
}: {
  readonly name: string;
  readonly script: string;
  readonly markdown: string;
}) {
  return (
    <div className="button-row lab-export" role="group" aria-label="Export the walk">
      <button
        type="button"
        className="button"
        onClick={() => downloadText(`${name}.sh`, script, 'text/x-shellscript')}
      >
        Download curl script
      </button>
      <CopyButton text={script} label="Copy curl script" />
      <button
        type="button"
        className="button"
        onClick={() => downloadText(`${name}.md`, markdown, 'text/markdown')}
      >
        Download Markdown
      </button>
      <CopyButton text={markdown} label="Copy Markdown" />
    </div>
  );
}
