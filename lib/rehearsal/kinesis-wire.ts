import type { KinesisStreamRecord } from 'aws-lambda';

/**
 * Kinesis on moto_server through its JSON 1.1 wire protocol (moto checks no signature), so tests
 * and the rehearsal need no Kinesis SDK: the product never calls Kinesis itself, Lambda does.
 */
export const kinesisCall = async <T = Record<string, unknown>>(
  endpoint: string,
  operation: string,
  body: Record<string, unknown>,
): Promise<T> => {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${operation}`,
      // moto routes by the credential scope's service name.
      authorization:
        'AWS4-HMAC-SHA256 Credential=moto/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Kinesis ${operation} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
};

export const createStream = async (endpoint: string, name: string): Promise<string> => {
  await kinesisCall(endpoint, 'CreateStream', { StreamName: name, ShardCount: 1 });
  const { StreamDescriptionSummary } = await kinesisCall<{
    StreamDescriptionSummary: { StreamARN: string };
  }>(endpoint, 'DescribeStreamSummary', { StreamName: name });
  return StreamDescriptionSummary.StreamARN;
};

/** Puts `payload` (JSON-encoded unless a string) and returns the record's sequence number. */
export const putRecord = async (
  endpoint: string,
  streamName: string,
  payload: unknown,
  partitionKey = 'twilio',
): Promise<string> => {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const { SequenceNumber } = await kinesisCall<{ SequenceNumber: string }>(endpoint, 'PutRecord', {
    StreamName: streamName,
    Data: Buffer.from(text).toString('base64'),
    PartitionKey: partitionKey,
  });
  return SequenceNumber;
};

interface WireRecord {
  SequenceNumber: string;
  Data: string;
  PartitionKey: string;
  ApproximateArrivalTimestamp?: number;
}

/**
 * Every record of the stream's first shard from its start (a shard iterator, as Lambda's poller
 * reads), shaped as the Lambda Kinesis event's records.
 */
export const readShardAsLambdaRecords = async (
  endpoint: string,
  streamName: string,
  streamArn: string,
): Promise<KinesisStreamRecord[]> => {
  const { Shards } = await kinesisCall<{ Shards: { ShardId: string }[] }>(endpoint, 'ListShards', {
    StreamName: streamName,
  });
  const shardId = Shards[0]?.ShardId as string;
  let { ShardIterator: iterator } = await kinesisCall<{ ShardIterator: string }>(
    endpoint,
    'GetShardIterator',
    { StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' },
  );
  const records: KinesisStreamRecord[] = [];
  for (let page = 0; page < 100 && iterator; page += 1) {
    const answer = await kinesisCall<{ Records: WireRecord[]; NextShardIterator?: string }>(
      endpoint,
      'GetRecords',
      { ShardIterator: iterator, Limit: 100 },
    );
    for (const record of answer.Records) {
      records.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: record.PartitionKey,
          sequenceNumber: record.SequenceNumber,
          data: record.Data,
          approximateArrivalTimestamp: record.ApproximateArrivalTimestamp ?? 0,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${record.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/events',
        awsRegion: 'us-east-1',
        eventSourceARN: streamArn,
      });
    }
    if (answer.Records.length === 0) break;
    iterator = answer.NextShardIterator as string;
  }
  return records;
};
