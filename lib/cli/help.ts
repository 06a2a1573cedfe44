import { DEFAULT_RECONCILE_MAX_AGE_HOURS } from '../config/doctor.ts';
import {
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_LOCAL_DATA_DIR,
  DEFAULT_LOCAL_S3_PORT,
  DEFAULT_LOCAL_SQS_PORT,
  DEFAULT_LOCAL_TWILIO_PORT,
  LOCAL_DEAD_LETTER_QUEUE,
  LOCAL_MEDIA_QUEUE,
} from '../config/local-constants.ts';
import { SERVICE_NAME } from '../domain/service.ts';

const COMMON = `Target:
  (default)            AWS: bucket ARCHIVE_BUCKET (required), standard AWS credential chain
                       (AWS_PROFILE, AWS_REGION, env keys, SSO, instance roles, ...)
  --local              the local stack (npm start): http://127.0.0.1:\${LOCAL_S3_PORT:-${DEFAULT_LOCAL_S3_PORT}},
                       bucket \${ARCHIVE_BUCKET:-${DEFAULT_LOCAL_BUCKET}}
  --account AC...      one account (default: TWILIO_ACCOUNT_SID, else every account in the archive)
  ARCHIVE_PREFIX       key prefix (default media/)
  -h, --help           this help`;

const EXIT = `Exit status: 0 ok, 1 error (no bucket, no credentials, network, integrity),
  2 not found in the archive, 64 usage error.`;

const RANGE = `  --date YYYY-MM-DD     one UTC day
  --since YYYY-MM-DD    from this day (inclusive) ...
  --until YYYY-MM-DD    ... to this day (inclusive; default today)
  --days N              the last N days, today included`;

export const HELP: Record<
  | 'main'
  | 'ls'
  | 'get'
  | 'url'
  | 'stats'
  | 'serve'
  | 'backfill'
  | 'doctor'
  | 'reconcile'
  | 'redrive'
  | 'export'
  | 'hold'
  | 'find'
  | 'erase'
  | 'send-test'
  | 'connect',
  string
