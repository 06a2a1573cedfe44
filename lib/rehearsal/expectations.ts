/** What the rehearsal expects of the deployment: serverless.yml and infra/ as one reviewer reads them. */

export const SERVICE = 'twilio-media-archiver';
export const REGION = 'us-east-1';
export const FUNCTIONS = ['webhook', 'archiver', 'reconcile', 'events'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const LOGICAL_ID = {
  webhook: 'WebhookLambdaFunction',
  archiver: 'ArchiverLambdaFunction',
  reconcile: 'ReconcileLambdaFunction',
  events: 'EventsLambdaFunction',
} as const;
/** The intake the rehearsal deploys: the webhook and the Kinesis sink of Event Streams. */
export const REHEARSAL_INTAKE = 'webhook,event-streams-kinesis';
/** What serverless.yml and infra/ declare; the deployment must say the same. */
export const EXPECTED = {
  timeout: { webhook: 10, archiver: 120, reconcile: 600, events: 25 },
  memory: { webhook: 256, archiver: 512, reconcile: 256, events: 256 },
  eventsMapping: { BatchSize: 25, MaximumRetryAttempts: 10 },
  webhookReservedConcurrency: 10,
  mapping: { BatchSize: 20, MaximumBatchingWindowInSeconds: 5, MaximumConcurrency: 2 },
  queue: { VisibilityTimeout: '900', MessageRetentionPeriod: '345600', maxReceiveCount: 5 },
  dlqRetention: '1209600',
  actions: {
    webhook: [
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
    archiver: [
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      // Overwrites only where the bucket keeps old versions.
      's3:GetBucketVersioning',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
    reconcile: [
      'kms:Decrypt',
      // The status object `media-archive doctor` reads (one key, see infra/iam.yml).
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      // A listed key is no proof: presence HEADs each candidate for S3's own checksum.
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
    // With the Kinesis intake: read the stream, enqueue jobs, report failed batches.
    events: [
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
  },
} as const;
export const SECRET_VARIABLES = [
  'TWILIO_AUTH_TOKEN',
  'TWILIO_AUTH_TOKEN_PREVIOUS',
  'TWILIO_API_KEY_SECRET',
  'TWILIO_WEBHOOK_SHARED_KEYS',
];
/** The real SQS host moto writes into queue URLs (and so into the functions' environment). */
export const SQS_HOST = new RegExp(
  `^https://sqs\\.${REGION.replace(/-/g, '\\-')}\\.amazonaws\\.com`,
);
export const FROM = '+14155550199';
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's !Sub syntax, left as is by moto.
export const UNRESOLVED_HTTP_API = '${HttpApi}';
