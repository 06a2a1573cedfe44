import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReconcileRunStatus, ReconcileStatusSink } from '../backfill/reconcile.ts';

/**
 * The last reconcile run, as one small JSON object beside the archive: written by the reconcile
 * use case (Lambda or CLI), read by `media-archive doctor`. S3 rather than a CloudWatch metric
 * because it holds the counts and the window too, and every S3 stand-in can serve it.
 * `_status/` is not an account SID, so archive listings never take it for media.
 */
export const reconcileStatusKey = (prefix: string): string => `${prefix}_status/reconcile.json`;

export const createS3ReconcileStatusSink = (options: {
  client: S3Client;
  bucket: string;
  prefix: string;
}): ReconcileStatusSink => ({
  async record(status) {
    await options.client.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: reconcileStatusKey(options.prefix),
        Body: `${JSON.stringify(status)}\n`,
        ContentType: 'application/json',
      }),
    );
  },
});

const isStatus = (value: unknown): value is ReconcileRunStatus => {
  const status = value as Partial<ReconcileRunStatus> | null;
  return (
    typeof status?.finishedAt === 'string' &&
    !Number.isNaN(Date.parse(status.finishedAt)) &&
    typeof status.complete === 'boolean' &&
    typeof status.counts === 'object' &&
    status.counts !== null
  );
};

export class UnreadableStatusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableStatusError';
  }
}

export const createS3ReconcileStatusReader = (client: S3Client) => ({
  async read(bucket: string, prefix: string): Promise<ReconcileRunStatus | undefined> {
    const key = reconcileStatusKey(prefix);
    let text: string;
    try {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      text = (await output.Body?.transformToString()) ?? '';
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UnreadableStatusError(`s3://${bucket}/${key} is not JSON`);
    }
    if (!isStatus(parsed))
      throw new UnreadableStatusError(`s3://${bucket}/${key} is not a reconcile status`);
    return parsed;
  },
});
