/**
 * URLs fit to print in errors, logs and telemetry. A bot endpoint may carry a secret: an Azure Functions
 * key in its query string (`?code=...`) or credentials (`user:password@`). Both are replaced by `***`;
 * scheme, host, port and path stay, so a reader still knows which endpoint failed.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  // The last '@' ends the user info: a password may hold an unescaped '@'.
  const at = scheme ? authority.lastIndexOf('@') : -1;
  const host = at < 0 ? authority : `***@${authority.slice(at + 1)}`;
  const query = tail.search(/[?#]/);
  return `${scheme}${host}${query < 0 ? tail : `${tail.slice(0, query)}${tail[query]}***`}`;
}

/** Any scheme://... up to a space, a quote or a bracket: the URLs as they appear in error messages. The scheme is
 * bounded so that text of dotted words without "://" is read in one pass, not once from each word. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>()[\]{}]+/gi;

/** The text with every URL in it redacted (redactUrl). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}
