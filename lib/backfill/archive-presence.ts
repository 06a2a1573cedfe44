import { dayPrefix, neighbourDayInstants, utcDayParts } from '../domain/archive-key.ts';
import { provenStoredCopy } from '../domain/archive-proof.ts';
import type { ArchiveListing, ArchiveStore } from '../ports.ts';

/** A webhook's `receivedAt` trails Twilio's `date_created` by about a second; 5 minutes is ample. */
export const MIDNIGHT_MARGIN_MS = 5 * 60_000;
/** Days kept listed: the window's day and its two neighbours. */
const CACHED_DAYS = 3;

/**
 * The UTC days under which an archived copy of a message's media may sit. Backfill and reconcile
 * key jobs by the message's `date_created`; the webhook keyed them by its arrival time, which is
 * the same day except when `date_created` is within a few minutes of midnight: then the
 * neighbouring day is searched too (both sides, to absorb clock skew).
 */
export const candidateDays = (dateCreatedIso: string): string[] =>
  [dateCreatedIso, ...neighbourDayInstants(dateCreatedIso, MIDNIGHT_MARGIN_MS)].map((iso) =>
    new Date(iso).toISOString().slice(0, 10),
  );

const mediaSidOf = (key: string) => (key.split('/').pop() ?? '').split('.', 1)[0] as string;

/** Keys per message SID, from the keys of one day listing. */
const keysByMessage = (keys: readonly string[], prefix: string) => {
  const byMessage = new Map<string, string[]>();
  for (const key of keys) {
    const [messageSid, file] = key.slice(prefix.length).split('/');
    if (!messageSid || !file) continue;
    byMessage.set(messageSid, [...(byMessage.get(messageSid) ?? []), key]);
  }
  return byMessage;
};

/** Media SIDs per message SID, from the keys of one day listing. */
export const mediaByMessage = (keys: readonly string[], prefix: string) => {
  const byMessage = new Map<string, Set<string>>();
  for (const key of keys) {
    const [messageSid, file] = key.slice(prefix.length).split('/');
    if (!messageSid || !file) continue;
    const mediaSid = file.split('.', 1)[0] as string;
    const set = byMessage.get(messageSid) ?? new Set<string>();
    set.add(mediaSid);
    byMessage.set(messageSid, set);
  }
  return byMessage;
};

export interface ArchivePresence {
  /** SIDs of the message's media the archive already holds. */
  archivedMediaOf(message: { sid: string; dateCreated: string }): Promise<Set<string>>;
}

/**
 * The "already archived?" check: one ListObjectsV2 walk of a whole day prefix
 * `{prefix}{AC}/{YYYY}/{MM}/{DD}/` finds the candidates of every message of that day (about one
 * request per 1,000 archived media); listings are cached for the last few days, since backfill
 * walks day by day. A listed key is not proof (anyone with `PutObject` can create one): each
 * candidate is HEADed and counts only with S3's own checksum proof (`archive-proof.ts`); the rest
 * are enqueued, and the archiver replaces what S3 cannot confirm.
 */
export const createArchivePresence = (
  listing: ArchiveListing,
  archivePrefix: string,
  accountSid: string,
  store: Pick<ArchiveStore, 'head'>,
): ArchivePresence => {
  const days = new Map<string, Promise<Map<string, string[]>>>();
  const dayListing = (day: string) => {
    let cached = days.get(day);
    if (!cached) {
      const prefix = dayPrefix(archivePrefix, accountSid, utcDayParts(`${day}T00:00:00Z`));
      cached = listing.keysUnder(prefix).then((keys) => keysByMessage(keys, prefix));
      // A failed listing must not stay cached: the next message asks again.
      cached.catch(() => days.delete(day));
      days.set(day, cached);
      while (days.size > CACHED_DAYS) days.delete(days.keys().next().value as string);
    }
    return cached;
  };
  return {
    async archivedMediaOf(message) {
      const found = new Set<string>();
      for (const day of candidateDays(message.dateCreated)) {
        for (const key of (await dayListing(day)).get(message.sid) ?? []) {
          const sid = mediaSidOf(key);
          if (!found.has(sid) && provenStoredCopy(await store.head(key))) found.add(sid);
        }
      }
      return found;
    },
  };
};
