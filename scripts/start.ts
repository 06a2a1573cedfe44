// `npm start`: the whole product on this machine until Ctrl-C. See README "Local stack".
import { startLocalArchiveBrowser } from '../lib/browser/local-route.ts';
import { BrowserPortInUseError } from '../lib/browser/server.ts';
import { readLocalStackConfig } from '../lib/config.ts';
import { LocalPortInUseError, startLocalStack } from '../lib/local/local-stack.ts';

const config = readLocalStackConfig();
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack(config);
} catch (error) {
  const reason = error instanceof LocalPortInUseError ? error.message : String(error);
  console.error(`npm start: ${reason}`);
  process.exit(1);
}
let browser: Awaited<ReturnType<typeof startLocalArchiveBrowser>>;
try {
  browser = await startLocalArchiveBrowser(stack, {
    port: config.browserPort,
    dataDir: config.dataDir,
  });
} catch (error) {
  const reason =
    error instanceof BrowserPortInUseError
      ? `port ${error.port} is already in use: set ARCHIVE_BROWSER_PORT to a free port`
      : String(error);
  console.error(`npm start: ${reason}`);
  await stack.close();
  process.exit(1);
}

const s3Port = new URL(stack.s3Endpoint).port;
const lines = [
  '',
  'twilio-media-archiver — local stack',
  `  webhook      POST ${stack.webhookUrl}`,
  `  archive      ${browser.url}  (read-only browser; the link's token changes every start)`,
  `  S3           ${stack.s3Endpoint}  bucket ${stack.bucket}  (data in ${config.dataDir}/s3)`,
  `  SQS          ${stack.sqsEndpoint}  queue ${stack.queueUrl}`,
  `  dead letters ${stack.deadLetterQueueUrl}`,
  stack.emulator
    ? [
        '  Twilio       DEMO MODE: built-in Twilio emulator (no Twilio credentials configured)',
        `               API ${stack.emulator.apiBaseUrl}   CDN ${stack.emulator.cdnBaseUrl}`,
        `               sign test webhooks with account ${stack.accountSid}`,
        `               and auth token ${stack.authToken}`,
      ].join('\n')
    : `  Twilio       ${config.twilio?.apiBaseUrl} as ${stack.accountSid}`,
  '',
  `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws s3 ls --endpoint-url ${stack.s3Endpoint} --recursive s3://${stack.bucket}/`,
  `  LOCAL_S3_PORT=${s3Port} ARCHIVE_BUCKET=${stack.bucket} npx media-archive ls --local`,
  '',
  'Ctrl-C stops everything.',
];
console.log(lines.join('\n'));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await browser.close();
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
