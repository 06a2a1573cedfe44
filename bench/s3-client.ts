import { S3Client } from '@aws-sdk/client-s3';

/** The local stack's fixed keys (lib/local/local-stack.ts uses the same). */
const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** S3 commands as the client sent them (SDK retries excluded), split by what they wrote. */
export interface S3CommandCounts {
  mediaPuts: number;
  markerPuts: number;
  heads: number;
  other: number;
}

export interface CountingS3Client {
  client: S3Client;
  counts: S3CommandCounts;
  reset(): void;
}

/** An S3 client for the local S3 whose middleware counts commands, so markers and media can be told apart. */
export const createCountingS3Client = (endpoint: string): CountingS3Client => {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_AWS_CREDENTIALS,
    forcePathStyle: true,
  });
  const counts: S3CommandCounts = { mediaPuts: 0, markerPuts: 0, heads: 0, other: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = String((args.input as { Key?: string }).Key ?? '');
      if (context.commandName === 'PutObjectCommand') {
        if (key.includes('_index/')) counts.markerPuts += 1;
        else counts.mediaPuts += 1;
      } else if (context.commandName === 'HeadObjectCommand') counts.heads += 1;
      else counts.other += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCommandCounter' },
  );
  return {
    client,
    counts,
    reset: () => Object.assign(counts, { mediaPuts: 0, markerPuts: 0, heads: 0, other: 0 }),
  };
};