> = {
  main: `Usage: media-archive <command> [options]

Query the Twilio media archive with S3 listings. Keys are laid out
  {prefix}{AccountSid}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}{ext}
so a day, and a message within a day, are one prefix listing each. A message's record,
{prefix}_records/{AccountSid}/{YYYY}/{MM}/{DD}/{MessageSid}.json, is its index entry (older
archives: …/{MessageSid}/message.json and a zero-byte {prefix}_index/{MessageSid}/… entry), so a
message is found without its date by its index entry or a HEAD per day with records.

Commands:
  ls       list media (one line each: key, size, content type, received)
  get      download a media
  url      print a presigned GET URL for a media
  stats    count and bytes by content type and by day
  serve    a read-only web page of the archive (http://127.0.0.1:8080/archive/)

  backfill   enqueue (or --direct archive) media already at Twilio: --since DATE [--until DATE]
  reconcile  enqueue media of the last days that the archive lacks (missed webhooks)
  redrive    move dead-lettered jobs back to the media queue (--dry-run lists their reasons)
  doctor     check a deployed stack: SSM secrets, Twilio credentials and webhook, DLQ, alarms,
             last reconcile run (--stage STAGE [--region REGION])
  export     write days of messages and media into a zip with SHA256SUMS and manifest.json
  hold       set (--release: clear) an Object Lock legal hold on a message or media
  find       the messages and media of one participant (--participant +1555…), by keyed pseudonym
  erase      delete every version of a participant's (or one message's) media and records
  send-test  --local: archive a test message through the running local stack, end to end
  connect    create the Event Streams sink and subscription for this intake at Twilio

Run media-archive <command> --help for its options.

${COMMON}

${EXIT}
`,
  ls: `Usage: media-archive ls [--date D | --since D [--until D] | --days N | --message MM...] [options]

One line per media, tab-separated: key, size in bytes, content type, received.
Without --details the content type comes from the key's extension and "received" is the UTC day
from the key (no request per object); --details does one HEAD per object for the stored content
type and the exact received-at time; on an Object Lock bucket also a fifth column with the
retention (mode:until) and legal hold.

Cost: one ListObjectsV2 per day and account (plus one per 1000 objects), one to find the accounts
when no account is given. --message costs 2 listings (the message index, then the message),
which also show the message record, listed after the media (JSON: "records"); with --details
one GET more reads it.

Options:
${RANGE}
                        (default: --days 1, today in UTC)
  --message MM...       one message; with --date, skips the index and lists that day directly
  --details             HEAD each object: stored content type, exact received time, file name
  --json                one JSON document {"media": [...], "count", "bytes"} instead of lines

${COMMON}

${EXIT}
`,
  get: `Usage: media-archive get <MediaSid | key> [-o FILE] [--force] [--unverified] [--message MM... | --date D | --days N]

Downloads a media, streaming, and verifies the bytes against the message record (size, SHA-256)
and S3's own SHA-256 (checksum mode); metadata is compared but never proof. stderr says what it
was verified against (record, S3's checksum) or that nothing but metadata speaks for it. A
damaged media (any mismatch) is refused, exit 1, and no file is left; --unverified saves it
anyway and says UNVERIFIED on stderr.
The file is named after the media's original file name when the archive knows it, else
{MediaSid}{ext}, in the current directory; -o names the file or a directory, "-o -" writes
to stdout. An existing file is never overwritten without --force.

Finding a media SID: the key holds the message and the day, the index holds only messages.
  --message MM...       2 listings (the message index, then the message)
  --date YYYY-MM-DD     one listing of that day per account
  (neither)             day listings newest first over the last --days N days (default 31):
                        up to N x accounts ListObjectsV2 requests (plus one per 1000 objects a
                        day) before "not found". Prefer --message or --date on large archives.

Options:
  -o, --output FILE     target file or directory ("-" for stdout)
  -f, --force           overwrite an existing file
  --unverified          save a damaged media anyway (marked on stderr)
  --message MM...       the media's message
  --date YYYY-MM-DD     the UTC day the message was received
  --days N              how far back to scan without --message/--date (default 31)

${COMMON}

${EXIT}
`,
  url: `Usage: media-archive url <MediaSid | key> [--expires SECONDS] [--message MM... | --date D | --days N]

Prints a presigned GET URL. S3 answers it with ETag and Last-Modified and honours
If-None-Match / If-Modified-Since (304), so it can be handed to Twilio as an outbound MediaUrl
and cached. The URL stops working when it expires, or earlier when the credentials that signed it
do (temporary credentials: at the end of their session). Types other than safe images, audio,
video and PDF (HTML, SVG, unknown) are signed as downloads: response-content-disposition
attachment with a neutralised file name and type application/octet-stream. Costs one HEAD.

Finding the media costs what it costs for "get" (see media-archive get --help).

Options:
  --expires SECONDS     lifetime, 1..604800 (7 days; default 3600)
  --message MM...       the media's message (2 listings)
  --date YYYY-MM-DD     the UTC day the message was received (1 listing per account)
  --days N              how far back to scan without --message/--date (default 31)

${COMMON}

${EXIT}
`,
  stats: `Usage: media-archive stats [--date D | --since D [--until D] | --days N] [--json]

Media count and bytes, by content type (from the key's extension) and by day, from listings only:
one ListObjectsV2 per day and account (plus one per 1000 objects).

Options:
${RANGE}
                        (default: --days 31)
  --json                one JSON document

${COMMON}

${EXIT}
`,
  serve: `Usage: media-archive serve [--port 8080] [--host 127.0.0.1] [options]

A read-only web page of the archive: a calendar of UTC days, the messages of a day with their
media as thumbnails, each message's media with type, size, received time and SIDs, and a search
box for a message SID (2 listings) or a media SID (day listings over the last 31 days).
Media are streamed through this process (no presigned URLs leave it), with ETag/Last-Modified
passed through and 304 for conditional requests; listings are paged, never the whole bucket.
Only GET and HEAD are answered. The printed link carries a token made at each start, traded
for a cookie on first use; without it every request gets 401, whatever --host is. It also
answers only requests addressed to this machine (Host 127.0.0.1, localhost, [::1] or --host)
and none that came through a proxy. Thumbnails are cached in .local/thumbnails/.
Phone numbers appear only when they were archived (ARCHIVE_ADDRESSES=true). Ctrl-C stops it.

Cost: the calendar lists each day of the month up to today (one ListObjectsV2 per day and
account, at most 1000 keys each: "1000+" beyond); a day page lists one page of 120 media.

Options:
  --port N              port, 0..65535 (default 8080; 0 = any free port)
  --host ADDRESS        address to bind (default 127.0.0.1: this machine only)

${COMMON}

${EXIT}
`,
  backfill: `Usage: media-archive backfill --since YYYY-MM-DD [options]

Archive the media already at Twilio: lists the account's messages day by day (oldest first),
each message's media, checks the archive (one S3 listing per day) and enqueues one job per
missing media for the archiver, 10 per SQS batch.

  --since YYYY-MM-DD     first UTC day (inclusive; messages are listed by date sent)
  --until YYYY-MM-DD     last UTC day (inclusive; default today)
  --direction inbound|all  inbound (default) or all; outbound media of messages not yet final
                         (queued, sending, accepted, scheduled) is never enqueued
  --dry-run              print what would be enqueued, change nothing
  --sizes                with --dry-run: total bytes (one media GET per missing media)
  --direct               archive in this process (ARCHIVER_CONCURRENCY at once), no queue
  --resume               continue from the checkpoint of the same --since/--until/--direction
                         (.media-archive/ in the current directory, written after every page)
  --page-size N          messages per list page (1..1000, default 1000)
  --account AC…          only this account (the main one or a TWILIO_SUBACCOUNTS subaccount);
                         default every served account, closed/suspended subaccounts first
  --json                 one JSON summary on stdout
  --local                the local stack: S3 \${LOCAL_S3_PORT:-${DEFAULT_LOCAL_S3_PORT}}, SQS \${LOCAL_SQS_PORT:-${DEFAULT_LOCAL_SQS_PORT}},
                         Twilio emulator \${LOCAL_TWILIO_PORT:-${DEFAULT_LOCAL_TWILIO_PORT}} with its demo account from
                         \${LOCAL_DATA_DIR:-${DEFAULT_LOCAL_DATA_DIR}}/twilio-emulator.json: no Twilio variables needed
                         (with your own TWILIO_AUTH_TOKEN or API key set: real Twilio instead)
  -h, --help             this help

Environment (AWS): TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET or
TWILIO_AUTH_TOKEN, ARCHIVE_BUCKET, ARCHIVE_PREFIX, MEDIA_QUEUE_URL (not needed with --direct or
--dry-run).
Ctrl-C stops after the current page; --resume continues. Exit: 0 done, 1 error or failed media,
64 usage, 130 interrupted.
`,
  doctor: `Usage: media-archive doctor --stage STAGE [--region REGION] [--json]

Checks a deployed stack (${SERVICE_NAME}-STAGE), one line per check, and exits 1 when any fails:
  stack               the stack exists, is complete, has its outputs and functions
  ssm-parameters      every SSM parameter the functions name exists, is a SecureString and
                      decrypts (values are never printed)
  twilio-credentials  Twilio accepts the auth token (and the API key, when one is set): one
                      list request each
  twilio-webhook      which phone numbers (sms_url) and Messaging Services
                      (inbound_request_url) point at the stack's WebhookUrl with POST; fails
                      when none does. With TWILIO_SUBACCOUNTS, one verdict per served account
                      (numbers read at its own path); fails when an account's numbers all
                      point elsewhere. Ok without a look when the stack's Intake output
                      leaves the webhook out (event mode: the numbers stay the app's)
  event-streams       Event Streams intake (EventsUrl / EventStreamArn outputs): each served
                      account has an active sink of this stack and subscriptions naming the 5
                      event types (a subaccount read with its own token); says which intake is
                      live: webhook, event streams or both
  dead-letter-queue   depth and oldest job's age (CloudWatch; "unknown" without data); fails
                      when not empty
  alarms              state of the stack's CloudWatch alarms; fails on ALARM or when the stack
                      has none
  reconcile           the last reconcile run (the run's {prefix}_status/reconcile.json in the
                      archive bucket); fails when missing, incomplete or too old

  --stage STAGE          the stage deployed (osls --stage)
  --region REGION        its region (default AWS_REGION)
  --stack NAME           another stack name (default ${SERVICE_NAME}-STAGE)
  --reconcile-max-age H  hours after which the last reconcile run is too old (default ${DEFAULT_RECONCILE_MAX_AGE_HOURS})
  --json                 one JSON document: {"stack", "ok", "checks": [{"id", "status", "summary", "details"}]}
  -h, --help             this help

Environment: the standard AWS credential chain; AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE>
(CLOUDFORMATION, LAMBDA, SSM, SQS, CLOUDWATCH, S3) for a stand-in; TWILIO_API_BASE_URL (default
https://api.twilio.com), TWILIO_MESSAGING_BASE_URL (default https://messaging.twilio.com) and
TWILIO_EVENTS_BASE_URL (default https://events.twilio.com).
Exit status: 0 every check ok, 1 a check failed or was skipped, 64 usage error.
`,
  reconcile: `Usage: media-archive reconcile [--local] [--days N] [options]

What the scheduled reconcile function does, on demand: lists the messages of today and the N
days before (UTC) and enqueues the media still at Twilio that the archive lacks (a lost
webhook's). Messages younger than RECONCILE_MIN_AGE_MINUTES (default 15) are left alone: their
webhook jobs may still be queued.

  --days N               days before today to cover (default RECONCILE_LOOKBACK_DAYS, else 2)
  --direction inbound|all  as for backfill (default inbound)
  --dry-run              count only, enqueue nothing
  --account AC…          only this account (default: the main one and every TWILIO_SUBACCOUNTS
                         subaccount, reported one line each)
  --json                 one JSON summary on stdout
  --local                the local stack (see media-archive backfill --help)
  -h, --help             this help
`,
  redrive: `Usage: media-archive redrive [--dry-run] [--local] [--max N] [--json]

Moves dead-lettered jobs back to the media queue, where the archiver retries them from scratch.
Uses SQS's own redrive (StartMessageMoveTask, waiting for it to finish); with --max, or where an
endpoint lacks that API, receives, re-sends and deletes them 10 at a time (a job is deleted from
the dead-letter queue only once the media queue accepted it).

  --dry-run              list the jobs and why they failed (FailureReason, ErrorName); move none
  --max N                move (or list) at most N jobs (list default 1000)
  --account AC…          only this account's jobs (moved by copy; the others stay)
  --json                 JSON on stdout
  --local                the local stack's SQS \${LOCAL_SQS_PORT:-${DEFAULT_LOCAL_SQS_PORT}} (${LOCAL_MEDIA_QUEUE}, ${LOCAL_DEAD_LETTER_QUEUE})
  -h, --help             this help

Environment (AWS): DEAD_LETTER_QUEUE_URL, MEDIA_QUEUE_URL, the standard AWS credential chain.
`,
  hold: `Usage: media-archive hold MM…|SM…|ME… [--release] [options]

Sets (or with --release clears) an S3 Object Lock legal hold: a held object version cannot be
deleted or overwritten, whatever its retention, until the hold is released. A message SID holds
all its media and its message record; a media SID holds that media only.

  --release              clear the legal hold instead of setting it
  --message MM…          (with ME…) the media's message: 2 listings instead of a day scan
  --date YYYY-MM-DD      the UTC day the message was received
  --days N               (ME… alone) days to search back from today (default 7)
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --json                 JSON on stdout
  --local                the local stack's S3 (which has no Object Lock: always refused)
  -h, --help             this help

Needs a bucket created with Object Lock (deploy param objectLockMode): it asks S3 first
(GetObjectLockConfiguration) and changes nothing on a bucket without it. Permissions for these
credentials: s3:GetBucketObjectLockConfiguration, s3:PutObjectLegalHold (and s3:ListBucket,
s3:GetObject to find the objects).
Environment: ARCHIVE_BUCKET, ARCHIVE_PREFIX, the standard AWS credential chain.
`,
  export: `Usage: media-archive export --since YYYY-MM-DD --until YYYY-MM-DD -o FILE.zip [options]

Writes the archived messages of those UTC days (each message's record and media) into one zip,
with a manifest an auditor checks with standard tools:

  unzip FILE.zip -d export && cd export && sha256sum -c SHA256SUMS

Every file is read back from S3 and verified: a media against its message record (the SHA-256 S3
confirmed at archive time), else against S3's own SHA-256; a record against S3's SHA-256 of it.
manifest.json says per file what it was verified against (record, s3-checksum, none). A mismatch
stops the export (nothing is left at FILE.zip); so do a file nothing but metadata speaks for and
an unreadable record, unless --allow-unverified, which keeps such files out of SHA256SUMS (they
are listed in SHA256SUMS.unverified), so sha256sum -c vouches only for proven bytes.

  --since, --until       first and last UTC day (inclusive); --date D for one day
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  -o, --output FILE.zip  where to write (refuses to overwrite without --force)
  --force                overwrite FILE.zip
  --json                 the summary as JSON on stdout
  --allow-unverified     export files only metadata speaks for, outside SHA256SUMS
  --participant ADDRESS  only the messages this address took part in (as find; needs the key)
  --local                the local stack's S3
  -h, --help             this help

Layout: {AC}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}.{ext} and _records/{AC}/{YYYY}/{MM}/{DD}/
{MessageSid}.json (…/message.json in older archives) as in the bucket,
manifest.json (every file with its key, size, SHA-256, message and media SID, verifiedAgainst)
and SHA256SUMS (sha256sum format, every verified file, manifest.json included).
`,
  find: `Usage: media-archive find --participant ADDRESS [--since D --until D] [options]

The messages a phone number (or whatsapp:… address) took part in, with their record and media
keys. Records hold no number: each carries the HMAC-SHA256 of its From/To under the deployment's
ARCHIVE_PARTICIPANT_KEY, so this command needs that key (and, after a rotation, the old ones in
ARCHIVE_PARTICIPANT_KEYS_PREVIOUS, comma-separated). It reads every record of the window (one
listing per account and day, one GET per message): meant for local and small archives. With
--athena, one Athena query over the deployment's records table answers instead, at any size
(deploy with --param="athena=true"; billed by the bytes it scans, printed on stderr).

  --participant ADDRESS  +15550100001, "+1 555 010 0001", whatsapp:+1555… (never printed)
  --since, --until       first and last UTC day (inclusive); --date D, --days N (default 30)
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --json                 JSON on stdout
  --local                the local stack (its key is in \${LOCAL_DATA_DIR:-.local}/participant-key)
  --athena               query the records' Glue table in the stack's workgroup
                         (ARCHIVE_ATHENA_WORKGROUP, ARCHIVE_ATHENA_DATABASE; the stack's outputs)
  -h, --help             this help

Output: one line per message (SID, received, direction, from|to:channel, record key), its media
keys indented below. Messages archived without a record (older jobs) cannot be matched and are
counted on stderr.
`,
  erase: `Usage: media-archive erase (--participant ADDRESS --since D --until D | MM…|SM…) --yes [options]

Deletes every version of the media and message records of a participant in a window (as find
matches them), or of one message, and writes an erasure receipt _erasures/{time}-{id}.json
beside the archive prefix (when, window, counts, keys, who ran it; no number).
Versions under Object Lock COMPLIANCE retention or a legal hold are never touched: they are
listed as retained, with the reason. GOVERNANCE retention is bypassed only with
--bypass-governance (and s3:BypassGovernanceRetention); otherwise it is retained too.

  --participant ADDRESS  as for find (needs ARCHIVE_PARTICIPANT_KEY)
  --since, --until       first and last UTC day (inclusive); --date D for one day
  --date YYYY-MM-DD      (MM…) the day of the message: 2 listings instead of the index
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --dry-run              list what would be deleted and retained; delete nothing, no receipt
  --yes                  required to delete
  --bypass-governance    delete versions under GOVERNANCE retention too
  --json                 JSON on stdout
  --local                the local stack's S3 (refused: it keeps no object versions)
  -h, --help             this help

Runs with operator credentials (infra/eraser-policy.json): the archiver's roles cannot delete.
`,
  'send-test': `Usage: media-archive send-test --local [FILE...] [--timeout SECONDS]

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
`,
  connect: `Usage: media-archive connect (--stage STAGE [--region R] [--stack NAME] [--sink webhook|kinesis] | --local)
                             [--account AC...[,AC...]] [--dry-run] [--test-id ID] [--json]

Connects Twilio Event Streams to this deployment's intake, so messages are archived without
touching the numbers' webhooks (they stay your app's). Per account it makes a Sink and a
Subscription to com.twilio.messaging.inbound-message.received and
com.twilio.messaging.message.{delivered,undelivered,failed,read}, each only when missing: a
second run creates nothing.
  webhook sink   the stack's EventsUrl output with the sink's Basic credentials (the events
                 function's EVENT_SINK_USERNAME and the password in SSM) in the URL's userinfo;
                 Twilio makes webhook sinks active at once
  kinesis sink   EventStreamArn, EventStreamRoleArn and the external id (SSM parameter named by
                 EventStreamExternalIdParameter); Twilio makes it "initialized": connect sends a
                 test event and validates the sink with its test_id, read from the events
                 function's CloudWatch log ("sink test event received", up to 90 s); failing
                 that, pass the testId from the log with --test-id
A subaccount's sink is made with the subaccount's own auth token, read with the main account's.
Prints each step; exit 0 when every account is connected.

  --stage STAGE          the stage deployed (osls --stage)
  --region REGION        its region (default AWS_REGION)
  --stack NAME           another stack name (default ${SERVICE_NAME}-STAGE)
  --sink webhook|kinesis which sink, when the stack deploys both
  --local                the running local stack (npm start, demo mode) and its emulator
  --account AC...        the accounts, comma-separated (default: the main account and, with
                         TWILIO_SUBACCOUNTS, every active subaccount it serves)
  --dry-run              read only: print the calls that would be made (secrets masked)
  --test-id ID           validate a sink waiting for validation with this test_id
  --json                 the outcome per account as JSON
  -h, --help             this help

Environment: as for doctor (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS too); TWILIO_EVENTS_BASE_URL
(default https://events.twilio.com).
`,
};

/** One line per command, as in the main help's list. */
export const SUMMARY = {
  ls: 'list media (one line each: key, size, content type, received)',
  get: 'download a media',
  url: 'print a presigned GET URL for a media',
  stats: 'count and bytes by content type and by day',
  serve: 'a read-only web page of the archive',
  backfill: 'enqueue (or --direct archive) media already at Twilio',
  reconcile: 'enqueue media of the last days that the archive lacks (missed webhooks)',
  redrive: 'move dead-lettered jobs back to the media queue',
  doctor: 'check a deployed stack',
  export: 'write days of messages and media into a zip with SHA256SUMS and manifest.json',
  hold: 'set (--release: clear) an Object Lock legal hold on a message or media',
  find: 'the messages and media of one participant, by keyed pseudonym',
  erase: "delete every version of a participant's (or one message's) media and records",
  'send-test': '--local: archive a test message through the running local stack, end to end',
  connect: 'create the Event Streams sink and subscription for this intake at Twilio',
} as const;

/** The help as this shell would run it: `${VAR:-default}` replaced by the value in effect. */
export const resolveHelp = (
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string =>
  text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => {
    const value = env[name]?.trim();
    return value ? value : fallback;
  });
