// `npm run soak`: the chaos soak. Many media through the whole local stack while the Twilio
// emulator throttles, fails, resets and truncates; then an audit of what S3 and Twilio hold.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { startEphemeralStack } from '../lib/local/ephemeral-stack.ts';
import type { FaultKind, FaultProfile, SeededMedia } from '../lib/stand-ins/twilio-emulator.ts';
import { approximateCount } from '../test/helpers/local-sqs.ts';
import { makeSeedMedia } from '../test/helpers/media-fixtures.ts';
import {
  attachS3AckLog,
  auditArchive,
  postWebhookFor,
} from '../test/integration/reliability/audit.ts';

/** The fault mix the issue asks for: 20 % 429, 10 % 5xx, 2 % resets, 2 % truncated bodies. */
export const SOAK_FAULTS: FaultProfile = {
  throttleRate: 0.2,
  serverErrorRate: 0.1,
  resetRate: 0.02,
  truncateRate: 0.02,
  transientNotFoundMs: 2_000,
  concurrencyLimit: 0,
};

export interface SoakOptions {
  media: number;
  messages: number;
  faults?: FaultProfile;
  /** Lambda-like timeout of the poller (and the visibility timeout of a receive). */
  visibilityTimeoutSeconds?: number;
  /** Batches in flight at once (Lambda's concurrency for the event source). */
  pollerConcurrency?: number;
  /** Records of a batch processed at once (ARCHIVER_CONCURRENCY). */
  archiverConcurrency?: number;
  webhookConcurrency?: number;
  timeoutMs?: number;
  progress?: (line: string) => void;
}

export interface SoakResult {
  media: number;
  messages: number;
  archived: number;
  duplicates: number;
  deletesBeforeVerified: number;
  /** Informational: see `MediaAudit.serverLogLeadMs`. */
  serverLogLeadMs: number;
  deleted: number;
  deadLettered: number;
  /** Objects in the bucket that belong to no seeded media. */
  strays: number;
  /** Successful S3 PUTs of media objects (more than `media` = a redelivery re-uploaded). */
  puts: number;
  twilioRequests: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
  /** From the first webhook until every media was archived and deleted and the queue drained. */
  wallMs: number;
  timedOut: boolean;
  failures: string[];
}

/** Spreads `media` over `messages` as evenly as Twilio allows (1..10 media per message). */
export const mediaCounts = (media: number, messages: number): number[] => {
  const base = Math.floor(media / messages);
  const extra = media % messages;
  const counts = Array.from({ length: messages }, (_, i) => base + (i < extra ? 1 : 0));
  if (base < 1 || (counts[0] ?? 0) > 10) {
    throw new RangeError('each message must carry 1 to 10 media');
  }
  return counts;
};

/** Sizes from 1 KiB to 64 KiB, and every 50th media 1 MiB (long enough to be cut mid-body). */
const sizeOf = (n: number) => (n % 50 === 49 ? 1024 * 1024 : 1024 + ((n * 7919) % (63 * 1024)));
const CONTENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'audio/ogg', 'video/mp4'];

