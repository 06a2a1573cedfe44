/**
 * The local stack's fixed names, ports and keys: one dependency-free module read by the stack, the
 * CLI's `--local`, the bench and the scripts (and never bundled into a Lambda by accident of an
 * import chain).
 */

/** Every local stand-in runs in this region. */
export const LOCAL_REGION = 'us-east-1';
/** The local S3's and SQS's fixed keys (any keys work; fixed ones keep logs and docs alike). */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export const DEFAULT_LOCAL_BUCKET = 'twilio-media-archive';
export const DEFAULT_LOCAL_DATA_DIR = '.local';

export const LOCAL_MEDIA_QUEUE = 'media-jobs';
export const LOCAL_DEAD_LETTER_QUEUE = 'media-jobs-dlq';
/** As on AWS (infra/): a job that fails five receives goes to the DLQ. */
export const LOCAL_MAX_RECEIVE_COUNT = 5;
/** Seconds a received job stays invisible before the poller's next try. */
export const DEFAULT_LOCAL_VISIBILITY_TIMEOUT = 5;

export const DEFAULT_LOCAL_S3_PORT = 4569;
export const DEFAULT_LOCAL_SQS_PORT = 9324;
export const DEFAULT_LOCAL_HTTP_PORT = 3000;
export const DEFAULT_LOCAL_BROWSER_PORT = 8080;
export const DEFAULT_LOCAL_TWILIO_PORT = 4010;
export const DEFAULT_LOCAL_TWILIO_CDN_PORT = 4011;

// The deployed values the local stack mirrors, in one place. A test reads serverless.yml and fails
// when these drift from it (test/unit/config/local-constants.test.ts).

/** serverless.yml `custom.archiver.timeout`: the archiver Lambda's invocation deadline. */
export const ARCHIVER_TIMEOUT_SECONDS = 120;

/** serverless.yml webhook `httpApi.path`: the path Twilio calls on AWS, and locally. */
export const WEBHOOK_PATH = '/twilio/messages';

/** serverless.yml events `httpApi.path`: the Event Streams webhook sink, on AWS and locally. */
export const EVENTS_PATH = '/twilio/events';

/** The local path of earlier releases, still served so existing tunnels and scripts keep working. */
export const LEGACY_WEBHOOK_PATH = '/webhook';

/**
 * Seconds before a failed job is received again locally (the local stand-in for the archiver's
 * backoff, which local-aws-sqs's receive counting makes unusable: see local-stack.ts).
 */
export const LOCAL_RETRY_DELAY_SECONDS = 5;
