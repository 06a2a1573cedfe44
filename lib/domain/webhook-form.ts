import {
  isContentType,
  type JobMessage,
  MEDIA_JOB_VERSION,
  type MediaJob,
  mediaTypeEssence,
} from './media-job.ts';
import { type ParticipantKey, participantsOf } from './participant.ts';
import { isAccountSid, isMessageSid } from './sids.ts';
import { InvalidWebhookError } from './webhook-errors.ts';

export type WebhookFields = Readonly<Record<string, string | readonly string[]>>;

export const MAX_NUM_MEDIA = 10;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const NUM_MEDIA = /^(?:[0-9]|10)$/;
// Matched against the URL exactly as received: only hex SIDs fit, so `..`, `%2F`, `\` or extra
// segments can never sneak in, whatever `new URL()` would normalise them into.
const MEDIA_URL =
  /^https?:\/\/[^/?#\\]+(\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\/((?:SM|MM)[0-9a-fA-F]{32})\/Media\/(ME[0-9a-fA-F]{32}))(?:\?[^#]*)?$/;

export interface WebhookFormOptions {
  /** ISO-8601 UTC time the webhook arrived. */
  receivedAt: string;
  /** Copy `From`/`To` into the jobs (ARCHIVE_ADDRESSES=true). */
  archiveAddresses: boolean;
  /** Copy `Body` into the jobs' message (ARCHIVE_MESSAGE_BODY=true). */
  archiveMessageBody?: boolean;
  /** ARCHIVE_PARTICIPANT_KEY: `From`/`To` go into the message as keyed pseudonyms. */
  participantKey?: ParticipantKey;
}

/** A field sent once; repeated or missing fields are `undefined`. */
export const singleField = (fields: WebhookFields, name: string): string | undefined => {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
};

const mediaSidFrom = (url: string, accountSid: string, messageSid: string, n: number): string => {
  const match = MEDIA_URL.exec(url);
  let parsedPath: string | undefined;
  try {
    parsedPath = new URL(url).pathname;
  } catch {
    parsedPath = undefined;
  }
  // The host is never trusted or kept: only the path identifies the Media resource.
  if (!match || parsedPath !== match[1]) {
    throw new InvalidWebhookError(`MediaUrl${n} is not a Twilio media URL`);
  }
  if (match[2] !== accountSid || match[3] !== messageSid) {
    throw new InvalidWebhookError(`MediaUrl${n} belongs to another account or message`);
  }
  return match[4] as string;
};

const contentTypeOf = (fields: WebhookFields, n: number): string => {
  const name = `MediaContentType${n}`;
  if (fields[name] === undefined) return DEFAULT_CONTENT_TYPE;
  // Parameters (`; codecs=opus`) are dropped: the job carries the media type only.
  const essence = mediaTypeEssence(singleField(fields, name));
  if (!isContentType(essence)) throw new InvalidWebhookError(`${name} is not a media type`);
  return essence;
};

const SEGMENTS = /^\d{1,4}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

/** The message as the webhook describes it; unreadable optional fields are left out, not refused. */
const jobMessageOf = (
  fields: WebhookFields,
  jobs: readonly MediaJob[],
  options: WebhookFormOptions,
): JobMessage => {
  const message: JobMessage = {
    media: jobs.map((job) => ({ sid: job.mediaSid, contentType: job.contentType })),
  };
  const segments = singleField(fields, 'NumSegments');
  if (segments !== undefined && SEGMENTS.test(segments)) message.numSegments = Number(segments);
  const service = singleField(fields, 'MessagingServiceSid');
  if (service !== undefined && SERVICE_SID.test(service)) message.messagingServiceSid = service;
  const body = options.archiveMessageBody ? singleField(fields, 'Body') : undefined;
  if (body !== undefined) message.body = body;
  if (options.participantKey) {
    const participants = participantsOf(options.participantKey, {
      from: singleField(fields, 'From'),
      to: singleField(fields, 'To'),
    });
    if (participants.length > 0) message.participants = participants;
  }
  return message;
};

/**
 * Turns the fields of an incoming-message webhook into one job per media. Throws
 * `InvalidWebhookError` (400) with a one-line reason; it checks shape, not the account: the caller
 * decides which account it serves.
 */
export const mediaJobsFromWebhook = (
  fields: WebhookFields,
  options: WebhookFormOptions,
): MediaJob[] => {
  const accountSid = singleField(fields, 'AccountSid');
  if (!isAccountSid(accountSid)) throw new InvalidWebhookError('AccountSid missing or malformed');
  const messageSid = singleField(fields, 'MessageSid');
  if (!isMessageSid(messageSid)) throw new InvalidWebhookError('MessageSid missing or malformed');
  const numMedia = singleField(fields, 'NumMedia');
  if (numMedia === undefined || !NUM_MEDIA.test(numMedia)) {
    throw new InvalidWebhookError(`NumMedia must be an integer in 0..${MAX_NUM_MEDIA}`);
  }
  const from = options.archiveAddresses ? singleField(fields, 'From') : undefined;
  const to = options.archiveAddresses ? singleField(fields, 'To') : undefined;
  const jobs: MediaJob[] = [];
  for (let n = 0; n < Number(numMedia); n += 1) {
    const url = singleField(fields, `MediaUrl${n}`);
    if (url === undefined) throw new InvalidWebhookError(`MediaUrl${n} missing or repeated`);
    const job: MediaJob = {
      version: MEDIA_JOB_VERSION,
      accountSid,
      messageSid,
      mediaSid: mediaSidFrom(url, accountSid, messageSid, n),
      contentType: contentTypeOf(fields, n),
      receivedAt: options.receivedAt,
      index: n,
      source: 'webhook',
    };
    if (from !== undefined) job.from = from;
    if (to !== undefined) job.to = to;
    jobs.push(job);
  }
  const message = jobMessageOf(fields, jobs, options);
  for (const job of jobs) job.message = message;
  return jobs;
};
