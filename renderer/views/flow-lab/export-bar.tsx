import { CopyButton } from '../../components/common.js';

/** Hands `text` to the browser as a file download (a Blob behind an object URL; nothing leaves the page). */
function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; the URL is only kept long enough for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

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
        onClick={() => download(`${name}.sh`, script, 'text/x-shellscript')}
      >
        Download curl script
      </button>
      <CopyButton text={script} label="Copy curl script" />
      <button
        type="button"
        className="button"
        onClick={() => download(`${name}.md`, markdown, 'text/markdown')}
      >
        Download Markdown
      </button>
      <CopyButton text={markdown} label="Copy Markdown" />
    </div>
  );
}
