import { archiveKeyFor, utcDayParts } from './archive-key.ts';
import {
  isMessageDirection,
  type JobMessage,
  type MediaJob,
  type MessageDirection,
} from './media-job.ts';
import { InvalidParticipantError, type Participant, parseParticipants } from './participant.ts';
import { isAccountSid, isMediaSid, isMessageSid } from './sids.ts';
import { type Day, dayPath } from './utc-day.ts';

const SID_HEX = '[0-9a-fA-F]{32}';

/**
 * The message record `_records/{AC}/{day}/{MessageSid}.json`: what the webhook said about a
 * message and the media as S3 holds them, so an auditor can show which message a file came with. Built from the
 * webhook's own fields (no Twilio call) and the media as S3 holds them. One fact, one place: the
 * record's key, shape and parser live here.
 */

export const MESSAGE_RECORD_SCHEMA = 'twilio-media-archiver/message-record';
export const MESSAGE_RECORD_VERSION = 1;

export interface RecordedMedia {
  /** N of `MediaUrlN`. */
  index: number;
  mediaSid: string;
  key: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  /**
   * What S3 itself confirmed (the proof rule of `archive-proof.ts`): `s3`, its own full-object
   * `x-amz-checksum-sha256` read back (HEAD in checksum mode); `md5-etag`, the ETag of a
   * single-part, non-KMS object equal to the MD5 the verified PUT carried (endpoints that keep no
   * SHA-256), which ties these bytes to the SHA-256 written with that MD5.
   */
  sha256Source: 's3' | 'md5-etag';
}

export interface MessageRecord {
  schema: typeof MESSAGE_RECORD_SCHEMA;
  version: typeof MESSAGE_RECORD_VERSION;
  accountSid: string;
  messageSid: string;
  messagingServiceSid?: string;
  /** Twilio's; webhooks announce `inbound` only, backfill with `--direction all` any. */
  direction: MessageDirection;
  /** ISO-8601 UTC time the webhook reached us (Twilio's `date_created` for backfills). */
  receivedAt: string;
  numMedia: number;
  numSegments?: number;
  /** Only with ARCHIVE_MESSAGE_BODY=true. */
  body?: string;
  /**
   * `From`/`To` as keyed pseudonyms (HMAC-SHA256 under ARCHIVE_PARTICIPANT_KEY, `participant.ts`):
   * what `find`/`erase --participant` match, without the archive holding a number.
   */
  participants?: Participant[];
  /** Only with ARCHIVE_ADDRESSES=true. */
  from?: string;
  to?: string;
  media: RecordedMedia[];
}

/** The job fields a record is built from: a job that carries its message. */
export type RecordableJob = MediaJob & { message: JobMessage };

export const isRecordable = (job: MediaJob): job is RecordableJob => job.message !== undefined;

/** Every record lives under this folder of the archive prefix, and only records do. */
export const RECORDS_FOLDER = '_records/';

/** `{prefix}_records/{AC}/{YYYY}/{MM}/{DD}/`: one account's records of one day. */
export const recordDayPrefix = (prefix: string, accountSid: string, day: Day): string =>
  `${prefix}${RECORDS_FOLDER}${accountSid}/${dayPath(day)}/`;

/**
 * `{prefix}_records/{AC}/{YYYY}/{MM}/{DD}/{MessageSid}.json`: one key per message, both its record
 * and the day's index of messages (a listing of the day's folder names them all), under a prefix
 * that holds records only, partitioned as Athena's partition projection wants them.
 */
export const messageRecordKeyFor = (
  prefix: string,
  job: Pick<MediaJob, 'accountSid' | 'messageSid' | 'receivedAt'>,
): string => {
  const { yyyy, mm, dd } = utcDayParts(job.receivedAt);
  return `${recordDayPrefix(prefix, job.accountSid, `${yyyy}-${mm}-${dd}`)}${job.messageSid}.json`;
};

/**
 * Where archives written before records had their own folder keep them:
 * `{prefix}{AC}/{YYYY}/{MM}/{DD}/{MessageSid}/message.json`, beside the media. Read, listed and
 * erased; never written again.
 */
export const LEGACY_RECORD_FILE = 'message.json';

const MEDIA_KEY = new RegExp(
  `^(.*)(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})/((?:SM|MM)${SID_HEX})/[^/]+$`,
);

