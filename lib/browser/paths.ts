import { parseArchiveKey } from '../cli/archive-reader.ts';

/**
 * URLs of the browser, relative to where it is mounted (`/archive` by default). A media URL is
 * `{base}/media/{key without the archive prefix}` and is accepted back only if it parses as a
 * media key of the archive: no other bucket key, no `..`, nothing outside the prefix.
 */
export interface Paths {
  base: string;
  home(month?: string): string;
  day(day: string, query?: { account?: string; page?: string }): string;
  message(messageSid: string, day?: string): string;
  search(): string;
  stylesheet(): string;
  media(key: string): string;
  /** A tile's image: the thumbnail when the browser makes them, else the media itself. */
  thumbnail(key: string): string;
  /** All media of a message as one zip. */
  zip(messageSid: string, day?: string): string;
  /** The archive key a media path names, or `undefined` when it names none. */
  keyOfMediaPath(pathAfterMedia: string): ReturnType<typeof parseArchiveKey>;
}

const query = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const createPaths = (
  base: string,
  prefix: string,
  options: { thumbnails?: boolean } = {},
): Paths => ({
  base,
  home: (month) => `${base}/${query({ month })}`,
  day: (day, q = {}) => `${base}/day/${day}${query({ account: q.account, page: q.page })}`,
  message: (messageSid, day) => `${base}/message/${messageSid}${query({ day })}`,
  search: () => `${base}/search`,
  stylesheet: () => `${base}/style.css`,
  media: (key) => `${base}/media/${key.startsWith(prefix) ? key.slice(prefix.length) : key}`,
  thumbnail: (key) =>
    `${base}/${options.thumbnails ? 'thumb' : 'media'}/${key.startsWith(prefix) ? key.slice(prefix.length) : key}`,
  zip: (messageSid, day) => `${base}/zip/${messageSid}.zip${query({ day })}`,
  keyOfMediaPath: (rest) => {
    // Keys are SIDs, digits and an alphanumeric extension: anything encoded is not one of ours.
    if (!/^[A-Za-z0-9./]+$/.test(rest)) return undefined;
    return parseArchiveKey(prefix, `${prefix}${rest}`);
  },
});
