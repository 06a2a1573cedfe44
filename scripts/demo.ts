// `npm run demo`: the product end to end on this machine, with no set-up and no Twilio account.
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { claimDataDir, DataDirInUseError } from '../lib/local/data-dir-lock.ts';
import { startEphemeralStack } from '../lib/local/ephemeral-stack.ts';
import { makeGif, makePdf, makePng } from '../lib/stand-ins/demo-media.ts';
import { incomingMessageFields, postSignedWebhook } from '../lib/stand-ins/webhook-client.ts';

const DEADLINE_MS = 60_000;

async function claimDataDirOrExit(dataDir: string) {
  try {
    return await claimDataDir(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    console.error(
      `demo --keep: ${error.message}; add media to it with: npx media-archive send-test --local`,
    );
    process.exit(1);
  }
}
// --keep: archive into the data directory `npm start` uses (LOCAL_DATA_DIR, default .local), with
// its demo account, so `npm start` then `media-archive ls --local` and the browser show the media.
const keep = process.argv.includes('--keep');
const keepIn = process.env.LOCAL_DATA_DIR?.trim() || '.local';
// --keep writes into a data directory: never beside a running `npm start`, whose S3 would not see it.
const lock = keep ? await claimDataDirOrExit(keepIn) : undefined;
const stack = await startEphemeralStack({
  prefix: 'media-archiver-demo-',
  ...(keep ? { keepIn } : {}),
});
const emulator = stack.emulator;
const fail = async (reason: string): Promise<never> => {
  console.error(`demo: FAILED — ${reason}`);
  await stack.close();
  await lock?.release();
  process.exit(1);
};
if (!emulator) throw new Error('demo mode needs the emulator');

console.log(`demo: local stack up (webhook ${stack.webhookUrl}, S3 ${stack.s3Endpoint})`);
const mms = emulator.addMessage({
  direction: 'inbound',
  from: '+14155550199',
  to: '+14155550100',
  body: 'Three photos of the delivery',
  media: [
    { contentType: 'image/png', body: makePng(320, 240, [220, 40, 60]), filename: 'porch.png' },
    { contentType: 'image/png', body: makePng(240, 320, [30, 120, 200]), filename: 'box.png' },
    { contentType: 'image/gif', body: makeGif(), filename: 'signature.gif' },
  ],
});
const whatsapp = emulator.addMessage({
  direction: 'inbound',
  from: 'whatsapp:+447700900123',
  to: 'whatsapp:+14155550100',
  body: 'Here is the invoice',
  media: [
    { contentType: 'application/pdf', body: makePdf('Invoice 2026-0042'), filename: 'invoice.pdf' },
  ],
});
const media = [...mms.media, ...whatsapp.media];

for (const [message, isWhatsapp] of [
  [mms, false],
  [whatsapp, true],
] as const) {
  const answer = await postSignedWebhook({
    webhookUrl: stack.webhookUrl,
    authToken: stack.authToken,
    fields: incomingMessageFields({
      accountSid: stack.accountSid,
      message,
      whatsapp: isWhatsapp,
      ...(isWhatsapp ? { from: '+447700900123' } : {}),
    }),
  });
  console.log(
    `demo: webhook for ${message.sid} (${message.media.length} media) → ${answer.status} ${answer.body}`,
  );
  if (answer.status !== 200) await fail(`webhook answered ${answer.status}`);
}

const listArchive = async () => {
  const { Contents = [] } = await stack.s3.send(
    new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: `media/${stack.accountSid}/` }),
  );
  // Only this run's messages (with --keep the bucket holds earlier runs too), and media only: a
  // record from before `_records/` (beside the media) is not one.
  return Contents.filter(
    (object) =>
      (object.Key?.includes(mms.sid) || object.Key?.includes(whatsapp.sid)) &&
      !object.Key?.endsWith('/message.json'),
  );
};

const started = Date.now();
for (;;) {
  const archived = await listArchive();
  const gone = media.filter((m) => !emulator.hasMedia(m.sid));
  if (archived.length === media.length && gone.length === media.length) break;
  if (Date.now() - started > DEADLINE_MS) {
    await fail(
      `after ${DEADLINE_MS / 1000} s: ${archived.length}/${media.length} archived, ` +
        `${gone.length}/${media.length} deleted at Twilio; DLQ ${stack.deadLetterQueueUrl}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

console.log(
  `\ndemo: archive listing (s3://${stack.bucket}/), ${Date.now() - started} ms after the webhooks`,
);
for (const object of await listArchive()) {
  // S3's own full-object SHA-256 (what the archiver's proof relied on), never the metadata.
  const head = await stack.s3.send(
    new HeadObjectCommand({ Bucket: stack.bucket, Key: object.Key, ChecksumMode: 'ENABLED' }),
  );
  const sha256 = head.ChecksumSHA256
    ? `S3 sha256 ${Buffer.from(head.ChecksumSHA256, 'base64').toString('hex').slice(0, 12)}…`
    : 'NO S3 CHECKSUM';
  if (!head.ChecksumSHA256) await fail(`${object.Key} has no S3 checksum`);
  console.log(
    `  ${object.Key}  ${String(object.Size).padStart(7)} B  ${head.ContentType}  ${sha256}`,
  );
}
console.log('\ndemo: at the Twilio emulator');
for (const m of media) {
  const deletion = emulator.deletion(m.sid);
  console.log(
    `  ${m.sid}  ${emulator.hasMedia(m.sid) ? 'STILL THERE' : 'deleted'} (DELETE #${deletion?.seq})`,
  );
}
console.log(`\ndemo: OK — ${media.length} media archived, verified and deleted at Twilio`);
console.log(
  keep
    ? `demo: kept in ${stack.dataDir}/s3: npm start, then npx media-archive ls --local`
    : 'demo: the archive was temporary; npm run demo -- --keep leaves it where npm start and ls --local find it',
);
await stack.close();
await lock?.release();
process.exit(0);