/** The message a media key names: its archive prefix, account, day and SID. */
export const messageOfMediaKey = (
  mediaKey: string,
): { prefix: string; accountSid: string; day: Day; messageSid: string } | undefined => {
  const match = MEDIA_KEY.exec(mediaKey);
  if (!match) return undefined;
  const [, prefix = '', accountSid = '', yyyy, mm, dd, messageSid = ''] = match;
  return { prefix, accountSid, day: `${yyyy}-${mm}-${dd}`, messageSid };
};

const messageOrThrow = (mediaKey: string) => {
  const message = messageOfMediaKey(mediaKey);
  if (!message) throw new InvalidMessageRecordError(`${mediaKey} is not a media key`);
  return message;
};

/** The record of the message a media key belongs to (pure: no request). */
export const recordKeyFor = (mediaKey: string): string => {
  const { prefix, accountSid, day, messageSid } = messageOrThrow(mediaKey);
  return `${recordDayPrefix(prefix, accountSid, day)}${messageSid}.json`;
};

/** The legacy record beside a media key (`…/{MessageSid}/message.json`), for readers only. */
export const legacyRecordKeyFor = (mediaKey: string): string =>
  `${mediaKey.slice(0, mediaKey.lastIndexOf('/') + 1)}${LEGACY_RECORD_FILE}`;

const RECORD_KEY = new RegExp(
  `^(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})/((?:SM|MM)${SID_HEX})\\.json$`,
);

/** A record key read back: `undefined` for anything else (the legacy layout included). */
export const parseRecordKey = (
  prefix: string,
  key: string,
): { accountSid: string; day: Day; messageSid: string } | undefined => {
  if (!key.startsWith(`${prefix}${RECORDS_FOLDER}`)) return undefined;
  const match = RECORD_KEY.exec(key.slice(prefix.length + RECORDS_FOLDER.length));
  if (!match) return undefined;
  const [, accountSid = '', yyyy, mm, dd, messageSid = ''] = match;
  return { accountSid, day: `${yyyy}-${mm}-${dd}`, messageSid };
};

/**
 * Every key prefix a message may hold objects under, whichever version wrote them: its media
 * folder (media, a legacy record), its record, its SID index entry. What an erasure lists.
 */
export const messageKeyPrefixes = (
  prefix: string,
  message: { accountSid: string; messageSid: string; day: Day },
): string[] => {
  const { accountSid, messageSid, day } = message;
  return [
    `${prefix}${accountSid}/${dayPath(day)}/${messageSid}/`,
    `${recordDayPrefix(prefix, accountSid, day)}${messageSid}.json`,
    `${prefix}_index/${messageSid}/${accountSid}/${dayPath(day)}`,
  ];
};

/** The archive keys of every media the webhook announced, in `MediaUrlN` order. */
export const announcedMediaKeys = (
  prefix: string,
  job: RecordableJob,
): { index: number; mediaSid: string; key: string }[] =>
  job.message.media.map((media, index) => ({
    index,
    mediaSid: media.sid,
    key: archiveKeyFor(prefix, { ...job, mediaSid: media.sid, contentType: media.contentType }),
  }));

export const buildMessageRecord = (job: RecordableJob, media: RecordedMedia[]): MessageRecord => {
  const record: MessageRecord = {
    schema: MESSAGE_RECORD_SCHEMA,
    version: MESSAGE_RECORD_VERSION,
    accountSid: job.accountSid,
    messageSid: job.messageSid,
    direction: job.message.direction ?? 'inbound',
    receivedAt: job.receivedAt,
    numMedia: job.message.media.length,
    media: [...media].sort((a, b) => a.index - b.index),
  };
  if (job.message.messagingServiceSid) {
    record.messagingServiceSid = job.message.messagingServiceSid;
  }
  if (job.message.numSegments !== undefined) record.numSegments = job.message.numSegments;
  if (job.message.body !== undefined) record.body = job.message.body;
  if (job.message.participants !== undefined) {
    record.participants = job.message.participants.map((p) => ({ ...p }));
  }
  if (job.from !== undefined) record.from = job.from;
  if (job.to !== undefined) record.to = job.to;
  return record;
};

/**
 * Stable bytes: the same record always serialises to the same checksum. One line: Athena's JSON
 * SerDe (infra/athena.yml) reads one object per line, and fails on a pretty-printed record.
 */
export const serializeMessageRecord = (record: MessageRecord): string =>
  `${JSON.stringify(record)}\n`;

export class InvalidMessageRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

const count = (value: unknown, max: number) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max;

