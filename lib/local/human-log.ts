// `npm start`'s quiet log mode: the Lambdas' Powertools JSON lines, one short human line each.
// LOG_FORMAT=json keeps the Lambda's own lines (and the metrics). Never bundled into a Lambda.

type Entry = Record<string, unknown> & { level?: string; message?: string };

const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The one line for a Powertools log entry; `undefined` drops it (the metrics' EMF blobs). */
export const humanLogLine = (entry: Entry): string | undefined => {
  if ('_aws' in entry) return undefined;
  const media = text(entry.mediaSid);
  const reason = text(entry.reason);
  switch (entry.message) {
    case 'media archived': {
      const size = typeof entry.size === 'number' ? ` (${formatBytes(entry.size)})` : '';
      const archived = `archived ${media ?? 'media'}${size} → ${text(entry.key) ?? '?'}`;
      if (entry.twilio === 'deleted') return `${archived}\n  deleted at Twilio`;
      if (entry.twilio === 'kept')
        return `${archived}\n  kept at Twilio (DELETE_AFTER_ARCHIVE=false)`;
      return `${archived}\n  Twilio: ${String(entry.twilio)}`;
    }
    case 'webhook accepted': {
      const sids = Array.isArray(entry.mediaSids) ? entry.mediaSids.length : 0;
      return `webhook ${text(entry.correlation_id) ?? ''} accepted: ${sids} media queued`.replace(
        '  ',
        ' ',
      );
    }
    case 'message record written':
      return `message record → ${text(entry.key) ?? '?'}`;
    case 'message record found':
      return `message record already at ${text(entry.key) ?? '?'}`;
    case 'webhook refused':
      return `webhook refused (${String(entry.statusCode)}): ${reason ?? 'no reason'}`;
    default: {
      const level = (entry.level ?? 'INFO').toUpperCase();
      const about = [media, text(entry.error), reason].filter(Boolean).join(' ');
      const prefix = level === 'INFO' ? '' : `${level} `;
      return `${prefix}${entry.message ?? ''}${about ? `: ${about}` : ''}`;
    }
  }
};

/** Rewrites a chunk of output: JSON log lines become human lines, anything else passes. */
export const humanizeOutput = (chunk: string): string =>
  chunk
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        const entry = JSON.parse(line) as Entry;
        if (typeof entry !== 'object' || entry === null) return line;
        if (!('_aws' in entry) && entry.message === undefined) return line;
        return humanLogLine(entry) ?? null;
      } catch {
        return line;
      }
    })
    .filter((line): line is string => line !== null)
    .join('\n');

/** Installs the quiet mode on a stream (process.stdout / process.stderr). */
export const installHumanLog = (stream: NodeJS.WriteStream): void => {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return write(chunk, ...rest);
    const rewritten = humanizeOutput(chunk.toString());
    if (rewritten === '' && chunk.toString() !== '') {
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write(rewritten, ...rest);
  }) as typeof stream.write;
};
