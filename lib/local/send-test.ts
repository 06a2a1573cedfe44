import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { defineCommand, type RunContext } from '../cli/command.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../cli/errors.ts';
import { HELP_OPTION, parseOptions } from '../cli/options.ts';
import { openLocalArchiveListing } from '../compose/cli.ts';
import { readStackFile } from '../config/local-stack-files.ts';
import { makeGif, makePdf, makePng } from '../stand-ins/demo-media.ts';
import type { SeededMessage } from '../stand-ins/twilio-emulator/types.ts';
import { incomingMessageFields, postSignedWebhook } from '../stand-ins/webhook-client.ts';

const OPTIONS = {
  ...HELP_OPTION,
  local: { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.amr': 'audio/amr',
  '.txt': 'text/plain',
  '.vcf': 'text/vcard',
};

interface SampleMedia {
  contentType: string;
  filename: string;
  body: Buffer;
}

const samples = (): SampleMedia[] => [
  { contentType: 'image/png', filename: 'porch.png', body: makePng(320, 240, [220, 40, 60]) },
  { contentType: 'image/gif', filename: 'signature.gif', body: makeGif() },
  { contentType: 'application/pdf', filename: 'invoice.pdf', body: makePdf('send-test') },
];

const readFiles = async (paths: string[]): Promise<SampleMedia[]> =>
  Promise.all(
    paths.map(async (path) => ({
      contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      filename: basename(path),
      body: await readFile(path),
    })),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const parse = (argv: readonly string[]) => {
  const { values, positionals } = parseOptions(argv, OPTIONS, { positionals: true });
  if (values.help) return undefined;
  if (!values.local) throw new UsageError('send-test works only on the local stack: add --local');
  const timeout = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600) {
    throw new UsageError('--timeout must be an integer in 1..600');
  }
  if (positionals.length > 10) throw new UsageError('a message carries at most 10 media');
  return { files: positionals, timeoutMs: timeout * 1000 };
};

type SendTestArgs = NonNullable<ReturnType<typeof parse>>;

const runSendTest = async (args: SendTestArgs, io: RunContext): Promise<number> => {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const fail = (line: string) => {
    io.stderr.write(`media-archive send-test: ${line}\n`);
    return EXIT_FAILURE;
  };

  const dataDir = io.env.LOCAL_DATA_DIR?.trim() || '.local';
  const stack = await readStackFile(dataDir);
  if (!stack) return fail(`no running local stack found in ${dataDir}/ (start one with npm start)`);
  if (!stack.emulator) {
    return fail(
      'the running stack uses a real Twilio account; send-test needs the built-in emulator (npm start without Twilio credentials)',
    );
  }
  const { apiBaseUrl, authToken } = stack.emulator;
  let media: SampleMedia[];
  try {
    media = args.files.length > 0 ? await readFiles(args.files) : samples();
  } catch (error) {
    return fail(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'a file'}`);
  }

  const authorization = basicAuth(stack.accountSid, authToken);
  const seeded = await fetch(`${apiBaseUrl}/emulator/Messages`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      body: 'media-archive send-test',
      media: media.map((m) => ({
        contentType: m.contentType,
        filename: m.filename,
        base64: m.body.toString('base64'),
      })),
    }),
  }).catch(() => undefined);
  if (!seeded) return fail(`the emulator at ${apiBaseUrl} does not answer`);
  if (seeded.status !== 201) return fail(`the emulator refused the message (${seeded.status})`);
  const message = (await seeded.json()) as SeededMessage;
  say(`added ${message.sid} with ${message.media.length} media at the emulator`);

  if (stack.intake === 'event-streams') {
    // Event mode: the number's webhook is another app's; the emulator publishes the message's
    // event to the sink `media-archive connect --local` made, and that is all the archiver hears.
    say('event mode: the emulator delivers inbound-message.received to the connected sink');
  } else {
    const answer = await postSignedWebhook({
      webhookUrl: stack.webhookUrl,
      authToken,
      fields: incomingMessageFields({ accountSid: stack.accountSid, message }),
    }).catch(() => undefined);
    if (!answer) return fail(`the webhook at ${stack.webhookUrl} does not answer`);
    if (answer.status !== 200) {
      return fail(`the webhook answered ${answer.status}; the stack's log says why`);
    }
    say(`webhook ${stack.webhookUrl} → 200`);
  }

  const listing = openLocalArchiveListing(stack);
  const keys = new Map<string, string>();
  const deleted = new Set<string>();
  const deadline = Date.now() + args.timeoutMs;
  try {
    while (Date.now() < deadline) {
      // The key's day is the webhook's UTC day: list today's and yesterday's (near midnight).
      for (const offset of [0, 1]) {
        const day = new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
        const prefix = `${stack.archivePrefix}${stack.accountSid}/${day.replaceAll('-', '/')}/${message.sid}/`;
        for (const key of await listing.keysUnder(prefix)) {
          const sid = key.slice(prefix.length).replace(/\..*$/, '');
          if (sid) keys.set(sid, key);
        }
      }
      for (const { sid, path } of message.media) {
        if (deleted.has(sid) || !keys.has(sid)) continue;
        const probe = await fetch(`${apiBaseUrl}${path}.json`, { headers: { authorization } });
        if (probe.status === 404) deleted.add(sid);
      }
      if (deleted.size === message.media.length) break;
      await sleep(250);
    }
  } finally {
    listing.destroy();
  }

  for (const { sid } of message.media) {
    const key = keys.get(sid);
    const state = !key
      ? 'NOT archived'
      : deleted.has(sid)
        ? 'deleted at the emulator'
        : 'NOT deleted';
    say(`  ${sid}  ${key ?? '-'}  (${state})`);
  }
  if (deleted.size !== message.media.length) {
    const missing = message.media.length - deleted.size;
    return fail(
      `${missing} of ${message.media.length} media not archived and deleted within ${args.timeoutMs / 1000} s (see the stack's log; dead letters: media-archive redrive --local --dry-run${stack.intake === 'event-streams' ? '; no sink yet? media-archive connect --local' : ''})`,
    );
  }
  say(`all ${message.media.length} media archived and deleted at the emulator`);
  if (stack.browserUrl) say(`browse: ${stack.browserUrl}`);
  return EXIT_OK;
};

const HELP = `Usage: media-archive send-test --local [FILE...] [--timeout SECONDS]

Tries the running local stack (npm start, demo mode) end to end: adds an incoming message with
the given files (default: two small images and a PDF) at the stack's built-in Twilio emulator,
posts the webhook to the stack signed with the emulator's demo credentials (in event mode,
LOCAL_INTAKE=event-streams, the emulator delivers the message's event to the sink
\`media-archive connect --local\` created instead), then waits until
every media is archived in the local S3 and deleted at the emulator. Prints the archive keys.
Exit 0 only if all of that happened before the timeout.

  --local                required: the stack started from LOCAL_DATA_DIR (default .local)
  --timeout SECONDS      how long to wait, 1..600 (default 60)
  -h, --help             this help
`;

/**
 * `media-archive send-test`: local-stack tooling (the emulator's demo media, its signed webhook),
 * so it lives here and the bin adds it to the product's commands (`runCli`'s `extraCommands`).
 */
export const command = defineCommand<SendTestArgs>({
  name: 'send-test',
  kind: 'operation',
  summary: '--local: archive a test message through the running local stack, end to end',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runSendTest,
});