export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const faults = options.faults ?? SOAK_FAULTS;
  const progress = options.progress ?? (() => undefined);
  const visibility = options.visibilityTimeoutSeconds ?? 10;
  const counts = mediaCounts(options.media, options.messages);
  const pollerErrors: unknown[] = [];
  const stack = await startEphemeralStack({
    prefix: 'media-archiver-soak-',
    env: {
      LOCAL_VISIBILITY_TIMEOUT: String(visibility),
      // The soak exercises retries under faults: a deadline as short as the retry delay makes a
      // stalled attempt give up in seconds (the stack's default is the deployed 120 s).
      LOCAL_INVOCATION_TIMEOUT: String(visibility),
      ARCHIVER_CONCURRENCY: String(options.archiverConcurrency ?? 10),
    },
    hooks: {
      emulator: { faults },
      poller: {
        concurrency: options.pollerConcurrency ?? 4,
        onError: (error) => pollerErrors.push(error),
      },
    },
  });
  try {
    const emulator = stack.emulator;
    if (!emulator) throw new Error('the soak runs in demo mode (unset the Twilio credentials)');
    const acks = attachS3AckLog(stack.s3);
    const media: SeededMedia[] = [];
    const started = Date.now();
    const post = pLimit(options.webhookConcurrency ?? 8);
    let n = 0;
    // Each message is seeded just before its webhook, so every media is new when first fetched
    // and meets the transient-404 window.
    await Promise.all(
      counts.map((count) =>
        post(async () => {
          const message = emulator.addMessage({
            direction: 'inbound',
            media: Array.from({ length: count }, () => {
              n += 1;
              return makeSeedMedia({
                size: sizeOf(n),
                seed: n,
                contentType: CONTENT_TYPES[n % CONTENT_TYPES.length] as string,
              });
            }),
          });
          media.push(...message.media);
          await postWebhookFor(stack, message, { body: 'soak' });
        }),
      ),
    );
    progress(`soak: ${counts.length} webhooks accepted in ${Date.now() - started} ms`);

    const deadline = started + (options.timeoutMs ?? 15 * 60_000);
    let timedOut = false;
    let lastReport = Date.now();
    for (;;) {
      const left = media.filter((m) => emulator.hasMedia(m.sid)).length;
      const queued = await approximateCount(stack.sqs, stack.queueUrl);
      if (left === 0 && queued === 0) break;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const { received, deleted } = stack.poller.stats;
        progress(
          `soak: ${media.length - left}/${media.length} deleted at Twilio, ${queued} jobs queued, ` +
            `${received} received, ${deleted} done (${Math.round((Date.now() - started) / 1000)} s)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const wallMs = Date.now() - started;

    const audit = await auditArchive(stack, media, acks);
    const deadLettered = await approximateCount(stack.sqs, stack.deadLetterQueueUrl);
    const faultsInjected: Partial<Record<FaultKind, number>> = {};
    for (const request of emulator.requests) {
      if (request.fault) faultsInjected[request.fault] = (faultsInjected[request.fault] ?? 0) + 1;
    }
    const result: SoakResult = {
      media: media.length,
      messages: counts.length,
      archived: audit.archived,
      duplicates: audit.duplicates,
      deletesBeforeVerified: audit.deletesBeforeVerified,
      serverLogLeadMs: audit.serverLogLeadMs,
      deleted: audit.deleted,
      deadLettered,
      strays: audit.strays,
      puts: audit.media.reduce((sum, m) => sum + m.puts, 0),
      twilioRequests: emulator.requests.length,
      faultsInjected,
      wallMs,
      timedOut,
      failures: [],
    };
    const expect = (ok: boolean, what: string) => {
      if (!ok) result.failures.push(what);
    };
    expect(!timedOut, 'finished before the deadline');
    expect(result.archived === result.media, `${result.media}/${result.media} archived`);
    expect(result.duplicates === 0 && result.strays === 0, '0 duplicates');
    expect(result.deletesBeforeVerified === 0, '0 deletes before a verified object');
    expect(result.deleted === result.media, `${result.media} deletes at the end`);
    expect(result.deadLettered === 0, '0 messages in the DLQ');
    return result;
  } finally {
    await stack.close();
  }
};

export const formatSoakResult = (result: SoakResult): string =>
  [
    `media ${result.media} over ${result.messages} messages`,
    `archived (one object, right bytes and sha256): ${result.archived}/${result.media}`,
    `duplicates: ${result.duplicates} (stray objects: ${result.strays}; successful media PUTs: ${result.puts})`,
    `deletes before a verified object: ${result.deletesBeforeVerified} (DELETE arrival vs the S3 client's PUT acknowledgement; the local S3's own log lags by up to ${result.serverLogLeadMs} ms)`,
    `deleted at Twilio at the end: ${result.deleted}`,
    `messages in the DLQ: ${result.deadLettered}`,
    `Twilio requests: ${result.twilioRequests}; faults injected: ${JSON.stringify(result.faultsInjected)}`,
    `wall time: ${(result.wallMs / 1000).toFixed(1)} s`,
    result.failures.length === 0 ? 'PASS' : `FAIL: ${result.failures.join('; ')}`,
  ].join('\n');

const main = async () => {
  const { values } = parseArgs({
    options: {
      media: { type: 'string', default: '1000' },
      messages: { type: 'string', default: '300' },
      visibility: { type: 'string', default: '10' },
      'poller-concurrency': { type: 'string', default: '4' },
      'archiver-concurrency': { type: 'string', default: '10' },
      'timeout-minutes': { type: 'string', default: '15' },
    },
  });
  const result = await runSoak({
    media: Number(values.media),
    messages: Number(values.messages),
    visibilityTimeoutSeconds: Number(values.visibility),
    pollerConcurrency: Number(values['poller-concurrency']),
    archiverConcurrency: Number(values['archiver-concurrency']),
    timeoutMs: Number(values['timeout-minutes']) * 60_000,
    progress: (line) => console.error(line),
  });
  console.log(formatSoakResult(result));
  process.exitCode = result.failures.length === 0 ? 0 : 1;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error('soak:', error);
    process.exitCode = 1;
  });
}
