import { type MediaJob, mediaTypeEssence } from './media-job.ts';
import { type Day, MS_PER_DAY } from './utc-day.ts';

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/jpg': '.jpg',
  'image/pjpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/bmp': '.bmp',
  'image/tiff': '.tiff',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'image/svg+xml': '.svg',
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/json': '.json',
  'application/msword': '.doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.ms-powerpoint': '.ppt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'application/rtf': '.rtf',
  'audio/ogg': '.ogg',
  'audio/opus': '.opus',
  'audio/mpeg': '.mp3',
  'audio/mp3': '.mp3',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'audio/amr': '.amr',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/webm': '.weba',
  'audio/3gpp': '.3gp',
  'video/mp4': '.mp4',
  'video/mpeg': '.mpeg',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'video/3gpp': '.3gp',
  'video/3gpp2': '.3g2',
  'text/vcard': '.vcf',
  'text/x-vcard': '.vcf',
  'text/directory': '.vcf',
  'text/calendar': '.ics',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'text/html': '.html',
  'text/xml': '.xml',
  'application/xml': '.xml',
};

/** File extension for a content type (parameters ignored); empty when unknown. */
export const extensionFor = (contentType: string): string => {
  const essence = mediaTypeEssence(contentType) ?? '';
  return EXTENSIONS[essence] ?? '';
};

export interface DayParts {
  yyyy: string;
  mm: string;
  dd: string;
}

export const utcDayParts = (iso: string): DayParts => {
  const date = new Date(iso);
  return {
    yyyy: String(date.getUTCFullYear()).padStart(4, '0'),
    mm: String(date.getUTCMonth() + 1).padStart(2, '0'),
    dd: String(date.getUTCDate()).padStart(2, '0'),
  };
};

/** `{prefix}{AC}/{YYYY}/{MM}/{DD}/` — the unit of a day listing. */
export const dayPrefix = (prefix: string, accountSid: string, day: DayParts): string =>
  `${prefix}${accountSid}/${day.yyyy}/${day.mm}/${day.dd}/`;

/**
 * `{prefix}{AC}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}{ext}`: a day, a message and an account
 * are each one prefix listing away. The day is the job's `receivedAt` in UTC, so every retry of a
 * job computes the same key: the key is the idempotency key.
 */
export const archiveKeyFor = (
  prefix: string,
  job: Pick<MediaJob, 'accountSid' | 'messageSid' | 'mediaSid' | 'contentType' | 'receivedAt'>,
): string =>
  `${dayPrefix(prefix, job.accountSid, utcDayParts(job.receivedAt))}${job.messageSid}/${job.mediaSid}${extensionFor(job.contentType)}`;

/**
 * Per-message index entry `{prefix}_index/{MessageSid}/{AC}/{YYYY}/{MM}/{DD}` (zero bytes): one
 * listing of `_index/{MessageSid}/` gives the day, a second lists the message's media.
 */
export const messageIndexKeyFor = (
  prefix: string,
  job: Pick<MediaJob, 'accountSid' | 'messageSid' | 'receivedAt'>,
): string => {
  const day = utcDayParts(job.receivedAt);
  return `${prefix}_index/${job.messageSid}/${job.accountSid}/${day.yyyy}/${day.mm}/${day.dd}`;
};

/** Where several content types share an extension, the one a reader should assume. */
const PREFERRED_FOR_EXTENSION: Readonly<Record<string, string>> = {
  '.3gp': 'video/3gpp',
  '.wav': 'audio/wav',
  '.xml': 'application/xml',
  '.vcf': 'text/vcard',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.fromEntries([
  ...Object.entries(EXTENSIONS)
    .reverse()
    .map(([type, ext]) => [ext, type]),
  ...Object.entries(PREFERRED_FOR_EXTENSION),
]);

/**
 * Content type implied by an archive key's extension (the inverse of `extensionFor`), so a
 * listing can show types without a HEAD per object; `undefined` when the key carries none.
 */
export const contentTypeForExtension = (extension: string): string | undefined => {
  const ext = extension.toLowerCase();
  return CONTENT_TYPES[ext.startsWith('.') ? ext : `.${ext}`];
};

/** How close to UTC midnight a webhook retry may land on the other side of it. */
export const MIDNIGHT_WINDOW_MS = 15 * 60 * 1000;

/**
 * Instants (ISO, UTC) on the neighbouring UTC day(s) when `iso` lies within `windowMs` of
 * midnight: the days under which another clock's view of the same moment may have filed a media.
 */
export const neighbourDayInstants = (iso: string, windowMs = MIDNIGHT_WINDOW_MS): string[] => {
  const at = Date.parse(iso);
  const dayStart = Math.floor(at / MS_PER_DAY) * MS_PER_DAY;
  const instants: string[] = [];
  if (at - dayStart < windowMs) instants.push(new Date(dayStart - 1).toISOString());
  if (dayStart + MS_PER_DAY - at <= windowMs)
    instants.push(new Date(dayStart + MS_PER_DAY).toISOString());
  return instants;
};

/**
 * Keys the same media would have if another delivery of its webhook had been received on the
 * neighbouring UTC day: a Twilio retry of a webhook that arrived at 23:59:58 is stamped 00:00:1x.
 * Empty unless `receivedAt` lies within `windowMs` of midnight.
 */
export const neighbourDayKeysFor = (
  prefix: string,
  job: Pick<MediaJob, 'accountSid' | 'messageSid' | 'mediaSid' | 'contentType' | 'receivedAt'>,
  windowMs = MIDNIGHT_WINDOW_MS,
): string[] =>
  neighbourDayInstants(job.receivedAt, windowMs).map((receivedAt) =>
    archiveKeyFor(prefix, { ...job, receivedAt }),
  );

/** An archived media's key, read back: everything the key itself says. */
export interface ArchiveKeyParts {
  key: string;
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  /** UTC day the message was received. */
  day: Day;
  extension: string;
  /** Implied by the extension; a HEAD gives the stored one. */
  contentType: string | undefined;
}

const SID_HEX = '[0-9a-fA-F]{32}';
const ENTRY = new RegExp(
  `^(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})/((?:SM|MM)${SID_HEX})/(ME${SID_HEX})(\\.[A-Za-z0-9]+)?$`,
);
const INDEX_ENTRY = new RegExp(`^(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})$`);

/** Inverse of `archiveKeyFor`; `undefined` for anything else under the prefix. */
export const parseArchiveKey = (prefix: string, key: string): ArchiveKeyParts | undefined => {
  if (!key.startsWith(prefix)) return undefined;
  const match = ENTRY.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const [, accountSid, yyyy, mm, dd, messageSid, mediaSid, extension = ''] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return {
    key,
    accountSid,
    messageSid,
    mediaSid,
    day: `${yyyy}-${mm}-${dd}`,
    extension,
    contentType: contentTypeForExtension(extension),
  };
};

/** Inverse of `messageIndexKeyFor`, given what follows `{prefix}_index/{MessageSid}/`. */
export const parseMessageIndexEntry = (
  suffix: string,
): { accountSid: string; day: Day } | undefined => {
  const match = INDEX_ENTRY.exec(suffix);
  if (!match) return undefined;
  const [, accountSid = '', yyyy, mm, dd] = match;
  return { accountSid, day: `${yyyy}-${mm}-${dd}` };
};
