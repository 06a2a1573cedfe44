import { provenStoredCopy } from '../domain/archive-proof.ts';
import { MessageRecordConflictError, VerificationFailedError } from '../domain/errors.ts';
import type { MediaJob } from '../domain/media-job.ts';
import {
  announcedMediaKeys,
  buildMessageRecord,
  InvalidMessageRecordError,
  isRecordable,
  type MessageRecord,
  messagePrefixFor,
  messageRecordKeyFor,
  parseMessageRecord,
  type RecordedMedia,
  sameMedia,
  serializeMessageRecord,
} from '../domain/message-record.ts';
import type { MessageRecordStore, MessageRedactor } from '../ports/pipeline.ts';
import type { Log } from '../ports/telemetry.ts';

/** The settings recordMessage reads (lib/config's ArchiverConfig satisfies it). */
export interface RecordMessageConfig {
  archivePrefix: string;
  redactMessageBody?: boolean;
}

export interface RecordMessageDeps {
  records: MessageRecordStore;
  redactor?: MessageRedactor;
  config: RecordMessageConfig;
  logger: Pick<Log, 'info' | 'warn'>;
}

export interface RecordOutcome {
  /**
   * `written`: this job wrote and verified it; `exists`: an earlier or duplicate job did;
   * `incomplete`: another media of the message is not archived yet (its job will write it);
   * `not-recordable`: a job without its message (backfill, reconcile, older webhooks).
   */
  record: 'written' | 'exists' | 'incomplete' | 'not-recordable';
  redaction: 'redacted' | 'already-gone' | 'off' | 'no-body' | 'empty-body' | 'not-yet';
}

/**
 * The media as S3 holds it, or `undefined` when it is missing or S3 itself does not vouch for it:
 * the record's checksum follows the rule in front of every DELETE (`archive-proof.ts`), never
 * metadata alone.
 */
const recordedMedia = async (
  records: MessageRecordStore,
  announced: { index: number; mediaSid: string; key: string },
): Promise<RecordedMedia | undefined> => {
  const stored = await records.headWithChecksum(announced.key);
  const proof = provenStoredCopy(stored);
  if (!stored || !proof) return undefined;
  // A full-object SHA-256 naming other bytes than the metadata is a contradiction, whatever the
  // ETag says.
  if (
    stored.checksumSha256 !== undefined &&
    stored.checksumType !== 'COMPOSITE' &&
    Buffer.from(stored.checksumSha256, 'base64').toString('hex') !== proof.sha256Hex
  ) {
    return undefined;
  }
  return {
    ...announced,
    contentType: stored.contentType ?? 'application/octet-stream',
    size: proof.size,
    sha256: proof.sha256Hex,
    sha256Source: proof.s3 === 's3-checksum' ? 's3' : 'md5-etag',
  };
};

const parseStored = (text: string, key: string): MessageRecord => {
  try {
    return parseMessageRecord(text);
  } catch (error) {
    if (!(error instanceof InvalidMessageRecordError)) throw error;
    // Transient: a read racing another writer on an S3 stand-in can see a partial file; S3 itself
    // never shows one, so a record that stays unreadable dead-letters on the last attempt.
    throw new VerificationFailedError(`${key} is not a readable message record`, {
      cause: error,
    });
  }
};

/**
 * After a media job archived its media: when every media the webhook announced is archived,
 * write the message record once (create-only, verified), and only then, if enabled and the
 * verified record holds the body, redact the body at Twilio. Whichever job sees the message
 * complete writes it; S3's read-after-write consistency means at least one of them does.
 */
export const recordMessage = async (
  deps: RecordMessageDeps,
  job: MediaJob,
): Promise<RecordOutcome> => {
  const { records, config, logger } = deps;
  const off = config.redactMessageBody ? 'not-yet' : 'off';
  if (!isRecordable(job)) return { record: 'not-recordable', redaction: off };
  const ids = { messageSid: job.messageSid };
  const announced = announcedMediaKeys(config.archivePrefix, job);
  const present = await records.keysUnder(messagePrefixFor(config.archivePrefix, job));
  if (announced.some((media) => !present.has(media.key))) {
    return { record: 'incomplete', redaction: off };
  }
  const media: RecordedMedia[] = [];
  for (const item of announced) {
    const found = await recordedMedia(records, item);
    if (!found) return { record: 'incomplete', redaction: off };
    media.push(found);
  }
  const key = messageRecordKeyFor(config.archivePrefix, job);
  const fresh = buildMessageRecord(job, media);
  // Read first: S3-compatible stand-ins ignore If-None-Match, and a record is written once.
  let existing = await records.getRecord(key);
  let outcome: RecordOutcome['record'] = 'exists';
  if (existing === undefined) {
    if ((await records.putRecord(key, serializeMessageRecord(fresh))) === 'created') {
      outcome = 'written';
    } else {
      existing = await records.getRecord(key);
    }
  }
  let verified = fresh;
  if (outcome === 'exists') {
    if (existing === undefined) {
      throw new MessageRecordConflictError(`${key} was reported existing but cannot be read`);
    }
    verified = parseStored(existing, key);
    if (!sameMedia(verified, fresh)) {
      throw new MessageRecordConflictError(`${key} describes other media than the archive holds`);
    }
  }
  logger.info(outcome === 'written' ? 'message record written' : 'message record found', {
    ...ids,
    key,
  });
  if (!config.redactMessageBody || !deps.redactor) return { record: outcome, redaction: 'off' };
  // Never redact what the verified record does not hold, word for word.
  if (verified.body === undefined || verified.body !== job.message.body) {
    logger.warn('message record lacks this body, not redacting at Twilio', ids);
    return { record: outcome, redaction: 'no-body' };
  }
  if (verified.body === '') return { record: outcome, redaction: 'empty-body' };
  const redaction = await deps.redactor.redactBody(job);
  logger.info('message body redacted at Twilio', { ...ids, redaction });
  return { record: outcome, redaction };
};
