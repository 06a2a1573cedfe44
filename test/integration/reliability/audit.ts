import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMedia, SeededMessage } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/stand-ins/webhook-client.ts';
import { approximateCount } from '../../helpers/local-sqs.ts';
import { readArchive } from '../../helpers/local-stack.ts';

/** What the archive and the two request logs say about one media. */
export interface MediaAudit {
  sid: string;
  /** Objects whose key names this media (index markers excluded). */
  copies: number;
  /** Exactly one copy, with the seeded size and sha256 (bytes, S3's checksum, metadata size). */
  intact: boolean;
  /** S3 PUTs of its key that succeeded. */
  puts: number;
  /** DELETEs of it that Twilio answered 204. */
  deletes: number;
  /** DELETE requests of any outcome that reached Twilio before S3 confirmed the copy to the client. */
  deletesBeforeVerified: number;
  /**
   * How far (ms) a DELETE came before the local S3's own log time of the first PUT, if it did:
   * the server logs in its process, so the client can act on the answer a few ms before that
   * entry's time. Informational only.
   */
  serverLogLeadMs: number;
  stillAtTwilio: boolean;
}

export interface AuditSummary {
  expected: number;
  archived: number;
  duplicates: number;
  deletesBeforeVerified: number;
  /** The largest `serverLogLeadMs` of any media. */
  serverLogLeadMs: number;
  deleted: number;
  /** Objects under the prefix that belong to no expected media. */
  strays: number;
  media: MediaAudit[];
}

type AuditedStack = Pick<LocalStack, 's3' | 'bucket' | 's3Server' | 'emulator'>;

const MEDIA_SID = /ME[0-9a-fA-F]{32}/;

/** When S3 confirmed each media to the client: a PUT answer, or a HEAD with S3's checksum (Date.now(), by media SID). */
export type S3AckLog = Map<string, number[]>;

/**
 * Records, on the S3 client the archiver uses, the moment each PutObject of a media key came back
 * successful. The emulator runs in this process too, so "ack time ≤ DELETE arrival" is causal
 * ordering on one clock: the archiver cannot send a DELETE it decided on after the answer before
 * the answer arrived. Attach before the first webhook.
 */
export const attachS3AckLog = (s3: S3Client): S3AckLog => {
  const acks: S3AckLog = new Map();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const key = (args.input as { Key?: unknown }).Key;
      const sid = typeof key === 'string' ? MEDIA_SID.exec(key)?.[0] : undefined;
      // A HEAD that returned S3's own checksum is the proof a redelivery deletes on: a PUT whose
      // answer the deadline cut off (stored, never acknowledged) is verified from then on.
      const proving =
        context.commandName === 'HeadObjectCommand' &&
        (result.output as { ChecksumSHA256?: string }).ChecksumSHA256 !== undefined;
      if ((context.commandName === 'PutObjectCommand' || proving) && sid) {
        acks.set(sid, [...(acks.get(sid) ?? []), Date.now()]);
      }
      return result;
    },
    { step: 'initialize', name: 'reliabilityS3AckLog' },
  );
  return acks;
};

/**
 * Checks the guarantees for `media` from the outside: one object with the right bytes (read back
 * from S3), and no DELETE reaching the Twilio emulator before the S3 client got the answer to that
 * object's PUT (`acks`).
 */
export const auditArchive = async (
  stack: AuditedStack,
  media: readonly SeededMedia[],
  acks: S3AckLog,
): Promise<AuditSummary> => {
  const emulator = stack.emulator;
  if (!emulator) throw new Error('the audit needs the emulator (demo mode)');
  const [objects, s3Log] = await Promise.all([
    readArchive(stack.s3, stack.bucket),
    stack.s3Server.requestLog(),
  ]);
  const expectedSids = new Set(media.map((m) => m.sid));
  const putsBySid = new Map<string, number[]>();
  for (const entry of s3Log) {
    const sid = MEDIA_SID.exec(entry.path)?.[0];
    if (entry.method !== 'PUT' || entry.status !== 200 || !sid) continue;
    putsBySid.set(sid, [...(putsBySid.get(sid) ?? []), entry.at]);
  }
  const deletesBySid = new Map<string, { at: number; status: number }[]>();
  for (const request of emulator.requests) {
    if (request.method !== 'DELETE' || !request.mediaSid) continue;
    const list = deletesBySid.get(request.mediaSid) ?? [];
    list.push({ at: request.at, status: request.status });
    deletesBySid.set(request.mediaSid, list);
  }

  const audits = media.map((m): MediaAudit => {
    const copies = objects.filter((o) => o.key.includes(m.sid));
    const puts = putsBySid.get(m.sid) ?? [];
    const firstPut = puts.length > 0 ? Math.min(...puts) : Number.POSITIVE_INFINITY;
    const ackTimes = acks.get(m.sid) ?? [];
    const firstAck = ackTimes.length > 0 ? Math.min(...ackTimes) : Number.POSITIVE_INFINITY;
    const deletes = deletesBySid.get(m.sid) ?? [];
    const only = copies[0];
    return {
      sid: m.sid,
      copies: copies.length,
      intact:
        copies.length === 1 &&
        only?.sha256 === m.sha256 &&
        only.size === m.size &&
        // One-pass writes carry no sha256 metadata: S3's own checksum and the size it names.
        only.storedSha256 === m.sha256 &&
        only.metadata.size === String(m.size),
      puts: puts.length,
      deletes: deletes.filter((d) => d.status === 204).length,
      deletesBeforeVerified: deletes.filter((d) => d.at < firstAck).length,
      serverLogLeadMs: Math.max(0, ...deletes.map((d) => firstPut - d.at)),
      stillAtTwilio: emulator.hasMedia(m.sid),
    };
  });
  return {
    expected: media.length,
    archived: audits.filter((a) => a.intact).length,
    duplicates: audits.reduce((sum, a) => sum + Math.max(0, a.copies - 1), 0),
    deletesBeforeVerified: audits.reduce((sum, a) => sum + a.deletesBeforeVerified, 0),
    serverLogLeadMs: Math.max(0, ...audits.map((a) => a.serverLogLeadMs)),
    deleted: audits.filter((a) => !a.stillAtTwilio && a.deletes >= 1).length,
    strays: objects.filter((o) => !expectedSids.has(MEDIA_SID.exec(o.key)?.[0] ?? '')).length,
    media: audits,
  };
};

/** Posts the message's incoming webhook, signed with the stack's token; throws unless 200. */
export const postWebhookFor = async (
  stack: Pick<LocalStack, 'webhookUrl' | 'authToken' | 'accountSid'>,
  message: SeededMessage,
  extra: { from?: string; to?: string; body?: string } = {},
): Promise<void> => {
  const fields = incomingMessageFields({ accountSid: stack.accountSid, message, ...extra });
  const answer = await postSignedWebhook({
    webhookUrl: stack.webhookUrl,
    authToken: stack.authToken,
    fields,
  });
  if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
};

/**
 * Waits until the media queue holds nothing (local-aws-sqs counts in-flight messages too) and
 * `done` holds; polls every 200 ms.
 */
export const waitUntilSettled = async (
  stack: Pick<LocalStack, 'sqs' | 'queueUrl'>,
  done: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, what = 'the queue to drain' } = {},
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await done()) && (await approximateCount(stack.sqs, stack.queueUrl)) === 0) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
