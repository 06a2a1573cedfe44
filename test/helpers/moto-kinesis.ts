// The rehearsal's Kinesis wire client, shared with the tests that put records on moto's Kinesis.
export {
  createStream,
  kinesisCall,
  putRecord,
  readShardAsLambdaRecords,
} from '../../lib/rehearsal/kinesis-wire.ts';
