import { DEFAULT_LOCAL_BUCKET, DEFAULT_LOCAL_S3_PORT } from '../config.ts';

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

export const HELP: Record<'main' | 'ls' | 'get' | 'url' | 'stats' | 'serve', string> = {
  main: `Usage: media-archive <command> [options]

Query the Twilio media archive with S3 listings. Keys are laid out
  {prefix}{AccountSid}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}{ext}
so a day, and a message within a day, are one prefix listing each; the archiver also writes a
zero-byte index entry {prefix}_index/{MessageSid}/{AccountSid}/{YYYY}/{MM}/{DD} per message, so a
message is found without its date in 2 listings.

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
  send-test  --local: archive a test message through the running local stack, end to end

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
  get: `Usage: media-archive get <MediaSid | key> [-o FILE] [--force] [--message MM... | --date D | --days N]

Downloads a media, streaming, and checks its size and SHA-256 against the archiver's metadata.
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
};

/** The help as this shell would run it: `${VAR:-default}` replaced by the value in effect. */
export const resolveHelp = (
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string =>
  text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => {
    const value = env[name]?.trim();
    return value ? value : fallback;
  });
