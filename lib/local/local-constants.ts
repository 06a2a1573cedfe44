// The deployed values the local stack mirrors, in one place. A test reads serverless.yml and fails
// when these drift from it (test/unit/local/local-constants.test.ts).

/** serverless.yml `custom.archiver.timeout`: the archiver Lambda's invocation deadline. */
export const ARCHIVER_TIMEOUT_SECONDS = 120;

/** serverless.yml webhook `httpApi.path`: the path Twilio calls on AWS, and locally. */
export const WEBHOOK_PATH = '/twilio/messages';

/** The local path of earlier releases, still served so existing tunnels and scripts keep working. */
export const LEGACY_WEBHOOK_PATH = '/webhook';

/**
 * Seconds before a failed job is received again locally (the local stand-in for the archiver's
 * backoff, which local-aws-sqs's receive counting makes unusable: see local-stack.ts).
 */
export const LOCAL_RETRY_DELAY_SECONDS = 5;
