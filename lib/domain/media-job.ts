import { InvalidJobError } from './errors.ts';
import { InvalidParticipantError, type Participant, parseParticipants } from './participant.ts';
import { isAccountSid, isMediaSid, isMessageSid } from './sids.ts';

export const MEDIA_JOB_VERSION = 1;
/** `events`: Twilio Event Streams (webhook or Kinesis sink), the app keeping its own webhook. */
export type JobSource = 'webhook' | 'backfill' | 'reconcile' | 'events';
/** Twilio's `direction` of a message; webhooks announce `inbound` only. */
export const MESSAGE_DIRECTIONS = [
  'inbound',
  'outbound-api',
  'outbound-call',
  'outbound-reply',
] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];
/** Which messages backfill and reconcile archive: inbound only, or every direction. */
export type ArchiveDirection = 'inbound' | 'all';
export const isMessageDirection = (value: unknown): value is MessageDirection =>
  MESSAGE_DIRECTIONS.includes(value as MessageDirection);

/**
 * What the webhook said about the whole message (or backfill and reconcile read from the Messages
 * and Media lists), carried by each of its jobs so whichever job archives the last media can write
 * the message record without asking Twilio again.
 */
export interface JobMessage {
  /** Every media the webhook announced, in `MediaUrlN` order (the Media list's, for backfills). */
  media: { sid: string; contentType: string }[];
  /** Absent = `inbound` (webhook jobs). */
  direction?: MessageDirection;
  numSegments?: number;
  messagingServiceSid?: string;
  /** Only present with ARCHIVE_MESSAGE_BODY=true. */
  body?: string;
  /** `From`/`To` as keyed pseudonyms (with ARCHIVE_PARTICIPANT_KEY); never a clear number. */
  participants?: Participant[];
}

/** One media file to archive: the message body SQS carries between the webhook and the archiver. */
export interface MediaJob {
  version: typeof MEDIA_JOB_VERSION;
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  /** Content type Twilio announced (`MediaContentTypeN`); the CDN's answer wins when they differ. */
  contentType: string;
  /** ISO-8601 UTC time the message reached us (or Twilio's date_created for backfills). */
  receivedAt: string;
  /** N of `MediaUrlN`. */
  index: number;
  source: JobSource;
  /** Only present with ARCHIVE_ADDRESSES=true. */
  from?: string;
  to?: string;
  /** The message the record is built from (absent: older jobs, or a media list not complete). */
  message?: JobMessage;
}

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SOURCES: readonly JobSource[] = ['webhook', 'backfill', 'reconcile', 'events'];

export const isContentType = (value: unknown): value is string =>
  typeof value === 'string' && CONTENT_TYPE.test(value);

/** `type/subtype` of a Content-Type, lower case, parameters (`; codecs=opus`) dropped; unchecked. */
export const mediaTypeEssence = (value: string | undefined): string | undefined =>
  value?.split(';', 1)[0]?.trim().toLowerCase();

const MAX_BODY_CHARS = 50_000;

const parseJobMessage = (raw: unknown, job: MediaJob): JobMessage => {
  if (typeof raw !== 'object' || raw === null) throw new InvalidJobError('bad message');
  const m = raw as Record<string, unknown>;
  if (!Array.isArray(m.media) || m.media.length === 0 || m.media.length > 10) {
    throw new InvalidJobError('bad message media');
  }
  const media = m.media.map((item: unknown) => {
    const { sid, contentType } = (item ?? {}) as Record<string, unknown>;
    if (!isMediaSid(sid) || !isContentType(contentType)) {
      throw new InvalidJobError('bad message media');
    }
    return { sid, contentType };
  });
  if (media[job.index]?.sid !== job.mediaSid) {
    throw new InvalidJobError('message media do not name this job');
  }
  const message: JobMessage = { media };
  if (m.direction !== undefined) {
    if (!isMessageDirection(m.direction)) throw new InvalidJobError('bad direction');
    message.direction = m.direction;
  }
  if (m.numSegments !== undefined) {
    if (!Number.isInteger(m.numSegments) || (m.numSegments as number) < 0) {
      throw new InvalidJobError('bad numSegments');
    }
    message.numSegments = m.numSegments as number;
  }
  if (m.messagingServiceSid !== undefined) {
    if (
      typeof m.messagingServiceSid !== 'string' ||
      !/^MG[0-9a-fA-F]{32}$/.test(m.messagingServiceSid)
    ) {
      throw new InvalidJobError('bad messagingServiceSid');
    }
    message.messagingServiceSid = m.messagingServiceSid;
  }
  if (m.body !== undefined) {
    if (typeof m.body !== 'string' || m.body.length > MAX_BODY_CHARS) {
      throw new InvalidJobError('bad body');
    }
    message.body = m.body;
  }
  if (m.participants !== undefined) {
    try {
      message.participants = parseParticipants(m.participants);
    } catch (error) {
      if (!(error instanceof InvalidParticipantError)) throw error;
      throw new InvalidJobError(error.message);
    }
  }
  return message;
};

/** Parses and validates a queued job; anything off is a permanent `InvalidJobError`. */
export const parseMediaJob = (body: string): MediaJob => {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidJobError('job is not JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw new InvalidJobError('job is not an object');
  const job = raw as Record<string, unknown>;
  if (job.version !== MEDIA_JOB_VERSION) throw new InvalidJobError('unsupported job version');
  if (!isAccountSid(job.accountSid)) throw new InvalidJobError('bad accountSid');
  if (!isMessageSid(job.messageSid)) throw new InvalidJobError('bad messageSid');
  if (!isMediaSid(job.mediaSid)) throw new InvalidJobError('bad mediaSid');
  if (!isContentType(job.contentType)) throw new InvalidJobError('bad contentType');
  if (typeof job.receivedAt !== 'string' || !ISO_UTC.test(job.receivedAt)) {
    throw new InvalidJobError('bad receivedAt');
  }
  if (Number.isNaN(Date.parse(job.receivedAt))) throw new InvalidJobError('bad receivedAt');
  if (!Number.isInteger(job.index) || (job.index as number) < 0 || (job.index as number) > 9) {
    throw new InvalidJobError('bad index');
  }
  const source = job.source ?? 'webhook';
  if (!SOURCES.includes(source as JobSource)) throw new InvalidJobError('bad source');
  const parsed: MediaJob = {
    version: MEDIA_JOB_VERSION,
    accountSid: job.accountSid,
    messageSid: job.messageSid,
    mediaSid: job.mediaSid,
    contentType: job.contentType,
    receivedAt: job.receivedAt,
    index: job.index as number,
    source: source as JobSource,
  };
  if (typeof job.from === 'string') parsed.from = job.from;
  if (typeof job.to === 'string') parsed.to = job.to;
  if (job.message !== undefined) parsed.message = parseJobMessage(job.message, parsed);
  return parsed;
};

export const serializeMediaJob = (job: MediaJob): string => JSON.stringify(job);
