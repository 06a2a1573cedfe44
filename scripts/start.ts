// `npm start`: the whole product on this machine until Ctrl-C or SIGTERM. See README "Local stack".
// Run by node directly (package.json), not through a wrapper, so that signals reach this process.

import { readFileSync } from 'node:fs';

// npm exits on SIGTERM without passing it on (and may run us under `sh -c`): a stack whose
// launcher went away stops too, instead of holding every port as an orphan. Read first thing, so
// a signal during start-up is not missed.
const launcher = (() => {
  const pids = [process.ppid];
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
    const grandparent = Number(rest?.split(' ')[1]);
    if (comm && /^(sh|dash|bash)$/.test(comm) && grandparent > 1) pids.push(grandparent);
  } catch {
    // Not Linux: the parent alone is watched.
  }
  return pids;
})();
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const launcherGone = () => process.ppid !== launcher[0] || !launcher.every(isAlive);

// Quiet human-readable lines by default; LOG_FORMAT=json (or --json) keeps the Lambda's JSON lines.
const json = process.argv.includes('--json') || process.env.LOG_FORMAT === 'json';
if (!json) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { installHumanLog } = await import('../lib/local/human-log.ts');
  installHumanLog(process.stdout);
  installHumanLog(process.stderr);
}

const { readLocalStackConfig } = await import('../lib/config/local.ts');
const { ConfigurationError } = await import('../lib/config/env.ts');
const { LocalPortInUseError, startLocalStack } = await import('../lib/local/local-stack.ts');
const { removeStackFile, writeStackFile } = await import('../lib/config/local-stack-files.ts');
const { startLocalArchiveBrowser } = await import('../lib/compose/browser.ts');
const { BrowserPortInUseError } = await import('../lib/browser/server.ts');
const { loggableUrl } = await import('../lib/domain/loggable-url.ts');
const { claimDataDir, DataDirInUseError } = await import('../lib/local/data-dir-lock.ts');

let stack: Awaited<ReturnType<typeof startLocalStack>>;
let config: ReturnType<typeof readLocalStackConfig>;
let lock: Awaited<ReturnType<typeof claimDataDir>> | undefined;
try {
  config = readLocalStackConfig();
  // Before any port: a second start on the same data directory is told who owns it.
  lock = await claimDataDir(config.dataDir);
  stack = await startLocalStack(config);
} catch (error) {
  const oneLine =
    error instanceof LocalPortInUseError ||
    error instanceof ConfigurationError ||
    error instanceof DataDirInUseError;
  console.error(`npm start: ${oneLine ? (error as Error).message : String(error)}`);
  await lock?.release();
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
  await lock.release();
  process.exit(1);
}

const s3Port = new URL(stack.s3Endpoint).port;
const sqsPort = new URL(stack.sqsEndpoint).port;
const localEnv = [
  ...(s3Port === '4569' ? [] : [`LOCAL_S3_PORT=${s3Port}`]),
  ...(config.dataDir === '.local' ? [] : [`LOCAL_DATA_DIR=${config.dataDir}`]),
  ...(stack.bucket === 'twilio-media-archive' ? [] : [`ARCHIVE_BUCKET=${stack.bucket}`]),
].join(' ');
const cli = (command: string) => `${localEnv ? `${localEnv} ` : ''}npx media-archive ${command}`;

const twilioLines = stack.emulator
  ? [
      '  Twilio       DEMO MODE: built-in Twilio emulator (no Twilio credentials configured)',
      `               API ${stack.emulator.apiBaseUrl}   CDN ${stack.emulator.cdnBaseUrl}`,
      `               demo account ${stack.accountSid} (kept in ${config.dataDir}/twilio-emulator.json)`,
    ]
  : [
      `  Twilio       ${config.twilio?.apiBaseUrl} as ${stack.accountSid}`,
      stack.publicWebhookUrl
        ? `  Twilio must call  POST ${loggableUrl(stack.publicWebhookUrl)}  (PUBLIC_WEBHOOK_URL; signatures are checked against it)`
        : `  Twilio must call  your tunnel's https URL + /twilio/messages: set PUBLIC_WEBHOOK_URL to exactly that URL`,
      stack.deleteAfterArchive
        ? `  !!! DELETE_AFTER_ARCHIVE=true: media is DELETED at Twilio once copied into ${config.dataDir}/s3 !!!`
        : `  !!! KEEPING MEDIA AT TWILIO: local trial with a real account (set DELETE_AFTER_ARCHIVE=true to delete after archiving) !!!`,
    ];

const lines = [
  '',
  'twilio-media-archiver — local stack',
  `  webhook      POST ${stack.webhookUrl}`,
  `  event sink   POST ${stack.eventsUrl}  (Event Streams; Basic user ${stack.eventSink.username}, password in ${config.dataDir}/event-sink.json; connect --local uses it)`,
  `  archive      ${browser.url}  (read-only browser; the link's token changes every start)`,
  `  S3           ${stack.s3Endpoint}  bucket ${stack.bucket}  (data in ${config.dataDir}/s3)`,
  `  SQS          ${stack.sqsEndpoint}  queue ${stack.queueUrl}`,
  `  dead letters ${stack.deadLetterQueueUrl}`,
  ...twilioLines,
  '',
  ...(stack.emulator && stack.intake === 'event-streams'
    ? [
        "  EVENT MODE (LOCAL_INTAKE=event-streams): the emulator's number answers another app;",
        '  connect Event Streams once (sink + subscription at the emulator), then try it:',
        `  ${cli('connect --local')}`,
      ]
    : []),
  ...(stack.emulator
    ? [
        '  Try it (adds a message at the emulator, archives it, checks it):',
        `  ${cli('send-test --local')}`,
      ]
    : []),
  `  ${cli('ls --local')}`,
  ...(sqsPort === '9324' ? [] : [`  (ops commands: LOCAL_SQS_PORT=${sqsPort})`]),
  '',
  `Ctrl-C or SIGTERM (pid ${process.pid}) stops everything. Logs: one line per event (LOG_FORMAT=json for JSON).`,
];
console.log(lines.join('\n'));

await writeStackFile(config.dataDir, {
  pid: process.pid,
  webhookUrl: stack.webhookUrl,
  eventsUrl: stack.eventsUrl,
  eventSink: stack.eventSink,
  intake: config.intake,
  s3Endpoint: stack.s3Endpoint,
  bucket: stack.bucket,
  archivePrefix: stack.archivePrefix,
  accountSid: stack.accountSid,
  browserUrl: browser.url,
  ...(stack.emulator
    ? {
        emulator: {
          apiBaseUrl: stack.emulator.apiBaseUrl,
          authToken: stack.authToken,
          eventsBaseUrl: stack.emulator.eventsBaseUrl,
        },
      }
    : {}),
});

let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  // Only the owner removes what it published: a stack that lost its lock leaves others' files alone.
  await lock?.release(() => removeStackFile(config.dataDir)).catch(() => undefined);
  await browser.close();
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
setInterval(() => {
  if (launcherGone()) void stop('SIGTERM');
}, 250).unref();

// `rm -rf .local` under a running stack loses the archive and the lock: say so once, loudly.
let warnedVanished = false;
setInterval(async () => {
  if (warnedVanished || stopping || (await lock?.held())) return;
  warnedVanished = true;
  console.error(
    `npm start: ${config.dataDir}/ vanished or was taken over under this running stack: ` +
      'archived objects there are gone; stop (Ctrl-C) and start again',
  );
}, 2_000).unref();
