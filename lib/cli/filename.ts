import { posix } from 'node:path';

/**
 * A stored original file name reduced to a plain name for the local disk: the sender chose it, so
 * no directories, no control characters, no dot-files, nothing empty.
 */
export const safeFilename = (name: string | undefined): string | undefined => {
  if (name === undefined) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  const printable = [...base].filter((char) => char >= ' ' && char !== '\u007f').join('');
  const cleaned = printable.trim().replace(/^\.+/, '');
  return cleaned.length > 0 && cleaned.length <= 255 ? cleaned : undefined;
};

/** `{MediaSid}{ext}`: the key's last segment. */
export const keyBasename = (key: string): string => posix.basename(key);
