import { type ArchiveProof, provenStoredCopy } from '../domain/archive-proof.ts';
import { MessageRecordConflictError, VerificationFailedError } from '../domain/errors.ts';
import type { MediaJob } from '../domain/media-job.ts';
import {
  announcedMediaKeys,
  buildMessageRecord,
  isRecordable,
  type MessageRecord,
  messageRecordKeyFor,
  parseMessageRecord,
  type RecordedMedia,
  sameMedia,
  serializeMessageRecord,
} from '../domain/message-record.ts';
import { MetricName, MetricUnit } from '../domain/metric-names.ts';
import type { HeldBody, MessageRecordStore, MessageRedactor } from '../ports/pipeline.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';

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
  metrics: MetricSink;
}

/** Why a body stays at Twilio although redaction is on (the `reason` of `RedactionSkipped`). */
export type RedactionSkipReason =
  | 'record-without-body'
  | 'job-body-differs-from-record'
  | 'twilio-body-differs-from-record';

export interface RecordOutcome {
  /**
   * `written`: this job wrote and verified it; `exists`: an earlier or duplicate job did;
   * `incomplete`: another media of the message is not archived yet (its job will write it);
   * `not-recordable`: a job without its message (backfill, reconcile, older webhooks).
   */
  record: 'written' | 'exists' | 'incomplete' | 'not-recordable';
  /**
   * `already-gone`: Twilio has no such message; `already-blank`: Twilio's body is empty already;
   * `skipped`: kept at Twilio (see `skipped`); `empty-body`: the record's body is empty.
   */
  redaction:
    | 'redacted'
    | 'already-gone'
    | 'already-blank'
    | 'off'
    | 'skipped'
    | 'empty-body'
    | 'not-yet';
  skipped?: RedactionSkipReason;
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

/** A media this invocation wrote or found proven: the record takes it from the proof, no HEAD. */
export interface ProvenMedia {
  key: string;
  proof: ArchiveProof;
  /** Without it (a copy found by a conditional PUT) the record asks S3 with a HEAD. */
  contentType?: string | undefined;
}

const fromProof = (
  announced: { index: number; mediaSid: string; key: string },
  { proof, contentType }: ProvenMedia & { contentType: string },
): RecordedMedia => ({
  ...announced,
  contentType,
  size: proof.size,
  sha256: proof.sha256Hex,
  sha256Source: proof.s3 === 's3-checksum' ? 's3' : 'md5-etag',
});

/**
 * Every announced media as S3 holds it, or `undefined` as soon as one is missing. Media proven in
 * this invocation cost nothing; the others one HEAD each, the last announced first: a message
 * still being archived is usually missing its later media, so an incomplete one costs one HEAD.
 */
const resolveMedia = async (
  records: MessageRecordStore,
  announced: { index: number; mediaSid: string; key: string }[],
  proven: ReadonlyMap<string, ProvenMedia>,
): Promise<RecordedMedia[] | undefined> => {
  const media: RecordedMedia[] = [];
  for (const item of [...announced].reverse()) {
    const known = proven.get(item.key);
    const found =
      known?.contentType !== undefined
        ? fromProof(item, { ...known, contentType: known.contentType })
        : await recordedMedia(records, item);
    if (!found) return undefined;
    media.unshift(found);
  }
  return media;
};

const parseStored = (text: string, key: string): MessageRecord => {
  try {
    return parseMessageRecord(text);
  } catch (error) {
    // Only InvalidMessageRecordError comes from the parser. Transient: a read racing another
    // writer on an S3 stand-in can see a partial file; S3 itself never shows one, so a record
    // that stays unreadable dead-letters on the last attempt.
    throw new VerificationFailedError(`${key} is not a readable message record`, {
      cause: error,
    });
  }
};

/**
 * Once per message and invocation, after its media jobs: when every media the webhook announced
 * is archived, write the message record once (create-only, verified), and only then, if enabled,
 * redact the body at Twilio. `proven`, by archive key, holds what this invocation's jobs proved;
 * only the rest is asked of S3. Whichever invocation sees the message complete writes it: each
 * checks after its own PUTs, so with S3's read-after-write consistency the last to check sees
 * every media.
 *
 * With redaction on, the body is Twilio's, never only the job's: anyone who can put a job on the
 * queue could name a real message with a made-up body. So one GET of the Message comes before the
 * record is written (a body Twilio does not hold is never recorded: the record takes Twilio's, or
 * none when Twilio has no such message) and before the POST that blanks it (which happens only
 * when Twilio, the verified record and the job hold the same non-empty body, word for word).
 */
export const recordMessage = async (
  deps: RecordMessageDeps,
  job: MediaJob,
  proven: ReadonlyMap<string, ProvenMedia> = new Map(),
): Promise<RecordOutcome> => {
  const { records, config, logger, metrics } = deps;
  const redactor = config.redactMessageBody ? deps.redactor : undefined;
  const off = redactor ? 'not-yet' : 'off';
  if (!isRecordable(job)) return { record: 'not-recordable', redaction: off };
  const ids = { messageSid: job.messageSid };
  const announced = announcedMediaKeys(config.archivePrefix, job);
  const media = await resolveMedia(records, announced, proven);
  if (!media) return { record: 'incomplete', redaction: off };
  const key = messageRecordKeyFor(config.archivePrefix, job);
  // One GET per job at most: the record and the redaction are judged by the same answer.
  let held: Promise<HeldBody> | undefined;
  const heldAtTwilio = (from: MessageRedactor) => {
    held ??= from.readBody(job);
    return held;
  };
  const fresh = buildMessageRecord(job, media);
  // Read first: a record is written once, so most calls need no PUT; the PUT stays create-only
  // because two jobs completing the message together both read nothing (S3 answers the loser 412).
  let existing = await records.getRecord(key);
  let outcome: RecordOutcome['record'] = 'exists';
  if (existing === undefined && redactor && fresh.body !== undefined) {
    const twilio = await heldAtTwilio(redactor);
    const truth = twilio.status === 'found' ? twilio.body : undefined;
    if (truth !== fresh.body) {
      // A racing job of this message blanks the body only after its record was acknowledged:
      // look again, so that its redaction is never taken for the truth.
      existing = await records.getRecord(key);
      if (existing === undefined) {
        logger.warn('the job’s body is not the one Twilio holds: recording Twilio’s', {
          ...ids,
          twilio: twilio.status,
        });
        if (truth === undefined) delete fresh.body;
        else fresh.body = truth;
      }
    }
  }
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
  if (!redactor) return { record: outcome, redaction: 'off' };
  const skip = (reason: RedactionSkipReason): RecordOutcome => {
    // The reason is a log field: the body and the numbers never are.
    logger.warn('message body kept at Twilio', { ...ids, reason });
    metrics.addMetric(MetricName.RedactionSkipped, MetricUnit.Count, 1);
    return { record: outcome, redaction: 'skipped', skipped: reason };
  };
  // Never redact what the verified record does not hold, word for word.
  if (verified.body === undefined) return skip('record-without-body');
  if (verified.body === '') return { record: outcome, redaction: 'empty-body' };
  if (verified.body !== job.message.body) return skip('job-body-differs-from-record');
  const twilio = await heldAtTwilio(redactor);
  if (twilio.status === 'gone') return { record: outcome, redaction: 'already-gone' };
  if (twilio.body === '') return { record: outcome, redaction: 'already-blank' };
  if (twilio.body !== verified.body) return skip('twilio-body-differs-from-record');
  const redaction = await redactor.redactBody(job);
  logger.info('message body redacted at Twilio', { ...ids, redaction });
  return { record: outcome, redaction };
};
