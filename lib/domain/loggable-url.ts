/**
 * A URL as a log line or a printed report may show it: origin and path. The query may hold a
 * shared secret (`?key=…` is a common way to guard a webhook) and the userinfo a tunnel's
 * password; `?…` only says that a query was cut, so a reader comparing URLs knows there is one.
 */
export const loggableUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(unparsable URL)';
  }
};
