import { createBenchArchiver, redeliveryOf } from './archiver.ts';
import { type BenchStack, recordBatches, seedMedia } from './stack.ts';

export interface RequestCounts {
  media: number;
  messages: number;
  /** Twilio API GETs of the media resource, and how many of them answered 307. */
  apiGet: number;
  apiRedirects: number;
  cdnGet: number;
  apiDelete: number;
  /** Any other request at either Twilio origin. */
  twilioOther: number;
  /** Requests the local S3 served, by HTTP method. */
  s3: Record<string, number>;
  /** PutObject commands the client sent for media objects vs per-message index markers. */
  mediaPuts: number;
  markerPuts: number;
}

/** Section 5: requests per media on the happy path, then on a redelivery of the same jobs. */
export const measureRequests = async (
  stack: BenchStack,
  { size, count }: { size: number; count: number },
): Promise<{ happy: RequestCounts; replay: RequestCounts }> => {
  const { emulator, s3Server } = stack;
  const archiver = createBenchArchiver(stack.archiverEnv, s3Server.endpoint);
  const messages = seedMedia(emulator, size, count);
  const batches = recordBatches(emulator.accountSid, messages);

  const counted = async (work: () => Promise<void>): Promise<RequestCounts> => {
    await stack.resetS3Counts();
    emulator.clearRequests();
    archiver.s3.reset();
    await work();
    const log = emulator.requests;
    const api = log.filter((entry) => entry.origin === 'api');
    const apiGets = api.filter((entry) => entry.method === 'GET');
    const cdnGet = log.filter((entry) => entry.origin === 'cdn' && entry.method === 'GET').length;
    const apiDelete = api.filter((entry) => entry.method === 'DELETE').length;
    return {
      media: count,
      messages: messages.length,
      apiGet: apiGets.length,
      apiRedirects: apiGets.filter((entry) => entry.status === 307).length,
      cdnGet,
      apiDelete,
      twilioOther: log.length - apiGets.length - cdnGet - apiDelete,
      s3: await s3Server.requestCounts(),
      mediaPuts: archiver.s3.counts.mediaPuts,
      markerPuts: archiver.s3.counts.markerPuts,
    };
  };

  try {
    const happy = await counted(() => archiver.run(batches));
    const replay = await counted(() => archiver.run(redeliveryOf(batches)));
    return { happy, replay };
  } finally {
    archiver.close();
  }
};
