/**
 * Hands `text` to the browser as a file download (a Blob behind an object URL; nothing leaves the page). In the
 * desktop app Electron's will-download handler takes it from there.
 */
export function downloadText(name: string, text: string, type: string): void {
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