const parseMedia = (raw: unknown): RecordedMedia => {
  const m = (raw ?? {}) as Record<string, unknown>;
  if (!count(m.index, 9)) throw new InvalidMessageRecordError('bad media index');
  if (!isMediaSid(m.mediaSid)) throw new InvalidMessageRecordError('bad mediaSid');
  if (typeof m.key !== 'string' || !m.key.includes(m.mediaSid)) {
    throw new InvalidMessageRecordError('bad media key');
  }
  if (typeof m.contentType !== 'string') throw new InvalidMessageRecordError('bad contentType');
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0) {
    throw new InvalidMessageRecordError('bad media size');
  }
  if (typeof m.sha256 !== 'string' || !SHA256_HEX.test(m.sha256)) {
    throw new InvalidMessageRecordError('bad media sha256');
  }
  if (m.sha256Source !== 's3' && m.sha256Source !== 'md5-etag') {
    throw new InvalidMessageRecordError('bad sha256Source');
  }
  return {
    index: m.index as number,
    mediaSid: m.mediaSid,
    key: m.key,
    contentType: m.contentType,
    size: m.size as number,
    sha256: m.sha256,
    sha256Source: m.sha256Source,
  };
};

/** Reads a stored record back; anything that is not a record of this schema throws. */
export const parseMessageRecord = (text: string): MessageRecord => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidMessageRecordError('message record is not JSON');
  }
  const r = (raw ?? {}) as Record<string, unknown>;
  if (r.schema !== MESSAGE_RECORD_SCHEMA || r.version !== MESSAGE_RECORD_VERSION) {
    throw new InvalidMessageRecordError('not a message record of a known version');
  }
  if (!isAccountSid(r.accountSid)) throw new InvalidMessageRecordError('bad accountSid');
  if (!isMessageSid(r.messageSid)) throw new InvalidMessageRecordError('bad messageSid');
  if (!isMessageDirection(r.direction)) throw new InvalidMessageRecordError('bad direction');
  if (typeof r.receivedAt !== 'string' || !ISO_UTC.test(r.receivedAt)) {
    throw new InvalidMessageRecordError('bad receivedAt');
  }
  if (!count(r.numMedia, 10)) throw new InvalidMessageRecordError('bad numMedia');
  if (!Array.isArray(r.media)) throw new InvalidMessageRecordError('bad media');
  const record: MessageRecord = {
    schema: MESSAGE_RECORD_SCHEMA,
    version: MESSAGE_RECORD_VERSION,
    accountSid: r.accountSid,
    messageSid: r.messageSid,
    direction: r.direction,
    receivedAt: r.receivedAt,
    numMedia: r.numMedia as number,
    media: r.media.map(parseMedia),
  };
  if (r.messagingServiceSid !== undefined) {
    if (typeof r.messagingServiceSid !== 'string' || !SERVICE_SID.test(r.messagingServiceSid)) {
      throw new InvalidMessageRecordError('bad messagingServiceSid');
    }
    record.messagingServiceSid = r.messagingServiceSid;
  }
  if (r.numSegments !== undefined) {
    if (!Number.isSafeInteger(r.numSegments) || (r.numSegments as number) < 0) {
      throw new InvalidMessageRecordError('bad numSegments');
    }
    record.numSegments = r.numSegments as number;
  }
  if (r.participants !== undefined) {
    try {
      record.participants = parseParticipants(r.participants);
    } catch (error) {
      if (!(error instanceof InvalidParticipantError)) throw error;
      throw new InvalidMessageRecordError(error.message);
    }
  }
  for (const field of ['body', 'from', 'to'] as const) {
    if (r[field] === undefined) continue;
    if (typeof r[field] !== 'string') throw new InvalidMessageRecordError(`bad ${field}`);
    record[field] = r[field];
  }
  return record;
};

/**
 * Whether a record found at the key (a duplicate webhook's, an earlier attempt's, or a reconcile
 * job's) vouches for the same media with the same checksums: then it is kept, never rewritten.
 * Matched by Media SID, not position: the Media list need not follow the webhook's `MediaUrlN`.
 */
export const sameMedia = (a: MessageRecord, b: MessageRecord): boolean => {
  if (a.accountSid !== b.accountSid || a.messageSid !== b.messageSid) return false;
  if (a.media.length !== b.media.length) return false;
  const theirs = new Map(b.media.map((m) => [m.mediaSid, m]));
  return (
    theirs.size === b.media.length &&
    a.media.every((m) => {
      const other = theirs.get(m.mediaSid);
      return other?.size === m.size && other.sha256 === m.sha256;
    })
  );
};
