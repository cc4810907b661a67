/** How long the download's blob: URL lives: the browser has read it long before. */
const KEEP_URL_MS = 60_000;

/**
 * Saves a file the page fetched (with its bearer token, which a plain link would not send) as a download:
 * a blob: URL on an `<a download>` clicked once, then let go.
 */
export function saveFile(file: Blob, fileName: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), KEEP_URL_MS);
}
