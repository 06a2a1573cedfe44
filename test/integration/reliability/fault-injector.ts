import { pipeline, Transform } from 'node:stream';
import type { SQSEvent } from 'aws-lambda';
import { createTwilioMediaSource } from '../../../lib/adapters/twilio/twilio-media-source.ts';
import type { ArchiverDeps } from '../../../lib/handlers/archiver-handler.ts';
import type { LocalStackHooks } from '../../../lib/local/local-stack.ts';
import type { SqsHandler } from '../../../lib/stand-ins/sqs-poller.ts';

/** Stands for the Lambda process dying: not an ArchiverError, so nothing treats it as expected. */
export class SimulatedCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedCrashError';
  }
}

/** Where a media's first attempt "crashes". */
export type CrashPoint =
  | 'after-headers'
  | 'mid-body'
  | 'after-upload'
  /** After the handler returned (the DELETE at Twilio is done), before SQS deletes the message. */
  | 'after-delete';

const MEDIA_SID = /ME[0-9a-fA-F]{32}/;

/**
 * Fault injection through the archiver's ports and the poller: each armed media crashes once at
 * its point; an invocation in which any crash fired throws as a whole, so (like a dead Lambda) the
 * poller deletes none of its messages. Also switches on duplicate SQS delivery.
 */
export const createFaultInjector = () => {
  const armed = new Map<string, CrashPoint>();
  const fired: { sid: string; point: CrashPoint }[] = [];
  const pollerErrors: unknown[] = [];
  let duplicateDelivery = false;

  const fire = (sid: string | undefined, point: CrashPoint): boolean => {
    if (!sid || armed.get(sid) !== point) return false;
    armed.delete(sid);
    fired.push({ sid, point });
    return true;
  };

  /** Cuts the stream with a crash once about half of `length` bytes went through. */
  const crashMidway = (
    body: NodeJS.ReadableStream & { destroy(): void },
    length: number,
  ): Transform => {
    let seen = 0;
    const cut = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (seen + chunk.length >= length / 2 && seen > 0) {
          callback(new SimulatedCrashError('crashed in the middle of the body'));
          return;
        }
        seen += chunk.length;
        callback(null, chunk);
      },
    });
    pipeline(body, cut, () => undefined);
    return cut;
  };

  const decorateArchiverDeps = (deps: ArchiverDeps): ArchiverDeps => ({
    ...deps,
    source: {
      fetchMedia: async (ref, options) => {
        const answer = await deps.source.fetchMedia(ref, options);
        if (answer.status !== 'ok') return answer;
        if (fire(ref.mediaSid, 'after-headers')) {
          answer.body.destroy();
          throw new SimulatedCrashError('crashed after the response headers');
        }
        if (armed.get(ref.mediaSid) === 'mid-body' && (answer.contentLength ?? 0) > 1) {
          fire(ref.mediaSid, 'mid-body');
          return { ...answer, body: crashMidway(answer.body, answer.contentLength ?? 0) };
        }
        return answer;
      },
      deleteMedia: (ref) => deps.source.deleteMedia(ref),
    },
    store: {
      head: (key) => deps.store.head(key),
      keepsOldVersions: () => deps.store.keepsOldVersions(),
      putMarker: (key, metadata) => deps.store.putMarker(key, metadata),
      put: async (object) => {
        const result = await deps.store.put(object);
        if (fire(MEDIA_SID.exec(object.key)?.[0], 'after-upload')) {
          throw new SimulatedCrashError('crashed after the S3 upload, before the DELETE');
        }
        return result;
      },
    },
  });

  const wrapArchiver =
    (handler: SqsHandler): SqsHandler =>
    async (event, context) => {
      const before = fired.length;
      const copy = (): SQSEvent => structuredClone(event);
      // At-least-once delivery: the same messages handed to two invocations at the same time.
      const [response] = await Promise.all(
        duplicateDelivery
          ? [handler(event, context), handler(copy(), context)]
          : [handler(event, context)],
      );
      if (fired.length > before) throw new SimulatedCrashError('the invocation crashed');
      return response;
    };

  const beforeDelete = (event: SQSEvent) => {
    for (const record of event.Records) {
      if (fire(MEDIA_SID.exec(record.body)?.[0], 'after-delete')) {
        throw new SimulatedCrashError('crashed after the DELETE, before the SQS delete');
      }
    }
  };

  const hooks: LocalStackHooks = {
    decorateArchiverDeps: (deps) => decorateArchiverDeps(withFastTwilioRetries(deps)),
    wrapArchiver,
    poller: { beforeDelete, onError: (error) => pollerErrors.push(error) },
  };

  return {
    hooks,
    arm: (sids: readonly string[], point: CrashPoint) => {
      for (const sid of sids) armed.set(sid, point);
    },
    setDuplicateDelivery: (on: boolean) => {
      duplicateDelivery = on;
    },
    fired,
    pollerErrors,
    /** Media still armed: a crash that never happened would make a test prove nothing. */
    pending: () => [...armed.keys()],
  };
};

/** Twilio's retry waits shortened to milliseconds, so tests spend their time on the faults. */
export const withFastTwilioRetries = (deps: ArchiverDeps): ArchiverDeps => ({
  ...deps,
  source: createTwilioMediaSource({
    apiBaseUrl: deps.config.twilioApiBaseUrl,
    accountSid: deps.config.accountSid,
    credentials: deps.config.credentials,
    mediaOrigins: deps.config.twilioMediaOrigins,
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    notFoundRetryDelaysMs: [20, 40],
  }),
});
